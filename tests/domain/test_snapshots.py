"""Snapshot reconciliation as a pure function: idempotent, order-independent, and blind to
what moved after the snapshot was taken."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stockpool.domain.balance import Balance, apply_all
from stockpool.domain.errors import InvalidRequest
from stockpool.domain.movements import Reason
from stockpool.domain.snapshots import (
    REPORTED_STATES,
    Snapshot,
    SnapshotRow,
    as_of_balance,
    reconcile,
)
from stockpool.domain.states import PHYSICAL_STATES, State

AS_OF = datetime(2026, 12, 1, 6, tzinfo=UTC)
SKUS = ("A", "B", "C")
units = st.integers(min_value=0, max_value=20)
balances = st.builds(
    Balance,
    available=units,
    reserved=units,
    committed=units,
    quality_control=units,
    damaged=units,
    safety_stock=units,
)


@st.composite
def rows(draw: st.DrawFn) -> SnapshotRow:
    sku = draw(st.sampled_from(SKUS))
    reported = draw(st.lists(st.sampled_from(REPORTED_STATES), unique=True, max_size=2))
    states = tuple((state, draw(units)) for state in reported)
    on_hand = sum(n for _, n in states) + draw(units)
    return SnapshotRow(sku, on_hand, states)


snapshots = st.builds(
    lambda rows, partial: Snapshot("3PL-1", "FILE-1", AS_OF, tuple(rows), partial and bool(rows)),
    st.lists(rows(), unique_by=lambda r: r.sku, max_size=3),
    st.booleans(),
)
current_balances = st.dictionaries(st.sampled_from(SKUS), balances)


def _at_location(by_sku: dict[str, Balance]) -> dict[tuple[str, str], Balance]:
    return {(sku, "3PL-1"): balance for sku, balance in by_sku.items()}


@given(snapshots, current_balances)
def test_applying_a_snapshot_twice_changes_nothing_the_second_time(snapshot, by_sku):
    current = _at_location(by_sku)
    first = reconcile(snapshot, current, {}, held=by_sku)
    after = apply_all(current, first.movements)
    # The reconciliation is recorded after as_of but is not an in-flight movement: it is not in
    # what moved since (the store leaves snapshot_reconcile out of that sum).
    again = reconcile(snapshot, after, {}, held=by_sku)
    assert again.movements == ()


@given(snapshots, current_balances, st.randoms())
def test_rows_in_any_order_give_the_same_movements(snapshot, by_sku, random):
    shuffled = list(snapshot.rows)
    random.shuffle(shuffled)
    reordered = Snapshot(snapshot.location, snapshot.reference, snapshot.as_of, tuple(shuffled))
    current = _at_location(by_sku)
    plain = Snapshot(snapshot.location, snapshot.reference, snapshot.as_of, snapshot.rows)
    assert reconcile(reordered, current, {}, by_sku) == reconcile(plain, current, {}, by_sku)


@given(balances, st.lists(st.tuples(st.sampled_from(PHYSICAL_STATES), st.integers(-5, 5))))
def test_movements_after_as_of_are_not_counted_twice(then, moves):
    """The 3PL reported exactly what the ledger held at as_of; shipments and receipts since
    are already in the ledger, so there is nothing to reconcile."""
    now = {state: then[state] for state in PHYSICAL_STATES}
    moved: dict[State, int] = {}
    for state, delta in moves:
        delta = max(delta, -now[state])
        now[state] += delta
        moved[state] = moved.get(state, 0) + delta
    current = Balance(**{state.value: n for state, n in now.items()})
    assert as_of_balance(current, moved) == {s: then[s] for s in PHYSICAL_STATES}
    snapshot = Snapshot("3PL-1", "FILE-1", AS_OF, (SnapshotRow("A", then.on_hand),))
    result = reconcile(snapshot, _at_location({"A": current}), {"A": moved})
    assert result.movements == ()
    assert result.lines[0].variance == 0


@given(snapshots, current_balances)
def test_the_ledger_ends_at_what_the_snapshot_reported(snapshot, by_sku):
    current = _at_location(by_sku)
    result = reconcile(snapshot, current, {}, held=by_sku)
    after = apply_all(current, result.movements)  # never below zero: apply_all would raise
    assert all(m.reason == Reason.SNAPSHOT_RECONCILE for m in result.movements)
    assert all(m.reference == "FILE-1" for m in result.movements)
    for row in snapshot.rows:
        balance = after[(row.sku, "3PL-1")] if (row.sku, "3PL-1") in after else Balance()
        assert balance.on_hand == row.on_hand
        for state, reported in row.states:
            assert balance[state] == reported


def test_a_surplus_goes_to_available_and_a_shortfall_leaves_available_first():
    current = _at_location({"A": Balance(available=2, committed=3), "B": Balance(available=1)})
    surplus = Snapshot("3PL-1", "F", AS_OF, (SnapshotRow("A", 7), SnapshotRow("B", 1)))
    (movement,) = reconcile(surplus, current, {}).movements
    assert (movement.sku, movement.to_state, movement.quantity) == ("A", State.AVAILABLE, 2)
    short = Snapshot("3PL-1", "F", AS_OF, (SnapshotRow("A", 1),), partial=True)
    taken = [(m.from_state, m.quantity) for m in reconcile(short, current, {}).movements]
    assert taken == [(State.AVAILABLE, 2), (State.COMMITTED, 2)]


def test_a_full_snapshot_counts_a_sku_it_leaves_out_at_zero_and_a_partial_one_leaves_it():
    current = _at_location({"A": Balance(available=4)})
    full = Snapshot("3PL-1", "F", AS_OF, ())
    (line,) = reconcile(full, current, {}, held=["A"]).lines
    assert (line.sku, line.expected, line.reported) == ("A", 4, 0)
    partial = Snapshot("3PL-1", "F", AS_OF, (SnapshotRow("B", 0),), partial=True)
    assert reconcile(partial, current, {}, held=["A"]).movements == ()


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: SnapshotRow("A", 1, ((State.DAMAGED, 2),)), "more than on_hand 1"),
        (lambda: SnapshotRow("A", 1, ((State.COMMITTED, 1),)), "quality_control, damaged"),
        (lambda: Snapshot("L", " ", AS_OF, ()), "needs a reference"),
        (lambda: Snapshot("L", "F", AS_OF, (SnapshotRow("A", 1),) * 2), "appears twice"),
        (lambda: Snapshot("L", "F", datetime(2026, 1, 1), ()), "as_of"),
    ],
)
def test_a_malformed_snapshot_is_refused_saying_why(build, message):
    with pytest.raises(InvalidRequest, match=message):
        build()


def test_a_reported_state_that_lost_units_since_takes_the_rest_from_the_unreported_ones():
    """2 damaged written off after as_of, yet the 3PL had none damaged then: the write-off was
    of sellable units, so available pays for what damaged no longer holds."""
    current = _at_location({"A": Balance(available=5, damaged=1)})
    moved = {"A": {State.DAMAGED: -2}}
    snapshot = Snapshot("3PL-1", "F", AS_OF, (SnapshotRow("A", 5, ((State.DAMAGED, 0),)),))
    result = reconcile(snapshot, current, moved)
    assert apply_all(current, result.movements)[("A", "3PL-1")] == Balance(available=3)
    assert (result.lines[0].expected, result.lines[0].unreconciled) == (8, 0)


def test_a_shortfall_of_units_gone_since_as_of_is_reported_unreconciled():
    current = _at_location({"A": Balance(available=1)})
    snapshot = Snapshot("3PL-1", "F", AS_OF, (SnapshotRow("A", 0),))
    result = reconcile(snapshot, current, {"A": {State.AVAILABLE: -4}})  # 4 shipped since
    assert [m.quantity for m in result.movements] == [1]
    assert result.lines[0].unreconciled == 4
