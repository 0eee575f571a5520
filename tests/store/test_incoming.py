"""Incoming lots with landing dates, and short orders waiting for them - on both engines."""

from datetime import UTC, datetime, timedelta

import pytest

from stockpool.domain.balance import Balance
from stockpool.domain.errors import InvalidRequest
from stockpool.domain.movements import Reason
from stockpool.domain.operations import Adjust, Receive, Transfer
from stockpool.domain.orders import NewOrder, OrderLine, OrderStatus
from stockpool.domain.states import State

PLACED = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def at(hours):
    return PLACED + timedelta(hours=hours)


def expect(container, sku, location, units, eta, reference="PO-1"):
    container.stock.execute(
        Adjust(sku, location, units, Reason.PURCHASE_ORDER, State.INCOMING, reference, eta),
        actor="buyer",
    )


def order(channel, external_id, *lines, **fields):
    return NewOrder(
        channel, external_id, tuple(OrderLine(s, q) for s, q in lines), PLACED, **fields
    )


def lots(container, sku):
    return [
        (lot.location, lot.units, lot.eta, lot.promised) for lot in container.catalog.incoming(sku)
    ]


def test_incoming_stock_is_kept_in_dated_lots_and_received_from_the_earliest(container, seeded):
    container.stock.execute(Receive(seeded.tee, seeded.store, 5), actor="t")
    expect(container, seeded.tee, seeded.dallas, 4, at(48))
    container.stock.execute(
        Transfer(seeded.tee, seeded.store, seeded.dallas, 3, eta=at(24)), actor="t"
    )
    expect(container, seeded.tee, seeded.dallas, 2, None, reference="PO-2")  # no date given
    assert lots(container, seeded.tee) == [
        (seeded.dallas, 3, at(24), 0),
        (seeded.dallas, 4, at(48), 0),
        (seeded.dallas, 2, None, 0),
    ]
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 5, from_incoming=True), actor="t")
    assert lots(container, seeded.tee) == [
        (seeded.dallas, 2, at(48), 0),
        (seeded.dallas, 2, None, 0),
    ]
    balance = container.catalog.stock(seeded.tee).locations[seeded.dallas]
    assert (balance.incoming, balance.available) == (4, 5)


def test_an_eta_only_goes_with_units_added_to_incoming(seeded):
    with pytest.raises(InvalidRequest, match="eta"):
        Adjust(seeded.tee, seeded.dallas, 3, Reason.FOUND, State.AVAILABLE, None, at(1))
    with pytest.raises(InvalidRequest, match="eta"):
        Adjust(
            seeded.tee,
            seeded.dallas,
            1,
            Reason.PURCHASE_ORDER,
            State.AVAILABLE,
            None,
            PLACED.replace(tzinfo=None),
        )


def test_a_short_order_waits_for_a_delivery_due_before_its_ship_by_and_gets_it(
    container, seeded, clock
):
    expect(container, seeded.tee, seeded.dallas, 3, clock.now + timedelta(days=1))
    placed = container.intake.ingest(
        order("amazon", "A-1", (seeded.tee, 2), ship_by=clock.now + timedelta(days=2)), actor="t"
    ).order
    assert placed.status == OrderStatus.CONFLICT
    [conflict] = container.conflicts.list()
    assert conflict.resolution["action"] == "incoming"
    assert conflict.resolution["incoming"] == [
        {"location": seeded.dallas, "eta": (clock.now + timedelta(days=1)).isoformat(), "units": 2}
    ]
    assert [lot.promised for lot in container.catalog.incoming(seeded.tee)] == [2]
    # A Shopify order short of the same SKU can wait for the one unit left, not the promised two.
    container.intake.ingest(order("shopify", "S-1", (seeded.tee, 3)), actor="t")
    shopify = container.conflicts.list()[-1]
    assert shopify.resolution["incoming"][0]["units"] == 1
    assert shopify.resolution["still_short"] == 2
    # The delivery lands: the waiting lines get their units, in the same transaction.
    change = container.stock.execute(
        Receive(seeded.tee, seeded.dallas, 3, from_incoming=True), actor="dock"
    )
    assert change.balances[(seeded.tee, seeded.dallas)] == Balance(committed=3)
    amazon = container.orders.get(placed.id)
    assert (amazon.status, amazon.lines[0].committed) == (OrderStatus.COMMITTED, 2)
    s1 = container.orders.list(channel="shopify")[0]
    assert [(ln.committed, ln.short) for ln in s1.lines] == [(1, 2)]
    reasons = [e.movement.reason for e in container.ledger.entries(reference="order:amazon:A-1")]
    assert reasons == [Reason.ORDER_COMMITTED]
    assert container.ledger.check() == []


