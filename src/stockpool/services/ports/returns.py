"""What services ask of returns: stored with their lines, locked one at a time while inspected."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from stockpool.domain.returns import Inspection, NewReturn, Return, ReturnStatus


class Returns(Protocol):
    """add stores a return awaiting inspection; inspect raises Conflict if the units were
    inspected meanwhile (its update is conditional)."""

    def add(self, new: NewReturn, order_id: int, at: datetime) -> int: ...
    def returned(self, order_id: int) -> dict[str, int]: ...
    def lock(self, return_id: int) -> None: ...
    def get(self, return_id: int) -> Return | None: ...
    def page(
        self, *, status: ReturnStatus | None, after: int | None, limit: int
    ) -> list[Return]: ...
    def inspect(
        self, return_id: int, inspection: Inspection, *, actor: str, at: datetime
    ) -> None: ...
