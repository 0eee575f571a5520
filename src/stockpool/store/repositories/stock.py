"""Balances and the ledger.

Concurrency, two ways, each chosen for what the request needs:

- A change to one balance that needs no reading first (a move, a receipt, an adjustment: the hot
  path) is a *guarded update*, ``apply``: ``UPDATE ... SET available = available - :n WHERE ...
  AND available >= :n``, checked by whether it returned a row. On PostgreSQL (READ COMMITTED) a
  second writer of the same row waits for the first to commit, then re-evaluates the condition
  on the new row, so no interleaving takes a balance below zero - in one statement, with no
  separate SELECT ... FOR UPDATE round trip.
- A request that must read numbers before deciding (counts, safety stock, imports) or touches
  several balances (transfers, batches) first *locks* every balance it touches, ``lock``, in
  ascending key order, so two such requests can never each hold a row the other waits for; the
  domain then decides against the locked numbers and ``record`` writes the result in bulk.

On SQLite every writer holds the database write lock from BEGIN IMMEDIATE, and the same
statements are correct. The CHECK constraints (>= 0) remain the last line of defence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    Update,
    and_,
    bindparam,
    select,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError

from stockpool.domain.balance import Balance, BalanceKey
from stockpool.domain.errors import InvariantBroken, MovementRejected
from stockpool.domain.movements import LedgerEntry, Movement
from stockpool.domain.states import ALL_STATES, State
from stockpool.domain.tally import Tally
from stockpool.store.repositories._dialect import dialect_insert, insert
from stockpool.store.repositories._driver import BulkInsert, DriverStatement, compiled_once
from stockpool.store.tables import balances, ledger

_STATE_COLUMNS = [balances.c[state.value] for state in ALL_STATES]


class StockRepository:
    def __init__(self, connection: Connection, tally: Tally | None = None) -> None:
        self._connection = connection
        self._tally = Tally() if tally is None else tally  # movements written, for metrics

    # Writing

    def lock(self, keys: Iterable[BalanceKey]) -> dict[BalanceKey, Balance]:
        """Lock the balances of keys, creating empty rows for new ones, and return them.

        One upsert does both: a conflicting row is "updated" to itself, which takes its row lock,
        found through the primary key index. Keys go in ascending order, so two requests always
        take their locks in the same order.
        """
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        statement = (
            insert(self._connection, balances)
            .on_conflict_do_update(
                index_elements=[balances.c.sku, balances.c.location],
                set_={"available": balances.c.available},
            )
            .returning(balances.c.sku, balances.c.location, *_STATE_COLUMNS)
        )
        try:
            # Many parameter sets: SQLAlchemy sends them as multi-row INSERTs ("insertmanyvalues"),
            # in the given (sorted) order, sized to each engine's parameter limit.
            rows = self._connection.execute(
                statement, [{"sku": sku, "location": location} for sku, location in wanted]
            ).all()
        except IntegrityError as error:  # an unknown SKU or location (foreign key)
            raise MovementRejected(None) from error
        return {(row.sku, row.location): balance_of(row) for row in rows}

    def lock_existing(
        self, skus: Iterable[str], locations: Iterable[str]
    ) -> dict[BalanceKey, Balance]:
        """Lock the balances that exist for every sku at every location, in key order (a missing
        one holds nothing, so there is nothing to lock)."""
        sku_list, location_list = sorted(set(skus)), sorted(set(locations))
        if not sku_list or not location_list:
            return {}
        rows = self._connection.execute(
            _LOCK_EXISTING, {"skus": sku_list, "locations": location_list}
        )
        return {(row.sku, row.location): balance_of(row) for row in rows}

    def record(
        self,
        movements: Sequence[Movement],
        after: Mapping[BalanceKey, Balance],
        *,
        at: datetime,
        actor: str,
        idempotency_key: str | None = None,
        entries: bool = True,
    ) -> list[LedgerEntry]:
        """Write movements already decided against locked balances: each balance's new numbers
        and the ledger lines, in bulk. Only for rows this transaction holds through ``lock``.
        The ledger entries written, unless entries is False (then [], and no ids are read)."""
        self._tally.moved(movements)
        dialect = self._connection.dialect
        if dialect.name == "postgresql" and not entries and after and movements:
            # The balances and the ledger lines in one statement: one round trip, not two.
            rows = _ledger_rows(movements, at, actor, idempotency_key)
            self._set_balances(after, _bulk_ledger(dialect), rows)
            return []
        if dialect.name == "postgresql" and len(after) > 1:
            self._set_balances(after)
        else:
            _set_balance(dialect).many(
                self._connection,
                [
                    {
                        "key_sku": sku,
                        "key_location": location,
                        **{f"new_{s.value}": balance[s] for s in ALL_STATES},
                    }
                    for (sku, location), balance in after.items()
                ],
            )
        if entries:
            return self._write_ledger(movements, at, actor, idempotency_key)
        rows = _ledger_rows(movements, at, actor, idempotency_key)
        _bulk_ledger(dialect).rows(self._connection, rows)
        return []

    def _set_balances(
        self,
        after: Mapping[BalanceKey, Balance],
        then: BulkInsert | None = None,
        rows: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        """PostgreSQL: every balance's new numbers in one UPDATE, a parameter per column holding
        every row's values (see _driver.BulkInsert); then, in the same statement, rows inserted
        by then."""
        names = [s.value for s in ALL_STATES]
        sql = (
            f"UPDATE balances AS b SET {', '.join(f'{n} = v.{n}' for n in names)} "
            f"FROM unnest(%b::text[], %b::text[], {', '.join(['%b::bigint[]'] * len(names))}) "
            f"AS v(sku, location, {', '.join(names)}) "
            "WHERE b.sku = v.sku AND b.location = v.location"
        )
        parameters = [
            [sku for sku, _ in after],
            [location for _, location in after],
            *([balance[s] for balance in after.values()] for s in ALL_STATES),
        ]
        if then is not None:
            sql, parameters = then.after(sql), [*parameters, *then.columns(rows)]
        cursor: Any = self._connection.connection.cursor()
        try:
            cursor.execute(sql, parameters)
        finally:
            cursor.close()

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
        self._tally.moved(movements)
        return self._write_ledger(movements, at, actor, idempotency_key), after

    def _write_ledger(
        self, movements: Sequence[Movement], at: datetime, actor: str, idempotency_key: str | None
    ) -> list[LedgerEntry]:
        rows = _ledger_rows(movements, at, actor, idempotency_key)
        if not rows:
            return []
        if len(rows) == 1:
            inserted = _ledger_insert(self._connection.dialect).first(self._connection, rows[0])
            if inserted is None:
                raise InvariantBroken("INSERT ... RETURNING into the ledger returned no row.")
            ids = [inserted[0]]
        else:
            ids = list(self._connection.execute(_LEDGER_INSERT_MANY, rows).scalars())
        return [LedgerEntry(i, at, m, actor) for i, m in zip(ids, movements, strict=True)]

    def _change_balance(self, movement: Movement) -> Balance:
        parameters = {
            "key_sku": movement.sku,
            "key_location": movement.location,
            "quantity": movement.quantity,
        }
        statement = _change_statement(self._connection.dialect, movement)
        try:
            row = statement.first(self._connection, parameters)
        except statement.integrity_error as error:  # unknown SKU or location (foreign key)
            raise MovementRejected(movement) from error
        if row is None:  # the guard held: not enough in from_state (or no such balance)
            raise MovementRejected(movement)
        return Balance(*row)

    # Reading

    def balance(self, sku: str, location: str) -> Balance | None:
        row = self._connection.execute(
            select(*_STATE_COLUMNS).where(balances.c.sku == sku, balances.c.location == location)
        ).first()
        return balance_of(row) if row else None

    def balances_of_sku(self, sku: str) -> dict[str, Balance]:
        """The SKU's balance at each location that has ever held it, by location code."""
        rows = self._connection.execute(
            select(balances).where(balances.c.sku == sku).order_by(balances.c.location)
        )
        return {row.location: balance_of(row) for row in rows}


