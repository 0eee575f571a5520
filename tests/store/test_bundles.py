"""Bundles: declared on the SKU, available as their scarcest component allows, ordered as their
components - on SQLite and PostgreSQL alike."""

from datetime import UTC, datetime, timedelta

import pytest

from stockpool.domain.balance import Balance
from stockpool.domain.catalog import Component, Sku
from stockpool.domain.errors import Conflict, InvalidRequest, UnknownSku
from stockpool.domain.operations import Receive
from stockpool.domain.orders import NewOrder, OrderLine, OrderStatus
from stockpool.domain.reservations import NewReservation

PLACED = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
GIFT = "GIFT-SET"


def order(channel, external_id, *lines):
    return NewOrder(channel, external_id, tuple(OrderLine(s, q) for s, q in lines), PLACED)


@pytest.fixture
def bundle(container, seeded):
    """GIFT-SET = 1 tee + 2 mugs; 10 tees and 7 mugs at Dallas."""
    container.catalog.put_sku(
        Sku(GIFT, "Gift set", components=(Component(seeded.tee, 1), Component(seeded.mug, 2)))
    )
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 10), actor="t")
    container.stock.execute(Receive(seeded.mug, seeded.dallas, 7), actor="t")
    return seeded


def test_a_bundle_is_stored_with_its_components(container, bundle):
    assert container.catalog.get_sku(GIFT).components == (
        Component(bundle.mug, 2),
        Component(bundle.tee, 1),
    )
    assert [s.components for s in container.catalog.list_skus(search="gift")] == [
        (Component(bundle.mug, 2), Component(bundle.tee, 1))
    ]
    container.catalog.put_sku(Sku(GIFT, "Gift set"))  # replaced without components
    assert container.catalog.get_sku(GIFT).components == ()


def test_a_bundles_availability_is_what_its_scarcest_component_makes(container, bundle):
    stock = container.catalog.stock(GIFT)
    assert stock.locations == {bundle.dallas: Balance(available=3)}  # 7 mugs // 2
    assert stock.totals == Balance(available=3)


def test_ordering_a_bundle_commits_its_components(container, bundle):
    placed = container.intake.ingest(order("shopify", "S-1", (GIFT, 2)), actor="t").order
    assert placed.status == OrderStatus.COMMITTED
    assert [
        (ln.sku, ln.quantity, ln.committed, ln.bundle, ln.bundle_line) for ln in placed.lines
    ] == [
        (bundle.mug, 4, 4, GIFT, 0),
        (bundle.tee, 2, 2, GIFT, 0),
    ]
    assert container.catalog.stock(bundle.mug).locations[bundle.dallas] == Balance(
        available=3, committed=4
    )
    assert container.catalog.stock(GIFT).totals == Balance(available=1)
    again = container.intake.ingest(order("shopify", "S-1", (GIFT, 2)), actor="t")
    assert again.replayed
    assert container.ledger.check() == []


def test_a_short_component_becomes_a_conflict_on_that_component(container, bundle):
    placed = container.intake.ingest(order("amazon", "A-1", (GIFT, 4)), actor="t").order
    assert placed.status == OrderStatus.CONFLICT
    by_sku = {ln.sku: (ln.committed, ln.short) for ln in placed.lines}
    assert by_sku == {bundle.tee: (4, 0), bundle.mug: (7, 1)}
    assert [(c.sku, c.short) for c in container.conflicts.list()] == [(bundle.mug, 1)]


def test_cancelling_a_bundle_cancels_its_components(container, bundle):
    placed = container.intake.ingest(order("shopify", "S-1", (GIFT, 2)), actor="t").order
    done = container.fulfilment.cancel(placed.id, {GIFT: 1}, actor="t").order
    assert [(ln.sku, ln.committed, ln.cancelled) for ln in done.lines] == [
        (bundle.mug, 2, 2),
        (bundle.tee, 1, 1),
    ]
    assert container.ledger.check() == []


def test_a_reserved_bundle_confirmed_is_the_order_the_channel_sends_later(container, bundle):
    held = container.reservations.reserve(
        NewReservation("shopify", "CART-1", (OrderLine(GIFT, 1),), timedelta(minutes=5)),
        actor="t",
    ).reservation
    assert {(h.sku, h.units) for h in held.holds} == {(bundle.tee, 1), (bundle.mug, 2)}
    made = container.confirmation.confirm_reservation(
        held.id, external_id="SH-1", placed_at=PLACED, ship_by=None, region=None, actor="t"
    ).order
    assert {ln.bundle for ln in made.lines} == {GIFT}
    again = container.intake.ingest(order("shopify", "SH-1", (GIFT, 1)), actor="t")
    assert again.replayed and again.order.id == made.id


def test_bad_bundles_are_refused_and_nothing_is_stored(container, bundle):
    with pytest.raises(UnknownSku, match="NOPE"):
        container.catalog.put_sku(Sku("SET-2", components=(Component("NOPE", 1),)))
    with pytest.raises(InvalidRequest, match="is a bundle itself"):
        container.catalog.put_sku(Sku("SET-2", components=(Component(GIFT, 1),)))
    with pytest.raises(InvalidRequest, match="component of bundle GIFT-SET"):
        container.catalog.put_sku(Sku(bundle.tee, components=(Component(bundle.mug, 1),)))
    container.catalog.put_sku(Sku("LOOSE"))
    container.stock.execute(Receive("LOOSE", bundle.dallas, 1), actor="t")
    with pytest.raises(Conflict, match="holds stock"):
        container.catalog.put_sku(Sku("LOOSE", components=(Component(bundle.mug, 1),)))
    with pytest.raises(InvalidRequest, match="component of itself"):
        Sku("SET-3", components=(Component("SET-3", 1),))
    with pytest.raises(InvalidRequest, match="listed twice"):
        Sku("SET-3", components=(Component(bundle.tee, 1), Component(bundle.tee, 2)))
    with pytest.raises(InvalidRequest, match="units of component"):
        Component(bundle.tee, 0)
    assert [s.code for s in container.catalog.list_skus(search="SET-")] == []
    assert container.catalog.get_sku(bundle.tee).components == ()
