"""Backorders fill themselves when stock arrives - on both engines, and racing on PostgreSQL."""

from datetime import UTC, datetime, timedelta

import pytest

from stockpool.domain.balance import Balance
from stockpool.domain.movements import Reason
from stockpool.domain.operations import Adjust, Move, Receive
from stockpool.domain.orders import NewOrder, OrderLine, OrderStatus
from stockpool.domain.reservations import NewReservation
from stockpool.domain.states import State
from tests.store.test_concurrency_postgresql import race

PLACED = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def order(channel, external_id, *lines, **fields):
    return NewOrder(
        channel, external_id, tuple(OrderLine(s, q) for s, q in lines), PLACED, **fields
    )


def lines_of(container, channel):
    [placed] = container.orders.list(channel=channel)
    return [(ln.committed, ln.short) for ln in placed.lines], placed.status


def test_arriving_stock_goes_to_the_costliest_backorder_first(container, seeded):
    container.intake.ingest(order("shopify", "S-1", (seeded.tee, 2)), actor="t")
    container.intake.ingest(order("walmart", "W-1", (seeded.tee, 2)), actor="t")
    assert [c.resolution["action"] for c in container.conflicts.list()] == ["backorder"] * 2
    change = container.stock.execute(Receive(seeded.tee, seeded.dallas, 3), actor="dock")
    assert change.balances[(seeded.tee, seeded.dallas)] == Balance(committed=3)
    assert lines_of(container, "walmart") == ([(2, 0)], OrderStatus.COMMITTED)
    assert lines_of(container, "shopify") == ([(1, 1)], OrderStatus.CONFLICT)
    # Units that come back from inspection are arriving stock too.
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 1, State.QUALITY_CONTROL), actor="t")
    assert lines_of(container, "shopify")[0] == [(1, 1)]
    container.stock.execute(
        Move(seeded.tee, seeded.dallas, 1, State.QUALITY_CONTROL, State.AVAILABLE), actor="qc"
    )
    assert lines_of(container, "shopify") == ([(2, 0)], OrderStatus.COMMITTED)
    assert container.ledger.check() == []


def test_stock_only_fills_lines_its_location_may_serve(container, seeded):
    container.intake.ingest(order("shopify", "S-1", (seeded.tee, 2)), actor="t")
    container.stock.execute(Receive(seeded.tee, seeded.fba, 5), actor="t")  # Amazon's only
    assert lines_of(container, "shopify")[0] == [(0, 2)]
    assert container.catalog.stock(seeded.tee).locations[seeded.fba] == Balance(available=5)


def test_lines_to_cancel_and_pending_orders_are_not_filled(container, seeded, clock):
    late = order("shopify", "S-1", (seeded.tee, 1), ship_by=PLACED + timedelta(minutes=5))
    clock.advance(hours=1)  # its ship-by has passed: the conflict says cancel
    container.intake.ingest(late, actor="t")
    pending = order("amazon", "A-1", (seeded.tee, 1), confirmed=False)
    container.intake.ingest(pending, actor="t")
    assert container.conflicts.list()[0].resolution["action"] == "cancel"
    container.stock.execute(Adjust(seeded.tee, seeded.dallas, 4, Reason.FOUND), actor="t")
    assert lines_of(container, "shopify")[0] == [(0, 1)]
    assert lines_of(container, "amazon")[1] == OrderStatus.PENDING
    assert container.catalog.stock(seeded.tee).locations[seeded.dallas] == Balance(available=4)


@pytest.mark.postgresql
def test_receipts_racing_at_two_locations_fill_each_backorder_once(pg):
    container, names = pg
    for n in range(20):
        container.intake.ingest(order("amazon", f"A-{n}", (names.tee, 2)), actor="t")
    receipts = [Receive(names.tee, names.dallas, 1), Receive(names.tee, names.fba, 1)]
    results = race(
        16, lambda i: [container.stock.execute(receipts[i % 2], actor="dock") for _ in range(2)]
    )
    assert not [r for r in results if isinstance(r, Exception)]
    placed = container.orders.list(limit=100)
    assert sum(o.lines[0].committed for o in placed) == 32
    assert sum(o.lines[0].short for o in placed) == 8
    totals = container.catalog.stock(names.tee).totals
    assert (totals.available, totals.committed) == (0, 32)
    assert container.ledger.check() == []


def test_stock_a_cancellation_or_a_released_hold_gives_back_fills_backorders(
    container, seeded, clock
):
    def short_of(external_id):
        [placed] = [o for o in container.orders.list() if o.external_id == external_id]
        return placed.lines[0].short

    container.stock.execute(Receive(seeded.tee, seeded.dallas, 2), actor="t")
    first = container.intake.ingest(order("shopify", "S-1", (seeded.tee, 2)), actor="t").order
    container.intake.ingest(order("shopify", "S-2", (seeded.tee, 2)), actor="t")
    assert short_of("S-2") == 2
    container.fulfilment.cancel(first.id, None, actor="t")
    assert short_of("S-2") == 0

    def hold(reference):
        new = NewReservation(
            "shopify", reference, (OrderLine(seeded.tee, 2),), timedelta(minutes=5)
        )
        return container.reservations.reserve(new, actor="t").reservation

    container.stock.execute(Receive(seeded.tee, seeded.dallas, 2), actor="t")
    released = hold("CART-1")
    container.intake.ingest(order("shopify", "S-3", (seeded.tee, 2)), actor="t")
    assert short_of("S-3") == 2
    container.reservations.release(released.id, actor="t")
    assert short_of("S-3") == 0

    container.stock.execute(Receive(seeded.tee, seeded.dallas, 2), actor="t")
    hold("CART-2")
    container.intake.ingest(order("shopify", "S-4", (seeded.tee, 2)), actor="t")
    clock.advance(minutes=6)
    assert container.reservations.sweep() == 1
    assert short_of("S-4") == 0
    assert container.catalog.stock(seeded.tee).totals == Balance(committed=6)
    assert container.ledger.check() == []