# The hot path's statements, built and compiled once (see _driver.py): building a statement and
# its cache key on every call cost more than executing it.

_LEDGER_INSERT_MANY = ledger.insert().returning(ledger.c.id, sort_by_parameter_order=True)
_KEY = and_(
    balances.c.sku == bindparam("key_sku"), balances.c.location == bindparam("key_location")
)


def _guarded_update(source: State, target: State | None) -> Update:
    """Take :quantity out of source (into target, if any) only while source holds that many."""
    changes = {source.value: balances.c[source.value] - bindparam("quantity")}
    if target is not None:
        changes[target.value] = balances.c[target.value] + bindparam("quantity")
    return (
        update(balances)
        .where(_KEY, balances.c[source.value] >= bindparam("quantity"))
        .values(changes)
        .returning(*_STATE_COLUMNS)
    )


def _arrival(dialect: str, target: State) -> Any:
    """Add :quantity to target, creating the balance row if it is new."""
    statement = dialect_insert(dialect, balances).values(
        sku=bindparam("key_sku"),
        location=bindparam("key_location"),
        **{target.value: bindparam("quantity")},
    )
    return statement.on_conflict_do_update(
        index_elements=[balances.c.sku, balances.c.location],
        set_={target.value: balances.c[target.value] + statement.excluded[target.value]},
    ).returning(*_STATE_COLUMNS)


