"""An accepted order's rules, without a database: every change keeps each line adding up to its
quantity and committed equal to what the line's allocations hold."""

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stockpool.domain.accepted_orders import (
    AllocationChange,
    LineChange,
    Order,
    OrderChange,
    accepted,
    committing,
    confirming_held,
    fulfilling,
    uncommitting,
    unreserving,
)
from stockpool.domain.errors import Conflict, InvariantBroken
from stockpool.domain.fulfilment import plan_cancel, plan_ship
from stockpool.domain.orders import NewOrder, OrderLine, OrderStatus
from stockpool.domain.reservations import Hold
from stockpool.domain.routing import Allocation, RoutingDecision

PLACED = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
LOCATIONS = ("A", "B")


def new_order(quantities, *, confirmed=True):
    lines = tuple(OrderLine(f"SKU-{n}", q) for n, q in enumerate(quantities))
    return NewOrder("shopify", "S-1", lines, PLACED, confirmed=confirmed), list(lines)


def routed(lines, committed):
    """committed: per line, units at each location (A, B)."""
    allocations = tuple(
        Allocation(n, line.sku, location, units)
        for n, (line, at) in enumerate(zip(lines, committed, strict=True))
        for location, units in zip(LOCATIONS, at, strict=True)
        if units
    )
    short = tuple(line.quantity - sum(at) for line, at in zip(lines, committed, strict=True))
    return RoutingDecision(allocations, short, (), "test")


def adds_up(order: Order) -> bool:
    for n, line in enumerate(order.lines):
        parts = line.reserved + line.committed + line.short + line.shipped + line.cancelled
        held = sum(a.units for a in order.allocations if a.line == n)
        if parts != line.quantity or held != line.committed:
            return False
    return True


def test_a_change_whose_units_do_not_balance_is_refused():
    with pytest.raises(InvariantBroken):
        LineChange(0, committed=2, short=-1)


def test_committed_units_move_only_with_their_allocations():
    with pytest.raises(InvariantBroken):
        OrderChange(1, (LineChange(0, committed=2, short=-2),), (AllocationChange(0, "A", 1),))


def test_an_order_is_stored_as_routed_committed_or_reserved():
    order, lines = new_order([5, 2])
    stored = accepted(1, order, lines, routed(lines, [(3, 0), (0, 2)]), [])
    assert [(ln.committed, ln.short) for ln in stored.lines] == [(3, 2), (2, 0)]
    assert stored.status == OrderStatus.CONFLICT and adds_up(stored)
    pending, lines = new_order([5], confirmed=False)
    held = accepted(2, pending, lines, routed(lines, [(4, 0)]), [])
    assert (held.lines[0].reserved, held.allocations, held.status) == (4, (), OrderStatus.PENDING)


def test_confirming_held_units_commits_them_where_they_are_held():
    pending, lines = new_order([5], confirmed=False)
    held = accepted(2, pending, lines, routed(lines, [(4, 0)]), [])
    holds = [Hold(0, "SKU-0", "A", 3)]  # a count found one of the four missing
    after = held.changed(unreserving(2, [Hold(0, "SKU-0", "A", 1)]))
    after = after.changed(confirming_held(2, holds))
    assert (after.lines[0].committed, after.lines[0].short) == (3, 2)
    assert after.status == OrderStatus.CONFLICT and adds_up(after)


def test_taking_more_than_a_line_holds_is_refused():
    order, lines = new_order([3])
    stored = accepted(1, order, lines, routed(lines, [(2, 0)]), [])
    with pytest.raises(InvariantBroken):
        stored.changed(uncommitting(1, 0, "A", 3))
    with pytest.raises(InvariantBroken):
        stored.changed(uncommitting(1, 0, "B", 1))  # nothing is committed at B


@given(
    quantities=st.lists(st.integers(1, 6), min_size=1, max_size=3),
    data=st.data(),
)
def test_every_change_keeps_every_line_adding_up(quantities, data):
    order, lines = new_order(quantities)
    committed = [
        data.draw(
            st.tuples(st.integers(0, q), st.integers(0, q)).filter(lambda t, q=q: sum(t) <= q)
        )
        for q in quantities
    ]
    stored = accepted(1, order, lines, routed(lines, committed), [])
    for _ in range(data.draw(st.integers(1, 12))):
        line_no = data.draw(st.integers(0, len(lines) - 1))
        location = data.draw(st.sampled_from(LOCATIONS))
        units = data.draw(st.integers(1, 6))
        kind = data.draw(st.sampled_from(["commit", "uncommit", "ship", "cancel"]))
        try:
            if kind == "commit":
                change = committing(1, line_no, location, units)
            elif kind == "uncommit":
                change = uncommitting(1, line_no, location, units)
            else:
                plan = plan_ship if kind == "ship" else plan_cancel
                wanted = {lines[line_no].sku: units}
                plans = plan(stored.lines, stored.allocations, wanted)
                change = fulfilling(1, plans, "shipped" if kind == "ship" else "cancelled")
            stored = stored.changed(change)
        except (InvariantBroken, Conflict):
            continue  # refused: more than the line has in that state
        assert adds_up(stored)
