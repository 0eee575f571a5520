"""What an Idempotency-Key remembers of the first request made with it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class StoredRequest:
    """The request that claimed a key: a replay must match its hash, and gets its response."""

    operation: str
    request_hash: str
    response: dict[str, Any] | None  # None: the first request stored no answer to replay
