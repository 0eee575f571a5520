"""Every request a sandbox received, with its answer's status, for tests and the demo."""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime
from typing import Any

BODY_MAX = 65_536


class RequestLog:
    def __init__(self, maxlen: int = 10_000) -> None:
        self._entries: deque[dict[str, Any]] = deque(maxlen=maxlen)
        self._next = 1

    def record(
        self,
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        body: bytes,
        status: int,
        fault: str | None,
    ) -> None:
        text = body[:BODY_MAX].decode("utf-8", errors="replace")
        self._entries.append(
            {
                "id": self._next,
                "at": datetime.now(UTC).isoformat(),
                "method": method,
                "path": path,
                "query": query,
                "headers": headers,
                "body": text,
                "status": status,
                "fault": fault,
            }
        )
        self._next += 1

    def since(self, after_id: int = 0, path: str | None = None) -> list[dict[str, Any]]:
        return [
            entry
            for entry in self._entries
            if entry["id"] > after_id and (path is None or entry["path"].startswith(path))
        ]

    def clear(self) -> None:
        self._entries.clear()