def test_a_delivery_due_after_the_ship_by_does_not_hold_the_order(container, seeded, clock):
    expect(container, seeded.tee, seeded.dallas, 3, clock.now + timedelta(days=5))
    container.intake.ingest(
        order("amazon", "A-1", (seeded.tee, 2), ship_by=clock.now + timedelta(days=2)), actor="t"
    )
    [conflict] = container.conflicts.list()
    assert conflict.resolution["action"] == "backorder"
    assert conflict.resolution["incoming"] == []


def test_a_cancelled_line_no_longer_waits_and_its_units_go_to_available(container, seeded, clock):
    expect(container, seeded.tee, seeded.dallas, 2, clock.now + timedelta(days=1))
    placed = container.intake.ingest(order("amazon", "A-1", (seeded.tee, 2)), actor="t").order
    container.fulfilment.cancel(placed.id, None, actor="t")
    assert [lot.promised for lot in container.catalog.incoming(seeded.tee)] == [0]
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 2, from_incoming=True), actor="t")
    assert container.catalog.stock(seeded.tee).locations[seeded.dallas] == Balance(available=2)
    assert container.ledger.check() == []


def test_a_partial_delivery_keeps_the_promise_it_can_and_the_rest_of_the_lot(
    container, seeded, clock
):
    expect(container, seeded.tee, seeded.dallas, 3, clock.now + timedelta(days=1))
    placed = container.intake.ingest(order("amazon", "A-1", (seeded.tee, 2)), actor="t").order
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 1, from_incoming=True), actor="t")
    assert [(ln.committed, ln.short) for ln in container.orders.get(placed.id).lines] == [(1, 1)]
    assert lots(container, seeded.tee) == [(seeded.dallas, 2, clock.now + timedelta(days=1), 1)]
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 1, from_incoming=True), actor="t")
    assert container.orders.get(placed.id).status == OrderStatus.COMMITTED
    assert lots(container, seeded.tee) == [(seeded.dallas, 1, clock.now + timedelta(days=1), 0)]
    assert container.ledger.check() == []


def test_lines_whose_delivery_is_cut_are_backordered_again_and_say_why(container, seeded, clock):
    expect(container, seeded.tee, seeded.dallas, 3, clock.now + timedelta(days=1))
    first = container.intake.ingest(order("amazon", "A-1", (seeded.tee, 2)), actor="t").order
    second = container.intake.ingest(order("walmart", "W-1", (seeded.tee, 1)), actor="t").order
    assert [c.resolution["action"] for c in container.conflicts.list()] == ["incoming"] * 2
    # The supplier ships 1 unit fewer than ordered: the newest order stops waiting for it.
    container.stock.execute(
        Adjust(seeded.tee, seeded.dallas, -1, Reason.CORRECTION, State.INCOMING), actor="buyer"
    )
    last = container.conflicts.list()[-1]
    assert (last.order_id, last.short, last.resolution["action"]) == (second.id, 1, "backorder")
    assert "left incoming without reaching available (correction)" in last.resolution["reason"]
    assert [lot.promised for lot in container.catalog.incoming(seeded.tee)] == [2]
    # The two units that do arrive go to the order still waiting for them; the other waits as
    # a backorder and is filled by the next arrival.
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 2, from_incoming=True), actor="t")
    assert container.orders.get(first.id).status == OrderStatus.COMMITTED
    assert container.orders.get(second.id).status == OrderStatus.CONFLICT
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 1), actor="t")
    assert container.orders.get(second.id).status == OrderStatus.COMMITTED
    assert container.ledger.check() == []
