"""Order ingest through the real store, on SQLite and PostgreSQL alike."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from stockpool.domain.balance import Balance
from stockpool.domain.channels import Channel, Platform
from stockpool.domain.errors import (
    Conflict,
    InvalidRequest,
    OrderIdReused,
    UnknownChannel,
    UnknownSku,
)
from stockpool.domain.movements import Reason
from stockpool.domain.operations import Receive
from stockpool.domain.orders import NewOrder, OrderLine, OrderStatus

PLACED = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def order(channel, external_id, *lines, **fields):
    return NewOrder(
        channel, external_id, tuple(OrderLine(s, q) for s, q in lines), PLACED, **fields
    )


def stock_at(container, sku, location):
    return container.catalog.stock(sku).locations.get(location, Balance())


def test_an_order_commits_its_units_and_records_the_routing(container, seeded):
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 10), actor="t")
    result = container.intake.ingest(order("shopify", "S-1", (seeded.tee, 3)), actor="api:k")
    placed = result.order
    assert not result.replayed and placed.status == OrderStatus.COMMITTED
    assert [(ln.committed, ln.short) for ln in placed.lines] == [(3, 0)]
    assert [(a.location, a.units) for a in placed.allocations] == [(seeded.dallas, 3)]
    assert placed.routing["reason"].startswith(seeded.dallas)
    assert stock_at(container, seeded.tee, seeded.dallas) == Balance(available=7, committed=3)
    [entry] = container.ledger.entries(reference="order:shopify:S-1")
    assert entry.movement.reason == Reason.ORDER_COMMITTED and entry.actor == "api:k"
    assert container.ledger.check() == []


def test_what_the_pool_cannot_cover_is_accepted_as_a_conflict(container, seeded):
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 2), actor="t")
    placed = container.intake.ingest(order("amazon", "A-1", (seeded.tee, 5)), actor="t").order
    assert placed.status == OrderStatus.CONFLICT
    assert [(ln.committed, ln.short) for ln in placed.lines] == [(2, 3)]
    [conflict] = container.conflicts.list()
    assert (conflict.channel, conflict.external_id, conflict.sku, conflict.short) == (
        "amazon",
        "A-1",
        seeded.tee,
        3,
    )
    # Nothing cheaper to cancel holds the units and there is no ship-by yet: backordered.
    assert conflict.status == "resolved" and conflict.decided_by == "policy:auto"
    assert conflict.resolution["action"] == "backorder"
    assert stock_at(container, seeded.tee, seeded.dallas) == Balance(committed=2)


def test_only_locations_serving_the_channel_are_used(container, seeded):
    container.stock.execute(Receive(seeded.tee, seeded.fba, 5), actor="t")  # FBA serves amazon
    walmart = container.intake.ingest(order("walmart", "W-1", (seeded.tee, 1)), actor="t").order
    amazon = container.intake.ingest(order("amazon", "A-1", (seeded.tee, 1)), actor="t").order
    assert walmart.lines[0].short == 1 and walmart.allocations == ()
    assert [a.location for a in amazon.allocations] == [seeded.fba]


def test_a_split_only_when_no_single_location_can_ship_it_all(container, seeded):
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 2), actor="t")
    container.stock.execute(Receive(seeded.tee, seeded.store, 2), actor="t")
    container.stock.execute(Receive(seeded.mug, seeded.store, 1), actor="t")
    one_place = container.intake.ingest(
        order("shopify", "S-1", (seeded.tee, 2), (seeded.mug, 1)), actor="t"
    ).order
    assert {a.location for a in one_place.allocations} == {seeded.store}
    split = container.intake.ingest(order("shopify", "S-2", (seeded.tee, 2)), actor="t").order
    assert {a.location for a in split.allocations} == {seeded.dallas}
    container.stock.execute(Receive(seeded.tee, seeded.store, 1), actor="t")
    both = container.intake.ingest(order("shopify", "S-3", (seeded.tee, 1)), actor="t").order
    assert both.status == OrderStatus.COMMITTED


def test_a_channel_that_forbids_splits_ships_from_one_location(container, seeded):
    container.channels.put(Channel("shopify", Platform.SHOPIFY, split_allowed=False))
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 2), actor="t")
    container.stock.execute(Receive(seeded.tee, seeded.store, 3), actor="t")
    placed = container.intake.ingest(order("shopify", "S-1", (seeded.tee, 5)), actor="t").order
    assert [(a.location, a.units) for a in placed.allocations] == [(seeded.store, 3)]
    assert placed.lines[0].short == 2


def test_the_same_order_again_moves_nothing_and_other_lines_are_refused(container, seeded):
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 10), actor="t")
    first = container.intake.ingest(order("shopify", "S-1", (seeded.tee, 3)), actor="t")
    again = container.intake.ingest(order("shopify", "S-1", (seeded.tee, 3)), actor="t")
    assert again.replayed and again.order == first.order
    with pytest.raises(OrderIdReused):
        container.intake.ingest(order("shopify", "S-1", (seeded.tee, 4)), actor="t")
    assert stock_at(container, seeded.tee, seeded.dallas) == Balance(available=7, committed=3)
    same_id_other_channel = container.intake.ingest(
        order("amazon", "S-1", (seeded.tee, 1)), actor="t"
    )
    assert not same_id_other_channel.replayed


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        (lambda s: order("ebay", "E-1", (s.tee, 1)), UnknownChannel),
        (lambda s: order("shopify", "S-1", (s.tee, 1), ("GHOST", 1)), UnknownSku),
    ],
)
def test_unknown_channels_and_skus_write_nothing(container, seeded, bad, error):
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 10), actor="t")
    with pytest.raises(error):
        container.intake.ingest(bad(seeded), actor="t")
    assert container.orders.list() == []
    assert stock_at(container, seeded.tee, seeded.dallas) == Balance(available=10)


@pytest.mark.parametrize(
    "build",
    [
        lambda: order("shopify", "S-1"),
        lambda: order("shopify", " ", ("A", 1)),
        lambda: order("shopify", "S-1", ("A", 0)),
        lambda: NewOrder("shopify", "S-1", (OrderLine("A", 1),), datetime(2026, 1, 1)),
        lambda: order("shopify", "S-1", ("A", 1), ship_by=PLACED - timedelta(days=1)),
    ],
)
def test_malformed_orders_are_refused_before_anything_happens(build):
    with pytest.raises(InvalidRequest):
        build()


def test_orders_list_by_channel_and_status_and_page(container, seeded):
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 3), actor="t")
    for n in range(5):
        container.intake.ingest(
            order("shopify" if n % 2 else "walmart", f"O-{n}", (seeded.tee, 1)), actor="t"
        )
    assert [o.external_id for o in container.orders.list(channel="shopify")] == ["O-1", "O-3"]
    # O-4 (walmart) took O-1's unit: shopify costs less to cancel.
    assert [o.external_id for o in container.orders.list(status=OrderStatus.CONFLICT)] == [
        "O-1",
        "O-3",
    ]
    first = container.orders.list(limit=3)
    rest = container.orders.list(limit=3, after=first[-1].id)
    assert [o.external_id for o in first + rest] == [f"O-{n}" for n in range(5)]


def test_order_rows_agree_with_the_ledger(container, seeded):
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 4), actor="t")
    for n in range(3):
        container.intake.ingest(order("amazon", f"A-{n}", (seeded.tee, 2)), actor="t")
    with container.engine.connect() as connection:
        committed = connection.execute(
            text("SELECT SUM(committed), SUM(short) FROM order_lines")
        ).one()
    assert tuple(committed) == (4, 2)
    assert stock_at(container, seeded.tee, seeded.dallas).committed == 4
    assert container.ledger.check() == []


def test_cancel_releases_committed_units_and_forgets_short_ones(container, seeded):
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 3), actor="t")
    placed = container.intake.ingest(
        order("shopify", "S-1", (seeded.tee, 5), (seeded.mug, 1)), actor="t"
    ).order
    partly = container.fulfilment.cancel(placed.id, {seeded.tee: 3}, actor="t").order
    assert [(ln.committed, ln.short, ln.cancelled) for ln in partly.lines] == [(2, 0, 3), (0, 1, 0)]
    assert stock_at(container, seeded.tee, seeded.dallas) == Balance(available=1, committed=2)
    whole = container.fulfilment.cancel(placed.id, None, actor="t").order
    assert whole.status == OrderStatus.CANCELLED and whole.allocations == ()
    assert stock_at(container, seeded.tee, seeded.dallas) == Balance(available=3)
    assert container.ledger.check() == []


def test_shipping_takes_committed_units_out_of_on_hand(container, seeded):
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 4), actor="t")
    placed = container.intake.ingest(order("amazon", "A-1", (seeded.tee, 3)), actor="t").order
    part = container.fulfilment.ship(
        placed.id, {seeded.tee: 1}, actor="t", idempotency_key="ship-1"
    ).order
    again = container.fulfilment.ship(
        placed.id, {seeded.tee: 1}, actor="t", idempotency_key="ship-1"
    )
    assert again.replayed and part.lines[0].shipped == 1
    done = container.fulfilment.ship(placed.id, None, actor="t").order
    assert done.status == OrderStatus.SHIPPED and done.lines[0].shipped == 3
    assert stock_at(container, seeded.tee, seeded.dallas) == Balance(available=1)
    with pytest.raises(Conflict):
        container.fulfilment.ship(placed.id, {seeded.tee: 1}, actor="t")
    with pytest.raises(InvalidRequest):
        container.fulfilment.cancel(placed.id, {seeded.mug: 1}, actor="t")
    assert [e.movement.reason for e in container.ledger.entries(reference="order:amazon:A-1")] == [
        Reason.ORDER_COMMITTED,
        Reason.SHIPPED,
        Reason.SHIPPED,
    ]


def test_a_short_pick_takes_the_units_from_another_location(container, seeded):
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 3), actor="t")
    container.stock.execute(Receive(seeded.tee, seeded.fba, 5), actor="t")
    placed = container.intake.ingest(order("amazon", "A-1", (seeded.tee, 3)), actor="t").order
    assert [a.location for a in placed.allocations] == [seeded.dallas]
    picked = container.fulfilment.short_pick(
        placed.id, seeded.tee, seeded.dallas, 2, actor="picker"
    )
    assert picked.status == OrderStatus.COMMITTED
    assert sorted((a.location, a.units) for a in picked.allocations) == [
        (seeded.dallas, 1),
        (seeded.fba, 2),
    ]
    assert stock_at(container, seeded.tee, seeded.dallas) == Balance(committed=1)
    assert stock_at(container, seeded.tee, seeded.fba) == Balance(available=3, committed=2)
    reasons = [e.movement.reason for e in container.ledger.entries(reference="order:amazon:A-1")]
    assert reasons == [Reason.ORDER_COMMITTED, Reason.SHORT_PICK, Reason.ORDER_COMMITTED]
    assert container.ledger.check() == []


def test_a_short_pick_nobody_can_cover_becomes_a_settled_conflict(container, seeded):
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 3), actor="t")
    shopify = container.intake.ingest(order("shopify", "S-1", (seeded.tee, 1)), actor="t").order
    walmart = container.intake.ingest(order("walmart", "W-1", (seeded.tee, 2)), actor="t").order
    picked = container.fulfilment.short_pick(
        walmart.id, seeded.tee, seeded.dallas, 1, actor="picker"
    )
    # Walmart costs more to cancel: Shopify's unit goes to it.
    assert picked.status == OrderStatus.COMMITTED and picked.lines[0].committed == 2
    assert container.orders.get(shopify.id).lines[0].short == 1
    with pytest.raises(Conflict, match="reported missing"):
        container.fulfilment.short_pick(walmart.id, seeded.tee, seeded.dallas, 5, actor="picker")
    assert container.ledger.check() == []
