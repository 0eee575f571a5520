"""Snapshots: what a 3PL or marketplace says it held at one location at one moment (as_of),
reconciled against what the ledger held then. The difference is posted now, with reason
snapshot_reconcile and the snapshot's reference: never a silent overwrite.

What the ledger held at as_of is today's balance less every movement recorded at the location
after as_of (shipments, transfers in flight: the 3PL's file does not know of them yet), except
earlier reconciliations: they correct the past, as of their own (earlier) snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from stockpool.domain.balance import EMPTY, Balance, BalanceKey
from stockpool.domain.catalog import location_code, sku_code
from stockpool.domain.errors import InvalidRequest
from stockpool.domain.movements import Movement, Reason
from stockpool.domain.plans import reference_text
from stockpool.domain.quantities import non_negative
from stockpool.domain.states import COUNT_SHORTFALL_ORDER, PHYSICAL_STATES, State
from stockpool.domain.times import plausible

# The states a snapshot may report beside on_hand: what a 3PL tells apart on its shelves.
# reserved and committed are ours (orders and holds), not the 3PL's; available is the rest.
REPORTED_STATES: tuple[State, ...] = (
    State.QUALITY_CONTROL,
    State.DAMAGED,
    State.SAFETY_STOCK,
)

Moved = Mapping[State, int]  # net change per state recorded after as_of


@dataclass(frozen=True, slots=True)
class SnapshotRow:
    """One SKU as the snapshot has it: on_hand, and optionally some of REPORTED_STATES."""

    sku: str
    on_hand: int
    states: tuple[tuple[State, int], ...] = ()

    def __post_init__(self) -> None:
        sku_code(self.sku)
        non_negative(self.on_hand, "on_hand")
        for state, units in self.states:
            if state not in REPORTED_STATES:
                names = ", ".join(s.value for s in REPORTED_STATES)
                raise InvalidRequest(
                    f"SKU {self.sku}: a snapshot reports on_hand and optionally {names} "
                    f"(got {state.value})."
                )
            non_negative(units, state.value)
        if len({state for state, _ in self.states}) != len(self.states):
            raise InvalidRequest(f"SKU {self.sku}: a state is reported twice.")
        if sum(units for _, units in self.states) > self.on_hand:
            raise InvalidRequest(
                f"SKU {self.sku}: the states reported ({self._shown()}) add up to more than "
                f"on_hand {self.on_hand}."
            )
        object.__setattr__(self, "states", tuple(sorted(self.states)))

    def _shown(self) -> str:
        return ", ".join(f"{state.value} {units}" for state, units in self.states)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A location's stock at as_of, identified by (location, reference). partial: only the rows
    listed are reconciled; otherwise a SKU held here and not listed was counted at 0."""

    location: str
    reference: str
    as_of: datetime
    rows: tuple[SnapshotRow, ...]
    partial: bool = False

    def __post_init__(self) -> None:
        location_code(self.location)
        reference = reference_text(self.reference)
        if reference is None:
            raise InvalidRequest(
                "a snapshot needs a reference (the 3PL's file or report id): it is what makes "
                "sending the same snapshot again a no-op."
            )
        object.__setattr__(self, "reference", reference)
        object.__setattr__(self, "as_of", plausible(self.as_of, "as_of").astimezone(UTC))
        if self.partial and not self.rows:
            raise InvalidRequest("a partial snapshot needs at least one row (sku and on_hand).")
        seen: set[str] = set()
        for row in self.rows:
            if row.sku in seen:
                raise InvalidRequest(
                    f"SKU {row.sku} appears twice in this snapshot; send one row per SKU."
                )
            seen.add(row.sku)

    @property
    def skus(self) -> list[str]:
        return [row.sku for row in self.rows]

    def as_record(self) -> dict[str, object]:
        """What was sent, in a fixed order: a replay is told from a different body by it."""
        return {
            "location": self.location,
            "reference": self.reference,
            "as_of": self.as_of.isoformat(),
            "partial": self.partial,
            "rows": sorted(
                [row.sku, row.on_hand, [[s.value, n] for s, n in row.states]] for row in self.rows
            ),
        }


