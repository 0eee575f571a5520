"""Stock use cases: every receipt, adjustment, move, transfer, count or import is one transaction."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from stockpool.domain.balance import EMPTY, Balance, BalanceKey, apply_into
from stockpool.domain.errors import (
    Conflict,
    IdempotencyKeyReused,
    InsufficientStock,
    InvalidRequest,
    MovementRejected,
    StockpoolError,
    UnknownLocation,
    UnknownSku,
)
from stockpool.domain.movements import LedgerEntry, Movement, Reason
from stockpool.domain.operations import Command, Count, CountResult, PostVariances, places
from stockpool.domain.states import State
from stockpool.services.backorders import fill_backorders
from stockpool.services.holds import lock_balances
from stockpool.services.incoming import follow_incoming
from stockpool.services.missing_stock import Taken, take_missing
from stockpool.services.ports import Clock, Progress, UnitOfWork, UnitOfWorkFactory
from stockpool.services.ports.availability import Counted
from stockpool.services.shortfalls import ConflictPolicy

IDEMPOTENCY_KEY_MAX = 255


@dataclass(frozen=True, slots=True)
class StockChange:
    """What a stock command did: the ledger lines, the balances they left, any count results."""

    movements: list[LedgerEntry]
    balances: dict[BalanceKey, Balance]
    counts: tuple[CountResult, ...] = ()
    taken: tuple[Taken, ...] = ()  # units a count found missing, taken from orders and holds
    replayed: bool = field(default=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "movements": [entry_dict(entry) for entry in self.movements],
            "balances": [
                {"sku": sku, "location": location, **balance.as_dict()}
                for (sku, location), balance in sorted(self.balances.items())
            ],
            "counts": [
                {"sku": c.sku, "expected": c.expected, "counted": c.counted, "variance": c.variance}
                for c in self.counts
            ],
            "taken": [asdict(t) for t in self.taken],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, replayed: bool = False) -> StockChange:
        return cls(
            movements=[entry_from_dict(e) for e in data["movements"]],
            balances={(b["sku"], b["location"]): Balance.from_mapping(b) for b in data["balances"]},
            counts=tuple(
                CountResult(c["sku"], c["expected"], c["counted"]) for c in data["counts"]
            ),
            taken=tuple(Taken(**t) for t in data.get("taken", ())),
            replayed=replayed,
        )


def entry_dict(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at.isoformat().replace("+00:00", "Z"),  # as the API writes every UTC time
        **entry.movement.as_record(),
        "actor": entry.actor,
    }


def entry_from_dict(data: dict[str, Any]) -> LedgerEntry:
    movement = Movement(
        sku=data["sku"],
        location=data["location"],
        quantity=data["quantity"],
        from_state=State(data["from_state"]) if data["from_state"] else None,
        to_state=State(data["to_state"]) if data["to_state"] else None,
        reason=Reason(data["reason"]),
        reference=data["reference"],
    )
    return LedgerEntry(data["id"], datetime.fromisoformat(data["at"]), movement, data["actor"])


def request_hash(operation: str, command: Command | Sequence[Command]) -> str:
    """A fingerprint of what was asked, to tell a replay from a new request under an old key."""
    body = [asdict(c) for c in command] if isinstance(command, Sequence) else asdict(command)
    text = json.dumps({"operation": operation, "command": body}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def check_idempotency_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not (1 <= len(key) <= IDEMPOTENCY_KEY_MAX) or not key.isprintable():
        raise InvalidRequest(
            f"Idempotency-Key must be 1-{IDEMPOTENCY_KEY_MAX} printable characters "
            "(a UUID is a good choice)."
        )
    return key


def _touched(commands: Sequence[Command]) -> set[BalanceKey]:
    return {key for command in commands for key in places(command)}


def _rows_to_lock(commands: Sequence[Command]) -> set[BalanceKey]:
    """The balances to lock, in one sorted pass, before anything changes.

    Those a plan must read first (counts, safety stock, imports), and every balance of a request
    that touches more than one: two transfers A->B and B->A would otherwise each hold one row and
    wait for the other's (a deadlock). A single-balance change needs no lock up front; its guarded
    update is the lock.
    """
    touched = _touched(commands)
    needed = {key for command in commands for key in command.balances_needed()}
    return touched if len(touched) > 1 else needed


def _orders_follow(
    uow: UnitOfWork,
    movements: Sequence[Movement],
    etas: Sequence[datetime | None],
    entries: list[LedgerEntry],
    after: dict[BalanceKey, Balance],
    at: datetime,
    actor: str,
) -> tuple[list[LedgerEntry], dict[BalanceKey, Balance]]:
    """What orders make of stock that moved: lots follow incoming, lines promised a lot get its
    units, and stock arriving in available fills backorders. Nothing to do - and no query - for
    a movement that neither touches incoming nor brings units to available."""
    if any(State.INCOMING in (m.from_state, m.to_state) for m in movements):
        arriving = list(zip(movements, etas, strict=True))
        delivered, balances = follow_incoming(uow, arriving, at, actor)
        entries, after = entries + delivered, {**after, **balances}
    arrived = {(m.sku, m.location) for m in movements if m.to_state == State.AVAILABLE}
    if arrived:
        filled, balances = fill_backorders(uow, arrived, at, actor)
        entries, after = entries + filled, {**after, **balances}
    return entries, after


class StockService:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, conflict_policy: ConflictPolicy = "auto"
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._policy = conflict_policy

    def execute(
        self, command: Command, *, actor: str, idempotency_key: str | None = None
    ) -> StockChange:
        """Apply one command atomically; a replayed key returns the first answer, writing nothing."""
        return self.execute_all([command], actor=actor, idempotency_key=idempotency_key)

    def execute_all(
        self,
        commands: Sequence[Command],
        *,
        actor: str,
        idempotency_key: str | None = None,
        progress: Progress | None = None,
    ) -> StockChange:
        """Apply several commands in one transaction: all of them, or (on any error) none."""
        if not commands:
            raise InvalidRequest("Nothing to apply: no commands were given.")
        key = check_idempotency_key(idempotency_key)
        operation = type(commands[0]).__name__.lower() if len(commands) == 1 else "batch"
        try:
            with self._uow() as uow:
                at = self._clock()
                if key is not None:
                    fingerprint = request_hash(operation, commands)
                    earlier = uow.idempotency.claim(key, operation, fingerprint, at)
                    if earlier is not None:
                        if earlier.request_hash != fingerprint or earlier.response is None:
                            raise IdempotencyKeyReused(key)
                        return StockChange.from_dict(earlier.response, replayed=True)
                change = self.apply_in(uow, commands, at, actor, key, progress)
                if key is not None:
                    uow.idempotency.save_response(key, change.to_dict())
                uow.follow_changes()
                uow.commit()
                return change
        except MovementRejected as rejected:
            raise self._explain(commands, rejected.movement) from None

    def apply_in(
        self,
        uow: UnitOfWork,
        commands: Sequence[Command],
        at: datetime,
        actor: str,
        key: str | None = None,
        progress: Progress | None = None,
    ) -> StockChange:
        """Apply commands inside the caller's transaction, which follows the changes and commits
        (a count session posts its variances with its own status change this way)."""
        current = self._lock(uow, commands, at, actor)
        taken: tuple[Taken, ...] = ()
        if current.keys() >= _touched(commands):
            entries, after, counts, taken = self._decide_locked(
                uow, commands, current, at, actor, key, progress
            )
        else:
            entries, after, counts = self._apply_guarded(uow, commands, at, actor, key, progress)
        counted = {c.location for c in commands if isinstance(c, Count | PostVariances)}
        if counted and uow.catalog.snapshot_taken(counted, at):
            # An overdue 3PL snapshot came: all of its stock counts again, every SKU.
            uow.changes.everything = uow.changes.config = True
        return StockChange(entries, after, tuple(counts), taken)

    @staticmethod
    def _lock(
        uow: UnitOfWork, commands: Sequence[Command], at: datetime, actor: str
    ) -> dict[BalanceKey, Balance]:
        """The balances the commands need locked before they decide (see _rows_to_lock).

        A count may find missing units that orders own, and those orders' lines are then routed
        to other locations: so it first locks every balance of its SKUs, everywhere, in one
        sorted statement (after expired holds on them give their units back), as ingest does.
        """
        counted = {
            sku for c in commands if isinstance(c, Count | PostVariances) for sku, _ in places(c)
        }
        current: dict[BalanceKey, Balance] = {}
        if counted:
            everywhere = [loc.code for loc in uow.catalog.list_locations()]
            current = lock_balances(uow, counted, everywhere, at, actor)
        return current | uow.stock.lock(_rows_to_lock(commands))

    def _decide_locked(
        self,
        uow: UnitOfWork,
        commands: Sequence[Command],
        current: dict[BalanceKey, Balance],
        at: datetime,
        actor: str,
        key: str | None,
        progress: Progress | None,
    ) -> tuple[list[LedgerEntry], dict[BalanceKey, Balance], list[CountResult], tuple[Taken, ...]]:
        """Every balance is locked: the domain decides against it, the store writes in bulk."""
        balances = dict(current)
        movements: list[Movement] = []
        etas: list[datetime | None] = []
        counts: list[CountResult] = []
        found: list[Counted] = []  # what cycle counts found, for the shrink rates
        for done, command in enumerate(commands, start=1):
            plan = command.plan(balances)
            apply_into(balances, plan.movements)
            movements.extend(plan.movements)
            etas.extend(plan.eta for _ in plan.movements)
            counts.extend(plan.counts)
            if isinstance(command, Count | PostVariances):
                place = command.location
                found += [(r.sku, place, r.expected, r.counted) for r in plan.counts]
            if progress is not None:
                progress(done)
        # A count measures shrinkage and restarts the hours since the last count: the SKUs
        # with a measured rate are decided again even when nothing was found missing.
        uow.changes.skus.update(uow.availability.record_counts(found, at))
        after = {(m.sku, m.location): balances[(m.sku, m.location)] for m in movements}
        entries = uow.stock.record(movements, after, at=at, actor=actor, idempotency_key=key)
        uow.changes.moved(movements)
        owned = [m for m in movements if m.from_state in (State.RESERVED, State.COMMITTED)]
        taken = take_missing(uow, owned, at, actor, self._policy)
        return (*_orders_follow(uow, movements, etas, entries, after, at, actor), counts, taken)

    @staticmethod
    def _apply_guarded(
        uow: UnitOfWork,
        commands: Sequence[Command],
        at: datetime,
        actor: str,
        key: str | None,
        progress: Progress | None,
    ) -> tuple[list[LedgerEntry], dict[BalanceKey, Balance], list[CountResult]]:
        """One balance, nothing to read first: the guarded update decides, atomically."""
        plans = [command.plan({}) for command in commands]
        movements = [m for plan in plans for m in plan.movements]
        etas = [plan.eta for plan in plans for _ in plan.movements]
        entries, after = uow.stock.apply(movements, at=at, actor=actor, idempotency_key=key)
        uow.changes.moved(movements)
        if progress is not None:
            progress(len(commands))
        return (*_orders_follow(uow, movements, etas, entries, after, at, actor), [])

    def _explain(self, commands: Sequence[Command], movement: Movement | None) -> StockpoolError:
        """Why the store refused: an unknown SKU or location, or too little stock."""
        touched = [key for command in commands for key in places(command)]
        with self._uow(write=False) as uow:
            known_skus = uow.catalog.known_skus(sku for sku, _ in touched)
            known_locations = uow.catalog.known_locations(location for _, location in touched)
            for sku, location in touched:
                if sku not in known_skus:
                    return UnknownSku(sku)
                if location not in known_locations:
                    return UnknownLocation(location)
            if movement is not None:
                balance = uow.stock.balance(movement.sku, movement.location) or EMPTY
                try:
                    balance.apply(movement)
                except InsufficientStock as short:
                    return short
        return Conflict("Stock changed while this request was applied; send it again.")
