"""Balances and the ledger.

Concurrency: stock leaves a state only through a *conditional update* (``... WHERE available >=
:n``) checked by its row count. On PostgreSQL (READ COMMITTED) a second writer of the same row
waits for the first to commit and then re-evaluates the condition against the new row, so no
interleaving can take a balance below zero; it costs one statement and no extra lock round trip,
which a SELECT ... FOR UPDATE followed by an UPDATE would. Commands whose movements depend on the
current numbers (counts, safety stock, imports) lock their rows first with ``lock``, in sorted
key order so that two such transactions can never wait on each other in a cycle. On SQLite every
writer holds the database write lock from BEGIN IMMEDIATE, and the same statements are correct.
The CHECK constraints (>= 0) stay as a last line of defence.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, func, literal, select, tuple_, union_all, update
from sqlalchemy.exc import IntegrityError

from stockpool.domain.balance import Balance, BalanceKey
from stockpool.domain.movements import LedgerEntry, Movement, Reason
from stockpool.domain.states import ALL_STATES, State
from stockpool.store.repositories._dialect import insert
from stockpool.store.tables import balances, ledger

_STATE_COLUMNS = [balances.c[state.value] for state in ALL_STATES]


class MovementRejected(Exception):
    """The store refused a movement: not enough stock in its from_state, or an unknown SKU or
    location. The transaction is no longer usable; the service explains why after rolling back."""

    def __init__(self, movement: Movement | None) -> None:
        super().__init__(f"movement rejected: {movement or 'unknown SKU or location'}")
        self.movement = movement


@dataclass(frozen=True, slots=True)
class LedgerFilter:
    sku: str | None = None
    location: str | None = None
    reference: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class StockRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    # Writing

    def lock(self, keys: Iterable[BalanceKey]) -> dict[BalanceKey, Balance]:
        """Lock the balances of keys (creating empty rows for new ones) and return them."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        try:
            self._connection.execute(
                insert(self._connection, balances)
                .values([{"sku": sku, "location": location} for sku, location in wanted])
                .on_conflict_do_nothing(index_elements=[balances.c.sku, balances.c.location])
            )
        except IntegrityError as error:
            raise MovementRejected(None) from error
        rows = self._connection.execute(
            select(balances)
            .where(tuple_(balances.c.sku, balances.c.location).in_(wanted))
            .order_by(balances.c.sku, balances.c.location)
            .with_for_update()
        )
        return {(row.sku, row.location): _balance(row) for row in rows}

    def apply(
        self,
        movements: Sequence[Movement],
        *,
        at: datetime,
        actor: str,
        idempotency_key: str | None = None,
    ) -> tuple[list[LedgerEntry], dict[BalanceKey, Balance]]:
        """Apply movements in order; the ledger lines written and the balances they left."""
        after: dict[BalanceKey, Balance] = {}
        for movement in movements:
            after[(movement.sku, movement.location)] = self._change_balance(movement)
        if not movements:
            return [], after
        rows = [
            {
                "at": at,
                **m.as_record(),
                "actor": actor,
                "idempotency_key": f"{idempotency_key}#{n}" if idempotency_key else None,
            }
            for n, m in enumerate(movements)
        ]
        if len(rows) == 1:
            ids = [
                self._connection.execute(
                    ledger.insert().values(rows[0]).returning(ledger.c.id)
                ).scalar_one()
            ]
        else:
            ids = list(
                self._connection.execute(
                    ledger.insert().returning(ledger.c.id, sort_by_parameter_order=True), rows
                ).scalars()
            )
        entries = [LedgerEntry(i, at, m, actor) for i, m in zip(ids, movements, strict=True)]
        return entries, after

    def _change_balance(self, movement: Movement) -> Balance:
        changes = {
            state.value: balances.c[state.value] + delta
            for state, delta in movement.deltas().items()
        }
        key = and_(balances.c.sku == movement.sku, balances.c.location == movement.location)
        if movement.from_state is not None:
            statement = (
                update(balances)
                .where(key, balances.c[movement.from_state.value] >= movement.quantity)
                .values(changes)
                .returning(*_STATE_COLUMNS)
            )
        else:
            # Stock arriving from outside: the row may not exist yet.
            assert movement.to_state is not None
            statement = (
                insert(self._connection, balances)
                .values(
                    sku=movement.sku,
                    location=movement.location,
                    **{movement.to_state.value: movement.quantity},
                )
                .on_conflict_do_update(
                    index_elements=[balances.c.sku, balances.c.location], set_=changes
                )
                .returning(*_STATE_COLUMNS)
            )
        try:
            row = self._connection.execute(statement).first()
        except IntegrityError as error:  # unknown SKU or location (foreign key)
            raise MovementRejected(movement) from error
        if row is None:
            raise MovementRejected(movement)
        return _balance(row)

    # Reading

    def balance(self, sku: str, location: str) -> Balance | None:
        row = self._connection.execute(
            select(*_STATE_COLUMNS).where(balances.c.sku == sku, balances.c.location == location)
        ).first()
        return _balance(row) if row else None

    def balances_of_sku(self, sku: str) -> dict[str, Balance]:
        """The SKU's balance at each location that has ever held it, by location code."""
        rows = self._connection.execute(
            select(balances).where(balances.c.sku == sku).order_by(balances.c.location)
        )
        return {row.location: _balance(row) for row in rows}

    def all_balances(self) -> Iterator[tuple[BalanceKey, Balance]]:
        rows = self._connection.execute(
            select(balances).order_by(balances.c.sku, balances.c.location)
        )
        for row in rows:
            yield (row.sku, row.location), _balance(row)

    def count_balances(self) -> int:
        return int(
            self._connection.execute(select(func.count()).select_from(balances)).scalar_one()
        )

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


def _balance(row: Row[Any]) -> Balance:
    mapping = row._mapping
    return Balance(**{state.value: int(mapping[state.value]) for state in ALL_STATES})


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