@dataclass(frozen=True, slots=True)
class SnapshotLine:
    """One SKU reconciled: the ledger's on-hand as of the snapshot, what it reported, and how
    many units no state still held to take (gone since as_of)."""

    sku: str
    expected: int
    reported: int
    unreconciled: int = 0

    @property
    def variance(self) -> int:
        return self.reported - self.expected


@dataclass(frozen=True, slots=True)
class Reconciliation:
    movements: tuple[Movement, ...]
    lines: tuple[SnapshotLine, ...]


def as_of_balance(current: Balance, moved: Moved) -> dict[State, int]:
    """What each physical state held at as_of: now, less what moved since."""
    return {state: current[state] - moved.get(state, 0) for state in PHYSICAL_STATES}


def reconcile(
    snapshot: Snapshot,
    current: Mapping[BalanceKey, Balance],
    moved: Mapping[str, Moved],
    held: Iterable[str] = (),
) -> Reconciliation:
    """The movements that bring the ledger to the snapshot: per SKU, the difference between
    what it reports and what the ledger held at as_of. held: SKUs with stock at the location,
    counted at 0 when a full snapshot leaves them out."""
    rows = {row.sku: row for row in snapshot.rows}
    if not snapshot.partial:
        for sku in held:
            rows.setdefault(sku, SnapshotRow(sku, 0))
    movements: list[Movement] = []
    lines: list[SnapshotLine] = []
    for sku in sorted(rows):
        balance = current.get((sku, snapshot.location), EMPTY)
        planned, line = _reconcile_row(snapshot, rows[sku], balance, moved.get(sku, {}))
        movements.extend(planned)
        lines.append(line)
    return Reconciliation(tuple(movements), tuple(lines))


def _reconcile_row(
    snapshot: Snapshot, row: SnapshotRow, balance: Balance, moved: Moved
) -> tuple[list[Movement], SnapshotLine]:
    """Each reported state to its reported number, then the rest of on_hand: a surplus into
    available, a shortfall from the least-promised of the states not reported."""
    then = as_of_balance(balance, moved)
    expected = sum(then.values())
    posting = _Posting(snapshot, row.sku, balance)
    rest = row.on_hand - expected
    for state, units in row.states:
        rest -= units - then[state]
        rest -= posting.post(state, units - then[state])  # what it lacked comes from the rest
    lacking = posting.post(State.AVAILABLE, rest) if rest > 0 else -rest
    reported = {state for state, _ in row.states}
    for state in COUNT_SHORTFALL_ORDER:
        if lacking and state not in reported:
            lacking = posting.post(state, -lacking)
    return posting.movements, SnapshotLine(row.sku, expected, row.on_hand, lacking)


class _Posting:
    """The movements of one SKU's reconciliation, and what each state holds as they apply."""

    def __init__(self, snapshot: Snapshot, sku: str, balance: Balance) -> None:
        self._snapshot = snapshot
        self._sku = sku
        self._left = {state: balance[state] for state in PHYSICAL_STATES}
        self.movements: list[Movement] = []

    def post(self, state: State, units: int) -> int:
        """units into (>0) or out of (<0) state, as far as it holds them; how many it lacked."""
        if units > 0:
            self._add(units, None, state)
            self._left[state] += units
            return 0
        taken = min(-units, self._left[state])
        if taken:
            self._add(taken, state, None)
            self._left[state] -= taken
        return -units - taken

    def _add(self, units: int, source: State | None, target: State | None) -> None:
        snapshot = self._snapshot
        self.movements.append(
            Movement(
                self._sku,
                snapshot.location,
                units,
                source,
                target,
                Reason.SNAPSHOT_RECONCILE,
                snapshot.reference,
            )
        )


@dataclass(frozen=True, slots=True)
class AppliedSnapshot:
    """A snapshot as stored once applied: its header, the hash of what was sent, and what
    applying it did (the answer a replay gets again)."""

    location: str
    reference: str
    as_of: datetime
    applied_at: datetime
    partial: bool
    rows: int
    movements: int
    actor: str
    request_hash: str
    result: dict[str, Any]
