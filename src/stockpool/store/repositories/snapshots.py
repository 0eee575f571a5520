"""Snapshots applied per location, and what the ledger moved at a location since a time."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, func, literal, select, union_all, update

from stockpool.domain.movements import Reason
from stockpool.domain.snapshots import AppliedSnapshot
from stockpool.domain.states import PHYSICAL_STATES, State
from stockpool.store.tables import balances, ledger, locations, snapshots


class SnapshotRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def lock_location(self, code: str) -> bool:
        """Lock the location's row, so that its snapshots apply one at a time, in as_of order;
        False when there is no such location."""
        row = self._connection.execute(
            select(locations.c.code).where(locations.c.code == code).with_for_update()
        ).first()
        return row is not None

    def find(self, location: str, reference: str) -> AppliedSnapshot | None:
        row = self._connection.execute(
            select(snapshots).where(
                snapshots.c.location == location, snapshots.c.reference == reference
            )
        ).first()
        return None if row is None else _applied(row)

    def latest(self, location: str) -> AppliedSnapshot | None:
        """The applied snapshot of the location with the latest as_of."""
        row = self._connection.execute(
            select(snapshots)
            .where(snapshots.c.location == location)
            .order_by(snapshots.c.as_of.desc(), snapshots.c.id.desc())
            .limit(1)
        ).first()
        return None if row is None else _applied(row)

    def history(self, location: str, limit: int) -> list[AppliedSnapshot]:
        """The location's snapshots, latest as_of first."""
        rows = self._connection.execute(
            select(snapshots)
            .where(snapshots.c.location == location)
            .order_by(snapshots.c.as_of.desc(), snapshots.c.id.desc())
            .limit(limit)
        )
        return [_applied(row) for row in rows]

    def add(self, applied: AppliedSnapshot) -> None:
        self._connection.execute(
            snapshots.insert().values(
                location=applied.location,
                reference=applied.reference,
                as_of=applied.as_of,
                applied_at=applied.applied_at,
                partial=applied.partial,
                request_hash=applied.request_hash,
                rows=applied.rows,
                movements=applied.movements,
                actor=applied.actor,
                result=applied.result,
            )
        )

    def stamp(self, location: str, as_of: datetime) -> bool:
        """The location's last snapshot is as of as_of (a count taken later stays the later).
        Whether that changed the snapshot age of a location whose age is watched."""
        result = self._connection.execute(
            update(locations)
            .where(
                locations.c.code == location,
                locations.c.snapshot_at.is_(None) | (locations.c.snapshot_at < as_of),
            )
            .values(snapshot_at=as_of)
            .returning(locations.c.snapshot_max_age_seconds)
        ).first()
        return result is not None and result.snapshot_max_age_seconds is not None

    def held(self, location: str) -> set[str]:
        """The SKUs with units on hand at the location."""
        on_hand = sum((balances.c[state.value] for state in PHYSICAL_STATES), literal(0))
        rows = self._connection.execute(
            select(balances.c.sku).where(balances.c.location == location, on_hand > 0)
        )
        return {sku for (sku,) in rows}

    def moved_since(
        self, location: str, skus: Iterable[str], since: datetime
    ) -> dict[str, dict[State, int]]:
        """Net units per SKU and state the ledger recorded at the location after since, leaving
        out reconciliations (they stand as of their own, earlier, snapshot)."""
        wanted = sorted(set(skus))
        if not wanted:
            return {}
        where = (
            ledger.c.location == location,
            ledger.c.at > since,
            ledger.c.reason != Reason.SNAPSHOT_RECONCILE.value,
            ledger.c.sku.in_(wanted),
        )
        arriving = select(
            ledger.c.sku, ledger.c.to_state.label("state"), ledger.c.quantity.label("delta")
        ).where(ledger.c.to_state.is_not(None), *where)
        leaving = select(
            ledger.c.sku,
            ledger.c.from_state.label("state"),
            (literal(0) - ledger.c.quantity).label("delta"),
        ).where(ledger.c.from_state.is_not(None), *where)
        changes = union_all(arriving, leaving).subquery()
        query = select(changes.c.sku, changes.c.state, func.sum(changes.c.delta)).group_by(
            changes.c.sku, changes.c.state
        )
        moved: dict[str, dict[State, int]] = {}
        for sku, state, total in self._connection.execute(query):
            moved.setdefault(sku, {})[State(state)] = int(total)
        return moved


def _applied(row: Row[Any]) -> AppliedSnapshot:
    return AppliedSnapshot(
        location=row.location,
        reference=row.reference,
        as_of=row.as_of,
        applied_at=row.applied_at,
        partial=bool(row.partial),
        rows=int(row.rows),
        movements=int(row.movements),
        actor=row.actor,
        request_hash=row.request_hash,
        result=row.result,
    )
