"""Count sessions and their lines (one row per SKU of a count, counted or not yet)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection, Row, insert, select, update

from stockpool.domain.count_sessions import CountSession, CountStatus, NewCount, SessionLine
from stockpool.store.repositories._paging import after_key
from stockpool.store.tables import count_lines, count_sessions

_BY = frozenset({"submitted_by", "approved_by", "cancelled_by"})


class CountSessionRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(
        self,
        count: NewCount,
        threshold: int,
        actor: str,
        at: datetime,
        *,
        value_threshold: Decimal | None = None,
    ) -> int:
        """Open a count and one uncounted line per SKU, with the thresholds in force; its id."""
        statement = (
            insert(count_sessions)
            .values(
                location=count.location,
                blind=count.blind,
                threshold=threshold,
                value_threshold=value_threshold,
                status=CountStatus.OPEN.value,
                opened_by=actor,
                created_at=at,
                updated_at=at,
            )
            .returning(count_sessions.c.id)
        )
        count_id = int(self._connection.execute(statement).scalar_one())
        self._connection.execute(
            insert(count_lines), [{"count_id": count_id, "sku": sku} for sku in count.skus]
        )
        return count_id

    def get(self, count_id: int, *, lock: bool = False) -> CountSession | None:
        query = select(count_sessions).where(count_sessions.c.id == count_id)
        row = self._connection.execute(query.with_for_update() if lock else query).first()
        if row is None:
            return None
        return _session(row, self._lines([count_id]).get(count_id, ()))

    def put_lines(self, count_id: int, lines: Sequence[SessionLine], at: datetime) -> None:
        """Replace the lines' counts (the latest submission of a SKU wins)."""
        for line in lines:
            self._connection.execute(
                update(count_lines)
                .where(count_lines.c.count_id == count_id, count_lines.c.sku == line.sku)
                .values(
                    counted=line.counted,
                    expected=line.expected,
                    counted_by=line.counted_by,
                    counted_at=line.counted_at,
                    unit_cost=line.unit_cost,
                )
            )
        self._touch(count_id, at)

    def set_status(self, count_id: int, status: CountStatus, at: datetime, **by: str) -> None:
        """Move the count to status, recording who did (submitted_by, approved_by, cancelled_by)."""
        unknown = set(by) - _BY
        if unknown:
            raise ValueError(f"set_status records only {sorted(_BY)}, not {sorted(unknown)}")
        self._connection.execute(
            update(count_sessions)
            .where(count_sessions.c.id == count_id)
            .values(status=status.value, updated_at=at, **by)
        )

    def page(
        self, *, status: CountStatus | None, after: int | None, limit: int
    ) -> list[CountSession]:
        query = select(count_sessions)
        if status is not None:
            query = query.where(count_sessions.c.status == status.value)
        rows = self._connection.execute(after_key(query, count_sessions.c.id, after, limit)).all()
        lines = self._lines([row.id for row in rows])
        return [_session(row, lines.get(row.id, ())) for row in rows]

    def _lines(self, count_ids: Sequence[int]) -> dict[int, tuple[SessionLine, ...]]:
        if not count_ids:
            return {}
        query = (
            select(count_lines)
            .where(count_lines.c.count_id.in_(count_ids))
            .order_by(count_lines.c.count_id, count_lines.c.sku)
        )
        found: dict[int, list[SessionLine]] = {}
        for row in self._connection.execute(query):
            found.setdefault(row.count_id, []).append(
                SessionLine(
                    row.sku,
                    row.counted,
                    row.expected,
                    row.counted_by,
                    row.counted_at,
                    row.unit_cost,
                )
            )
        return {count_id: tuple(lines) for count_id, lines in found.items()}

    def _touch(self, count_id: int, at: datetime) -> None:
        self._connection.execute(
            update(count_sessions).where(count_sessions.c.id == count_id).values(updated_at=at)
        )


def _session(row: Row[tuple[object, ...]], lines: tuple[SessionLine, ...]) -> CountSession:
    return CountSession(
        id=row.id,
        location=row.location,
        blind=row.blind,
        threshold=row.threshold,
        status=CountStatus(row.status),
        lines=lines,
        opened_by=row.opened_by,
        opened_at=row.created_at,
        submitted_by=row.submitted_by,
        approved_by=row.approved_by,
        cancelled_by=row.cancelled_by,
        updated_at=row.updated_at,
        value_threshold=row.value_threshold,
    )
