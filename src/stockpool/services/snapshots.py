"""Applying a 3PL or marketplace snapshot: one transaction that reconciles it against the ledger
as of its time, posts the difference as snapshot_reconcile movements, takes units found missing
from the orders and holds that owned them (as a count does), and stores the snapshot.

A snapshot is known by (location, reference): the same one again returns the first answer and
writes nothing; another body under that reference, or an as_of older than the last applied
there, is refused. Snapshots of one location apply one at a time (its row is locked first).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import IO, Any

from stockpool.domain.balance import Balance, BalanceKey, apply_into
from stockpool.domain.errors import (
    InvalidRequest,
    SnapshotOutOfOrder,
    SnapshotReferenceReused,
    UnknownLocation,
    UnknownSkus,
)
from stockpool.domain.movements import LedgerEntry, Movement
from stockpool.domain.snapshots import (
    REPORTED_STATES,
    AppliedSnapshot,
    Snapshot,
    SnapshotRow,
    reconcile,
)
from stockpool.domain.states import State
from stockpool.domain.times import happened, shown
from stockpool.services.backorders import fill_backorders
from stockpool.services.csv_files import parsed_or_refused, read_rows, whole_number
from stockpool.services.holds import lock_balances
from stockpool.services.missing_stock import take_missing
from stockpool.services.ports import Clock, Progress, UnitOfWork, UnitOfWorkFactory
from stockpool.services.shortfalls import ConflictPolicy
from stockpool.services.stock import entry_dict

HISTORY_MAX = 500


@dataclass(frozen=True, slots=True)
class SnapshotApplied:
    """A snapshot applied (or, replayed, found applied before): its header and what it did."""

    snapshot: AppliedSnapshot
    replayed: bool = field(default=False, compare=False)


# Balances written per statement while a snapshot is posted, so that progress moves.
RECORD_CHUNK = 500


class SnapshotService:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, conflict_policy: ConflictPolicy = "auto"
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._policy = conflict_policy

    def apply(
        self, snapshot: Snapshot, *, actor: str, progress: Progress | None = None
    ) -> SnapshotApplied:
        """Reconcile the snapshot against the ledger, in one transaction; a replay writes nothing."""
        fingerprint = _fingerprint(snapshot)
        with self._uow() as uow:
            now = self._clock()
            happened(snapshot.as_of, "as_of", now)
            earlier = _earlier(uow, snapshot, fingerprint)
            if earlier is not None:
                return SnapshotApplied(earlier, replayed=True)
            held = set() if snapshot.partial else uow.snapshots.held(snapshot.location)
            skus = set(snapshot.skus) | held
            current = _lock(uow, snapshot.location, skus, now, actor)
            _in_order(uow, snapshot)
            moved = uow.snapshots.moved_since(snapshot.location, skus, snapshot.as_of)
            plan = reconcile(snapshot, current, moved, held)
            posted = None if progress is None else _share_of(len(snapshot.rows), progress)
            entries = self._post(uow, plan.movements, current, now, actor, posted)
            if progress is not None:
                progress(len(snapshot.rows))
            result = {
                "lines": [{**asdict(line), "variance": line.variance} for line in plan.lines],
                "movements": [entry_dict(entry) for entry in entries],
            }
            applied = AppliedSnapshot(
                location=snapshot.location,
                reference=snapshot.reference,
                as_of=snapshot.as_of,
                applied_at=now,
                partial=snapshot.partial,
                rows=len(snapshot.rows),
                movements=len(plan.movements),
                actor=actor,
                request_hash=fingerprint,
                result=result,
            )
            uow.snapshots.add(applied)
            if uow.snapshots.stamp(snapshot.location, snapshot.as_of):
                # The snapshot's age decides how much of the location's stock counts: every SKU.
                uow.changes.everything = uow.changes.config = True
            uow.follow_changes()
            uow.commit()
            return SnapshotApplied(applied)

    def _post(
        self,
        uow: UnitOfWork,
        movements: Iterable[Movement],
        current: dict[BalanceKey, Balance],
        now: datetime,
        actor: str,
        posted: Callable[[int, int], None] | None = None,
    ) -> list[LedgerEntry]:
        """Record the movements (a chunk of balances at a time, each reported to posted as
        balances done of all); units taken from reserved or committed are taken from the
        orders and holds that owned them, and units found fill backorders (a count's path)."""
        movements = list(movements)
        balances = dict(current)
        apply_into(balances, movements)
        by_key: dict[BalanceKey, list[Movement]] = {}
        for movement in movements:
            by_key.setdefault((movement.sku, movement.location), []).append(movement)
        keys = list(by_key)
        entries: list[LedgerEntry] = []
        for start in range(0, len(keys), RECORD_CHUNK):
            chunk = keys[start : start + RECORD_CHUNK]
            moved = [m for key in chunk for m in by_key[key]]
            after = {key: balances[key] for key in chunk}
            entries += uow.stock.record(moved, after, at=now, actor=actor)
            if posted is not None:
                posted(start + len(chunk), len(keys))
        uow.changes.moved(movements)
        owned = [m for m in movements if m.from_state in (State.RESERVED, State.COMMITTED)]
        take_missing(uow, owned, now, actor, self._policy)
        arrived = {(m.sku, m.location) for m in movements if m.to_state == State.AVAILABLE}
        if arrived:
            filled, _ = fill_backorders(uow, arrived, now, actor)
            entries += filled
        return entries

    def taken_at(self) -> dict[str, datetime]:
        """When each location's last snapshot (or count, for a location that reports
        snapshots) was taken, for the locations that have one."""
        with self._uow(write=False) as uow:
            return uow.catalog.snapshots()

    def history(self, location: str, limit: int = 100) -> list[AppliedSnapshot]:
        """The location's snapshots, latest as_of first."""
        if not 1 <= limit <= HISTORY_MAX:
            raise InvalidRequest(f"limit must be 1-{HISTORY_MAX} (got {limit}).")
        with self._uow(write=False) as uow:
            if not uow.catalog.known_locations([location]):
                raise UnknownLocation(location)
            return uow.snapshots.history(location, limit)


def _earlier(uow: UnitOfWork, snapshot: Snapshot, fingerprint: str) -> AppliedSnapshot | None:
    """The same snapshot applied before (a replay); refused when its reference was used for
    another body, or it names an unknown location or SKU."""
    if not uow.catalog.known_locations([snapshot.location]):
        raise UnknownLocation(snapshot.location)
    earlier = uow.snapshots.find(snapshot.location, snapshot.reference)
    if earlier is not None:
        if earlier.request_hash != fingerprint:
            raise SnapshotReferenceReused(snapshot.location, snapshot.reference)
        return earlier
    unknown = sorted(set(snapshot.skus) - uow.catalog.known_skus(snapshot.skus))
    if unknown:
        raise UnknownSkus(unknown)
    return None


def _share_of(rows: int, progress: Progress) -> Callable[[int, int], None]:
    """Progress in rows, from a share (done of total) of the work."""
    return lambda done, total: progress(rows * done // total)


def _in_order(uow: UnitOfWork, snapshot: Snapshot) -> None:
    """Refuse a snapshot older than the last applied at its location. The location's row is
    locked for it after the balances, the order counts take them in (counts stamp the row
    too): so snapshots of one location apply one at a time and never deadlock with a count."""
    uow.snapshots.lock_location(snapshot.location)
    latest = uow.snapshots.latest(snapshot.location)
    if latest is not None and snapshot.as_of < latest.as_of:
        raise SnapshotOutOfOrder(snapshot.location, shown(snapshot.as_of), shown(latest.as_of))


def _lock(
    uow: UnitOfWork, location: str, skus: set[str], now: datetime, actor: str
) -> dict[BalanceKey, Balance]:
    """Lock the SKUs' balances everywhere (a shortfall may route order lines to other
    locations), as a count does, then create and lock those at the location."""
    everywhere = [loc.code for loc in uow.catalog.list_locations()]
    current = lock_balances(uow, skus, everywhere, now, actor)
    return current | uow.stock.lock((sku, location) for sku in skus)


def _fingerprint(snapshot: Snapshot) -> str:
    text = json.dumps(snapshot.as_record(), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def read_snapshot(
    stream: IO[str], *, location: str, reference: str, as_of: datetime, partial: bool
) -> Snapshot:
    """A snapshot from CSV: sku, on_hand, and optionally a column per reported state (blank:
    not reported). Every wrong row is named; nothing is applied."""
    header, rows, unreadable = read_rows(stream, ("sku", "on_hand"))
    reported = [state for state in REPORTED_STATES if state.value in header]
    known = {"sku", "on_hand", *(state.value for state in reported)}
    extra = [name for name in header if name not in known]
    if extra:
        names = ", ".join(s.value for s in REPORTED_STATES)
        raise InvalidRequest(
            f"unknown column(s) {', '.join(extra)}; a snapshot has sku, on_hand and optionally "
            f"{names}."
        )

    def parse(row: dict[str, str]) -> SnapshotRow:
        states = tuple(
            (state, whole_number(row[state.value], state.value))
            for state in reported
            if row[state.value]
        )
        return SnapshotRow(row["sku"], whole_number(row["on_hand"], "on_hand"), states)

    parsed = parsed_or_refused(rows, unreadable, parse, lambda r: r.sku)
    return Snapshot(location, reference, as_of, tuple(parsed), partial)


def applied_dict(applied: AppliedSnapshot) -> dict[str, Any]:
    """A snapshot's header as the API and CLI show it."""
    return {
        "location": applied.location,
        "reference": applied.reference,
        "as_of": shown(applied.as_of),
        "applied_at": shown(applied.applied_at),
        "partial": applied.partial,
        "rows": applied.rows,
        "movements": applied.movements,
        "actor": applied.actor,
    }
