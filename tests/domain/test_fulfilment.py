"""Planning a cancellation or a shipment: a request that would change nothing is refused."""

import pytest

from stockpool.domain.errors import Conflict, InvalidRequest
from stockpool.domain.fulfilment import plan_cancel, plan_ship
from stockpool.domain.orders import LineState
from stockpool.domain.routing import Allocation

TEE, MUG = "TEE-M-BLK", "MUG-12OZ"


def line(sku: str = TEE, **units: int) -> LineState:
    units.setdefault("committed", 0)
    units.setdefault("short", 0)
    return LineState(sku, sum(units.values()), **units)


def test_shipping_an_order_with_nothing_committed_says_where_its_units_are() -> None:
    lines = [line(short=3), line(MUG, shipped=2, cancelled=1)]
    with pytest.raises(Conflict) as refused:
        plan_ship(lines, [], None)
    assert refused.value.message == (
        "Nothing to ship: no unit of this order is committed; of its 6, "
        "3 short (a conflict: they wait for stock), 2 shipped already, 1 cancelled."
    )


def test_shipping_a_pending_order_says_to_confirm_it() -> None:
    with pytest.raises(Conflict, match="2 reserved \\(the order is pending: confirm it first\\)"):
        plan_ship([line(reserved=2)], [], None)


def test_cancelling_an_order_with_nothing_open_is_refused() -> None:
    with pytest.raises(Conflict) as refused:
        plan_cancel([line(shipped=3), line(MUG, cancelled=1)], [], None)
    assert refused.value.message == (
        "Nothing left to cancel: of this order's 4 units, 3 shipped already, 1 cancelled."
    )


def test_short_units_are_still_open_to_cancel() -> None:
    plans = plan_cancel([line(short=2, shipped=1)], [], None)
    assert [(p.sku, p.from_short, p.releases) for p in plans] == [(TEE, 2, ())]


def test_whole_order_shipment_ships_every_committed_unit() -> None:
    plans = plan_ship([line(committed=2, short=1)], [Allocation(0, TEE, "DAL-1", 2)], None)
    assert [(p.sku, [(r.location, r.units) for r in p.releases]) for p in plans] == [
        (TEE, [("DAL-1", 2)])
    ]


@pytest.mark.parametrize("plan", [plan_ship, plan_cancel])
def test_an_empty_list_of_lines_is_refused_not_taken_as_nothing(plan) -> None:
    with pytest.raises(InvalidRequest, match="lines is empty"):
        plan([line(committed=2)], [Allocation(0, TEE, "DAL-1", 2)], {})