def _change_statement(dialect: Dialect, movement: Movement) -> DriverStatement:
    source, target = movement.from_state, movement.to_state
    if source is not None:
        return compiled_once(
            dialect,
            ("take", source, target),
            lambda: DriverStatement(_guarded_update(source, target), dialect),
        )
    if target is None:  # Movement refuses to be built without either state
        raise InvariantBroken(f"{movement} has neither a from_state nor a to_state.")
    return compiled_once(
        dialect,
        ("arrive", target),
        lambda: DriverStatement(_arrival(dialect.name, target), dialect),
    )


def _ledger_insert(dialect: Dialect, *, returning: bool = True) -> DriverStatement:
    statement = ledger.insert()
    return compiled_once(
        dialect,
        ("ledger", returning),
        lambda: DriverStatement(
            statement.returning(ledger.c.id) if returning else statement,
            dialect,
            column_keys=[c.key for c in ledger.columns if c.key != "id"],
            converted=(ledger.c.at,),
        ),
    )


def _ledger_rows(
    movements: Sequence[Movement], at: datetime, actor: str, idempotency_key: str | None
) -> list[dict[str, Any]]:
    return [
        {
            "at": at,
            **m.as_record(),
            "actor": actor,
            "idempotency_key": f"{idempotency_key}#{n}" if idempotency_key else None,
        }
        for n, m in enumerate(movements)
    ]


def _bulk_ledger(dialect: Dialect) -> BulkInsert:
    columns = [c.key for c in ledger.columns if c.key != "id"]
    return compiled_once(dialect, ("bulk-ledger",), lambda: BulkInsert(ledger, dialect, columns))


def _set_balance(dialect: Dialect) -> DriverStatement:
    """Overwrite a locked balance's states with the numbers decided for it."""
    return compiled_once(
        dialect,
        ("set-balance",),
        lambda: DriverStatement(
            update(balances)
            .where(_KEY)
            .values({s.value: bindparam(f"new_{s.value}") for s in ALL_STATES}),
            dialect,
        ),
    )


def balance_of(row: Row[Any]) -> Balance:
    mapping = row._mapping
    return Balance(**{state.value: int(mapping[state.value]) for state in ALL_STATES})


# Built once: every order takes its locks through this.
_LOCK_EXISTING = (
    select(balances)
    .where(
        balances.c.sku.in_(bindparam("skus", expanding=True)),
        balances.c.location.in_(bindparam("locations", expanding=True)),
    )
    .order_by(balances.c.sku, balances.c.location)
    .with_for_update()
)
