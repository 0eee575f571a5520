"""Counts that find fewer units than orders and holds own: the orders and holds lose them in the
count's transaction (lines short, conflicts by cost, holds smaller), on SQLite and PostgreSQL.
`stockpool check` compares committed and reserved with what orders and holds say they own."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from stockpool.domain.balance import Balance
from stockpool.domain.operations import Count, CountLine, Receive
from stockpool.domain.orders import NewOrder, OrderLine, OrderStatus
from stockpool.domain.reconcile import Difference
from stockpool.domain.reservations import NewReservation

PLACED = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def order(channel, external_id, sku, quantity, **fields):
    return NewOrder(channel, external_id, (OrderLine(sku, quantity),), PLACED, **fields)


def count(container, location, sku, counted):
    return container.stock.execute(Count(location, (CountLine(sku, counted),)), actor="counter")


def line_of(container, order_id):
    [line] = container.orders.get(order_id).lines
    return line


def test_a_count_below_committed_takes_the_units_from_the_cheapest_line(container, seeded):
    tee, dallas = seeded.tee, seeded.dallas
    container.stock.execute(Receive(tee, dallas, 18), actor="t")
    ids = {
        channel: container.intake.ingest(order(channel, f"{channel}-1", tee, 6), actor="t").order.id
        for channel in ("shopify", "amazon", "walmart")
    }
    change = count(container, dallas, tee, 15)
    assert [(t.order_id, t.units) for t in change.taken] == [(ids["shopify"], 3)]
    shopify = line_of(container, ids["shopify"])
    assert (shopify.committed, shopify.short) == (3, 3)
    assert container.orders.get(ids["shopify"]).status == OrderStatus.CONFLICT
    assert line_of(container, ids["amazon"]).committed == 6
    [conflict] = container.conflicts.list()
    assert (conflict.order_id, conflict.short, conflict.resolution["action"]) == (
        ids["shopify"],
        3,
        "backorder",
    )
    assert container.catalog.stock(tee).locations[dallas] == Balance(committed=15)
    assert container.ledger.check() == []
    # The short order can still be shipped, short-picked and cancelled: nothing is stranded.
    container.fulfilment.short_pick(ids["shopify"], tee, dallas, 1, actor="picker")
    container.fulfilment.ship(ids["shopify"], {tee: 2}, actor="dock")
    container.fulfilment.cancel(ids["shopify"], None, actor="t")
    assert container.orders.get(ids["shopify"]).status == OrderStatus.SHIPPED
    assert container.ledger.check() == []


def test_a_line_losing_units_to_a_count_is_committed_where_stock_remains(container, seeded):
    tee = seeded.tee
    container.stock.execute(Receive(tee, seeded.dallas, 4), actor="t")
    container.stock.execute(Receive(tee, seeded.store, 2), actor="t")  # serves Shopify only
    placed = container.intake.ingest(order("shopify", "S-1", tee, 4), actor="t").order
    assert [(a.location, a.units) for a in placed.allocations] == [(seeded.dallas, 4)]
    count(container, seeded.dallas, tee, 1)
    again = container.orders.get(placed.id)
    assert sorted((a.location, a.units) for a in again.allocations) == [
        (seeded.dallas, 1),
        (seeded.store, 2),
    ]
    assert (again.lines[0].committed, again.lines[0].short) == (3, 1)
    assert container.ledger.check() == []


def test_a_count_below_reserved_shrinks_the_newest_checkout_first(container, seeded, clock):
    tee, dallas = seeded.tee, seeded.dallas
    container.stock.execute(Receive(tee, dallas, 6), actor="t")
    pending = container.intake.ingest(
        order("amazon", "A-1", tee, 2, confirmed=False), actor="t"
    ).order
    cart = NewReservation("shopify", "cart-1", (OrderLine(tee, 4),), timedelta(minutes=15))
    held = container.reservations.reserve(cart, actor="t").reservation
    change = count(container, dallas, tee, 3)  # 6 reserved, 3 found: the checkout loses 3
    assert [(t.reservation_id, t.order_id, t.units) for t in change.taken] == [(held.id, None, 3)]
    assert [h.units for h in container.reservations.get(held.id).holds] == [1]
    assert line_of(container, pending.id).reserved == 2
    assert container.ledger.check() == []
    # Confirmed, the checkout holds 1 of its 4: the rest is short, settled like any order.
    made = container.confirmation.confirm_reservation(
        held.id, external_id=None, placed_at=None, ship_by=None, region=None, actor="t"
    ).order
    assert (made.lines[0].committed, made.lines[0].short) == (1, 3)
    assert container.ledger.check() == []


def test_a_pending_order_losing_held_units_is_short_of_them_and_stays_pending(container, seeded):
    tee, dallas = seeded.tee, seeded.dallas
    container.stock.execute(Receive(tee, dallas, 5), actor="t")
    pending = container.intake.ingest(
        order("amazon", "A-1", tee, 5, confirmed=False), actor="t"
    ).order
    change = count(container, dallas, tee, 2)
    assert [(t.order_id, t.line_no, t.units) for t in change.taken] == [(pending.id, 0, 3)]
    again = container.orders.get(pending.id)
    assert again.status == OrderStatus.PENDING
    assert (again.lines[0].reserved, again.lines[0].short) == (2, 3)
    assert container.conflicts.list() == []  # a pending order raises none yet
    assert container.ledger.check() == []
    confirmed = container.confirmation.confirm(pending.id, actor="t")
    assert (confirmed.lines[0].committed, confirmed.lines[0].short) == (2, 3)
    assert container.ledger.check() == []


def test_check_reports_committed_and_reserved_that_nobody_owns(container, seeded):
    tee, dallas = seeded.tee, seeded.dallas
    container.stock.execute(Receive(tee, dallas, 5), actor="t")
    container.intake.ingest(order("shopify", "S-1", tee, 2), actor="t")
    cart = NewReservation("shopify", "cart-1", (OrderLine(tee, 1),), timedelta(minutes=15))
    container.reservations.reserve(cart, actor="t")
    with container.engine.begin() as connection:
        connection.execute(text("UPDATE allocations SET units = 1"))
        connection.execute(text("DELETE FROM reservation_holds"))
    assert container.ledger.check() == [
        Difference(tee, dallas, "committed", 1, 2, "orders"),
        Difference(tee, dallas, "reserved", 0, 1, "reservations"),
        # the allocation no longer adds up to what the channel's holdings say either
        Difference(tee, dallas, "held by shopify", 1, 2, "orders"),
    ]
    # Repair rebuilds balances from the ledger only; what orders own is not guessed at.
    assert len(container.ledger.check(repair=True)) == 3


def test_the_sweep_releases_the_other_holds_when_one_cannot_be(container, seeded, clock):
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 2), actor="t")
    container.stock.execute(Receive(seeded.mug, seeded.dallas, 2), actor="t")
    for n, sku in enumerate((seeded.tee, seeded.mug)):
        cart = NewReservation("shopify", f"cart-{n}", (OrderLine(sku, 2),), timedelta(minutes=1))
        container.reservations.reserve(cart, actor="t")
    with container.engine.begin() as connection:  # a balance that disagrees with its hold
        connection.execute(
            text("UPDATE balances SET reserved = 0, damaged = 2 WHERE sku = :sku"),
            {"sku": seeded.tee},
        )
    clock.advance(minutes=2)
    assert container.reservations.sweep() == 1
    assert container.catalog.stock(seeded.mug).totals.available == 2
