"""What services ask of the count sessions' store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from stockpool.domain.count_sessions import CountSession, CountStatus, NewCount, SessionLine


class CountSessions(Protocol):
    """Count sessions and their lines. get(lock=True) holds the session's row until the
    transaction ends: every change to a session (a line, a submission, an approval) takes it
    first, so two of them on one count run one after the other."""

    def add(
        self,
        count: NewCount,
        threshold: int,
        actor: str,
        at: datetime,
        *,
        value_threshold: Decimal | None = None,
    ) -> int: ...
    def get(self, count_id: int, *, lock: bool = False) -> CountSession | None: ...
    def put_lines(self, count_id: int, lines: Sequence[SessionLine], at: datetime) -> None: ...
    def set_status(self, count_id: int, status: CountStatus, at: datetime, **by: str) -> None: ...
    def page(
        self, *, status: CountStatus | None, after: int | None, limit: int
    ) -> list[CountSession]: ...
