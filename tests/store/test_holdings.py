"""Holdings - the units each channel's open orders hold of a SKU at a location - follow every
order and pending hold in the same transaction, are read with the other inputs of a decision,
are checked against the orders, and are filled by migration 0011; on SQLite and PostgreSQL."""

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import text

from stockpool.domain.operations import Receive
from stockpool.domain.orders import NewOrder, OrderLine
from stockpool.domain.reconcile import Difference
from stockpool.store.migrate import alembic_config, upgrade

PLACED = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def order(channel, external_id, *lines, **fields):
    return NewOrder(
        channel, external_id, tuple(OrderLine(s, q) for s, q in lines), PLACED, **fields
    )


def holdings(container):
    with container.uow(write=False) as uow:
        return uow.orders.holdings()


def test_orders_raise_their_channels_holdings_and_shipping_or_cancelling_lowers_them(
    container, seeded
):
    tee, mug, dallas = seeded.tee, seeded.mug, seeded.dallas
    container.stock.execute(Receive(tee, dallas, 10), actor="t")
    container.stock.execute(Receive(mug, dallas, 4), actor="t")
    shopify = container.intake.ingest(order("shopify", "S-1", (tee, 3), (mug, 1)), actor="t")
    walmart = container.intake.ingest(order("walmart", "W-1", (tee, 2)), actor="t")
    assert holdings(container) == {
        (mug, dallas, "shopify"): 1,
        (tee, dallas, "shopify"): 3,
        (tee, dallas, "walmart"): 2,
    }
    container.fulfilment.ship(shopify.order.id, {tee: 1}, actor="t")
    container.fulfilment.cancel(walmart.order.id, None, actor="t")
    assert holdings(container) == {(mug, dallas, "shopify"): 1, (tee, dallas, "shopify"): 2}
    assert container.ledger.check() == []


def test_a_pending_order_holds_its_reserved_units_until_confirmed_or_cancelled(container, seeded):
    tee, dallas = seeded.tee, seeded.dallas
    container.stock.execute(Receive(tee, dallas, 10), actor="t")
    kept = container.intake.ingest(order("amazon", "A-1", (tee, 2), confirmed=False), actor="t")
    dropped = container.intake.ingest(order("amazon", "A-2", (tee, 3), confirmed=False), actor="t")
    assert holdings(container) == {(tee, dallas, "amazon"): 5}
    container.confirmation.confirm(kept.order.id, actor="t")  # reserved becomes committed
    assert holdings(container) == {(tee, dallas, "amazon"): 5}
    container.fulfilment.cancel(dropped.order.id, None, actor="t")
    assert holdings(container) == {(tee, dallas, "amazon"): 2}
    assert container.ledger.check() == []


def test_a_holdings_row_that_is_not_what_the_orders_hold_is_reported(container, seeded):
    tee, dallas = seeded.tee, seeded.dallas
    container.stock.execute(Receive(tee, dallas, 10), actor="t")
    container.intake.ingest(order("shopify", "S-1", (tee, 3)), actor="t")
    with container.engine.begin() as connection:
        connection.execute(text("UPDATE holdings SET units = 5"))
    assert container.ledger.check() == [Difference(tee, dallas, "held by shopify", 3, 5, "orders")]


def test_inputs_read_holdings_with_the_rest_in_either_path(container, seeded, clock):
    tee, mug, dallas = seeded.tee, seeded.mug, seeded.dallas
    container.stock.execute(Receive(tee, dallas, 10), actor="t")
    shopify = container.intake.ingest(order("shopify", "S-1", (tee, 3)), actor="t").order
    container.intake.ingest(order("amazon", "A-1", (tee, 1), confirmed=False), actor="t")
    held = {tee: {dallas: {"shopify": 3, "amazon": 1}}}
    many = [tee, mug, *(f"NONE-{n:03d}" for n in range(500))]  # over one chunk: read apart
    with container.uow() as uow:
        store = uow.availability
        assert store.inputs([tee, mug], clock.now, old=False)[4] == held
        assert store.inputs(many, clock.now, old=False)[4] == held
        assert store.lock_then_read([tee, mug], clock.now)[4] == held
    container.fulfilment.cancel(shopify.id, None, actor="t")
    with container.uow() as uow:  # a row at 0 is not read
        assert uow.availability.inputs([tee], clock.now, old=False)[4] == {
            tee: {dallas: {"amazon": 1}}
        }


def test_the_migration_fills_holdings_from_the_orders_already_stored(container, seeded):
    tee, dallas = seeded.tee, seeded.dallas
    container.stock.execute(Receive(tee, dallas, 10), actor="t")
    container.intake.ingest(order("shopify", "S-1", (tee, 3)), actor="t")
    container.intake.ingest(order("shopify", "S-2", (tee, 2)), actor="t")
    container.intake.ingest(order("amazon", "A-1", (tee, 1), confirmed=False), actor="t")
    config = alembic_config(container.engine)
    try:
        command.downgrade(config, "0010")
        upgrade(container.engine)
    finally:
        upgrade(container.engine)  # a PostgreSQL database is shared by the tests that follow
    assert holdings(container) == {(tee, dallas, "amazon"): 1, (tee, dallas, "shopify"): 5}
    assert container.ledger.check() == []
