"""What order intake reads before it locks anything, in one statement: the same as reading each
table on its own."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from stockpool.domain.catalog import Component, Sku
from stockpool.domain.operations import Receive
from stockpool.domain.orders import NewOrder, OrderLine
from stockpool.store.repositories.intake_view import _POSTGRESQL
from tests.store.plans import sequential_scans

GIFT = "GIFT-SET"


def test_the_view_is_what_each_table_says_and_only_the_orders_named(container, seeded):
    # Components given out of SKU order: the view lists them in SKU order, as the catalog does.
    parts = (Component(seeded.tee, 1), Component(seeded.mug, 2))
    container.catalog.put_skus([Sku(GIFT, "Gift set", components=parts)])
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 5), actor="t")
    placed = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    for channel, external_id in (("shopify", "A-1"), ("amazon", "B-1")):
        line = (OrderLine(seeded.tee, 1),)
        container.intake.ingest(NewOrder(channel, external_id, line, placed), actor="t")
    # (shopify, B-1) and (amazon, A-1) share a channel and an id with stored orders: not them.
    names = {("shopify", "A-1"), ("shopify", "B-1"), ("amazon", "A-1"), ("nowhere", "A-1")}
    with container.uow() as uow:
        view = uow.intake_view.read(names, [GIFT, seeded.tee, "NOPE"])
        assert view.channels == {c.code: c for c in uow.channels.list()}
        assert list(view.locations) == uow.catalog.list_locations()
        assert any(loc.channels for loc in view.locations)  # the channels each one serves
        assert view.known == {GIFT, seeded.tee}
        assert view.bundles == uow.catalog.components([GIFT, seeded.tee])
        assert [c.sku for c in view.bundles[GIFT]] == sorted([seeded.tee, seeded.mug])
        assert view.stored == {("shopify", "A-1"): uow.orders.id_of("shopify", "A-1")}


@pytest.mark.postgresql
def test_what_the_view_asks_by_name_is_served_by_an_index_on_postgresql(pg):
    container, names = pg
    parameters = [[names.tee], [names.tee], ["shopify", "amazon"], ["A-1", "B-1"]]
    scanned = sequential_scans(container, _POSTGRESQL.replace("?", "%s"), parameters)
    # Every channel and location is read, a handful of rows each; SKUs, bundles and orders
    # are found by their keys.
    assert scanned <= {"channels", "locations", "location_channels"}
