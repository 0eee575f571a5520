"""Returns, their lines and inspections: written with the movements that receive and inspect
them, in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update

from stockpool.domain.errors import Conflict
from stockpool.domain.movements import Reason
from stockpool.domain.orders import order_reference
from stockpool.domain.returns import (
    Disposition,
    Inspection,
    InspectionRecord,
    NewReturn,
    Return,
    ReturnLine,
    ReturnStatus,
)
from stockpool.store.repositories._paging import after_key
from stockpool.store.tables import ledger, return_inspections, return_lines, returns


class ReturnRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, new: NewReturn, order_id: int, at: datetime) -> int:
        """Store a return awaiting inspection, with its lines; its id."""
        return_id: int = self._connection.execute(
            insert(returns)
            .values(
                channel=new.channel,
                external_id=new.external_id,
                order_id=order_id,
                location=new.location,
                reason=new.reason,
                platform_return_id=new.platform_return_id,
                status=ReturnStatus.AWAITING_INSPECTION.value,
                created_at=at,
                updated_at=at,
            )
            .returning(returns.c.id)
        ).scalar_one()
        self._connection.execute(
            insert(return_lines),
            [
                {"return_id": return_id, "line_no": n, "sku": sku, "quantity": q, "inspected": 0}
                for n, (sku, q) in enumerate(new.lines)
            ],
        )
        return return_id

    def reported(self, channel: str, platform_return_id: str) -> int | None:
        """The return stockpool opened for the platform's return of that id, if any."""
        found: int | None = self._connection.execute(
            select(returns.c.id).where(
                returns.c.channel == channel, returns.c.platform_return_id == platform_return_id
            )
        ).scalar()
        return found

    def shipped_from(self, channel: str, external_id: str) -> dict[str, dict[str, int]]:
        """Units of each SKU the order shipped, by the location they left from (its ledger)."""
        query = (
            select(ledger.c.sku, ledger.c.location, func.sum(ledger.c.quantity))
            .where(
                ledger.c.reference == order_reference(channel, external_id),
                ledger.c.reason == Reason.SHIPPED.value,
            )
            .group_by(ledger.c.sku, ledger.c.location)
        )
        shipped: dict[str, dict[str, int]] = {}
        for sku, location, units in self._connection.execute(query):
            shipped.setdefault(sku, {})[location] = int(units)
        return shipped

    def returned(self, order_id: int) -> dict[str, int]:
        """Units of each SKU the order's returns took back so far."""
        query = (
            select(return_lines.c.sku, func.sum(return_lines.c.quantity))
            .join(returns, returns.c.id == return_lines.c.return_id)
            .where(returns.c.order_id == order_id)
            .group_by(return_lines.c.sku)
        )
        return {sku: int(units) for sku, units in self._connection.execute(query)}

    def lock(self, return_id: int) -> None:
        """Hold the return's row until commit: one inspection of it at a time. Callers lock
        the balance they move first, as every stock writer does."""
        self._connection.execute(
            select(returns.c.id).where(returns.c.id == return_id).with_for_update()
        ).first()

    def get(self, return_id: int) -> Return | None:
        row = self._connection.execute(select(returns).where(returns.c.id == return_id)).first()
        if row is None:
            return None
        inspections = self._connection.execute(
            select(return_inspections, return_lines.c.sku)
            .join(
                return_lines,
                (return_lines.c.return_id == return_inspections.c.return_id)
                & (return_lines.c.line_no == return_inspections.c.line_no),
            )
            .where(return_inspections.c.return_id == return_id)
            .order_by(return_inspections.c.id)
        )
        return _return(
            row, self._lines([return_id])[return_id], [_inspection(i) for i in inspections]
        )

    def page(self, *, status: ReturnStatus | None, after: int | None, limit: int) -> list[Return]:
        """Returns in id order (oldest first), after the given id; without their inspections."""
        query = select(returns)
        if status is not None:
            query = query.where(returns.c.status == status.value)
        rows = list(self._connection.execute(after_key(query, returns.c.id, after, limit)))
        lines = self._lines([row.id for row in rows])
        return [_return(row, lines[row.id], []) for row in rows]

    def inspect(self, return_id: int, inspection: Inspection, *, actor: str, at: datetime) -> None:
        """Record an inspection of the return's units; the return is inspected once none awaits.
        The update is conditional: units already inspected are never inspected again."""
        line_no = self._connection.execute(
            select(return_lines.c.line_no).where(
                return_lines.c.return_id == return_id, return_lines.c.sku == inspection.sku
            )
        ).scalar_one()
        changed = self._connection.execute(
            update(return_lines)
            .where(
                return_lines.c.return_id == return_id,
                return_lines.c.line_no == line_no,
                return_lines.c.inspected + inspection.quantity <= return_lines.c.quantity,
            )
            .values(inspected=return_lines.c.inspected + inspection.quantity)
        )
        if changed.rowcount != 1:
            raise Conflict(f"Return {return_id}: those units were inspected meanwhile.")
        self._connection.execute(
            insert(return_inspections).values(
                return_id=return_id,
                line_no=line_no,
                quantity=inspection.quantity,
                disposition=inspection.disposition.value,
                reference=inspection.reference,
                actor=actor[:100],
                inspected_at=at,
            )
        )
        awaiting = self._connection.execute(
            select(func.count())
            .select_from(return_lines)
            .where(
                return_lines.c.return_id == return_id,
                return_lines.c.inspected < return_lines.c.quantity,
            )
        ).scalar_one()
        status = ReturnStatus.AWAITING_INSPECTION if awaiting else ReturnStatus.INSPECTED
        self._connection.execute(
            update(returns)
            .where(returns.c.id == return_id)
            .values(status=status.value, updated_at=at)
        )

    def _lines(self, ids: Sequence[int]) -> dict[int, list[ReturnLine]]:
        found: dict[int, list[ReturnLine]] = {i: [] for i in ids}
        if not ids:
            return found
        query = (
            select(return_lines)
            .where(return_lines.c.return_id.in_(ids))
            .order_by(return_lines.c.return_id, return_lines.c.line_no)
        )
        for row in self._connection.execute(query):
            found[row.return_id].append(ReturnLine(row.sku, row.quantity, row.inspected))
        return found


def _return(row: Row[Any], lines: list[ReturnLine], inspections: list[InspectionRecord]) -> Return:
    return Return(
        id=row.id,
        channel=row.channel,
        external_id=row.external_id,
        order_id=row.order_id,
        location=row.location,
        reason=row.reason,
        status=ReturnStatus(row.status),
        created_at=row.created_at,
        lines=tuple(lines),
        inspections=tuple(inspections),
        platform_return_id=row.platform_return_id,
    )


def _inspection(row: Row[Any]) -> InspectionRecord:
    return InspectionRecord(
        id=row.id,
        sku=row.sku,
        quantity=row.quantity,
        disposition=Disposition(row.disposition),
        reference=row.reference,
        actor=row.actor,
        at=row.inspected_at,
    )
