"""The ledger read back: its lines by filter, what every balance must be summed from it, and
balances overwritten from those sums (`stockpool check --repair`); every balance, for exports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Row, func, literal, select, union_all

from stockpool.domain.balance import Balance, BalanceKey
from stockpool.domain.movements import LedgerEntry, LedgerFilter, Movement, Reason
from stockpool.domain.states import ALL_STATES, State
from stockpool.store.repositories._dialect import insert
from stockpool.store.repositories.stock import balance_of
from stockpool.store.tables import balances, ledger


class LedgerRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def all_balances(self) -> Iterator[tuple[BalanceKey, Balance]]:
        rows = self._connection.execute(
            select(balances).order_by(balances.c.sku, balances.c.location)
        )
        for row in rows:
            yield (row.sku, row.location), balance_of(row)

    def count_balances(self) -> int:
        return int(
            self._connection.execute(select(func.count()).select_from(balances)).scalar_one()
        )

    def pool_totals(self) -> Balance:
        """Every state summed across the pool (one grouped sum over the balances)."""
        columns = [func.coalesce(func.sum(balances.c[s.value]), 0) for s in ALL_STATES]
        row = self._connection.execute(select(*columns)).one()
        return Balance(**{s.value: int(v) for s, v in zip(ALL_STATES, row, strict=True)})

    def last_entry_id(self) -> int:
        """The newest ledger line's id (0 for an empty ledger)."""
        return int(self._connection.execute(select(func.max(ledger.c.id))).scalar_one() or 0)

    def ledger_sums(self) -> dict[BalanceKey, dict[str, int]]:
        """What every balance must be, summed from the ledger alone (set-based, one query)."""
        arriving = select(
            ledger.c.sku,
            ledger.c.location,
            ledger.c.to_state.label("state"),
            ledger.c.quantity.label("delta"),
        ).where(ledger.c.to_state.is_not(None))
        leaving = select(
            ledger.c.sku,
            ledger.c.location,
            ledger.c.from_state.label("state"),
            (literal(0) - ledger.c.quantity).label("delta"),
        ).where(ledger.c.from_state.is_not(None))
        changes = union_all(arriving, leaving).subquery()
        query = select(
            changes.c.sku, changes.c.location, changes.c.state, func.sum(changes.c.delta)
        ).group_by(changes.c.sku, changes.c.location, changes.c.state)
        sums: dict[BalanceKey, dict[str, int]] = {}
        for sku, location, state, total in self._connection.execute(query):
            sums.setdefault((sku, location), {})[state] = int(total)
        return sums

    def overwrite(self, key: BalanceKey, quantities: dict[str, int]) -> None:
        """Set a balance row to the given numbers (repairing it from the ledger)."""
        values = {state.value: int(quantities.get(state.value, 0)) for state in ALL_STATES}
        self._connection.execute(
            insert(self._connection, balances)
            .values(sku=key[0], location=key[1], **values)
            .on_conflict_do_update(
                index_elements=[balances.c.sku, balances.c.location], set_=values
            )
        )

    def entries(
        self, where: LedgerFilter, *, after: int | None, limit: int, newest_first: bool
    ) -> list[LedgerEntry]:
        """Ledger lines matching where, in id order, from a cursor (an id) onwards."""
        query = select(ledger).limit(limit)
        conditions = []
        if where.sku is not None:
            conditions.append(ledger.c.sku == where.sku)
        if where.location is not None:
            conditions.append(ledger.c.location == where.location)
        if where.reference is not None:
            conditions.append(ledger.c.reference == where.reference)
        if where.actor is not None:
            conditions.append(ledger.c.actor == where.actor)
        if where.since is not None:
            conditions.append(ledger.c.at >= where.since)
        if where.until is not None:
            conditions.append(ledger.c.at < where.until)
        if after is not None:
            conditions.append(ledger.c.id < after if newest_first else ledger.c.id > after)
        query = query.where(*conditions).order_by(
            ledger.c.id.desc() if newest_first else ledger.c.id
        )
        return [_entry(row) for row in self._connection.execute(query)]


def _entry(row: Row[Any]) -> LedgerEntry:
    movement = Movement(
        sku=row.sku,
        location=row.location,
        quantity=int(row.quantity),
        from_state=State(row.from_state) if row.from_state else None,
        to_state=State(row.to_state) if row.to_state else None,
        reason=Reason(row.reason),
        reference=row.reference,
    )
    return LedgerEntry(int(row.id), row.at, movement, row.actor)
