"""Transactions racing on PostgreSQL to move one SKU's numbers: the last to commit decides from
everything the others committed, so no change is lost from the recorded numbers or the outbox."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from stockpool.domain.listings import Listing
from stockpool.domain.operations import Receive
from stockpool.domain.orders import NewOrder, OrderLine
from stockpool.domain.policies import Policy
from tests.store.test_concurrency_postgresql import race

pytestmark = pytest.mark.postgresql

PLACED = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
THREADS = 16


def fresh(container, sku):
    return {c.channel: c.advertised for c in container.availability.explain(sku).channels}


def test_receipts_at_two_locations_at_once_lose_no_change(pg):
    """Receipts at DAL-1 and FBA-US touch different balance rows, so nothing but the
    availability lock orders them; each moves Amazon's number. Without it, a transaction that
    read the other location before the other committed would record a number missing it."""
    container, names = pg
    container.listings.put(Listing("amazon", "AMZ-TEE", names.tee))
    places = [names.dallas, names.fba]

    def receive(i: int) -> object:
        container.stock.execute(Receive(names.tee, places[i % 2], 1), actor=f"t{i}")
        return None

    # Only the last writer of a round decides what stays recorded: check after every round.
    for round_ in range(1, 16):
        assert race(THREADS, receive) == [None] * THREADS
        recorded = container.availability.stored(names.tee)
        assert recorded == fresh(container, names.tee), round_
        assert recorded["manual"] == round_ * THREADS // 2  # DAL-1's; FBA serves only amazon
    (pending,) = container.sync.pending("amazon")
    assert pending.quantity == recorded["amazon"]


def test_orders_movements_and_a_policy_change_racing_agree_at_the_end(pg):
    container, names = pg
    container.stock.execute(Receive(names.tee, names.dallas, 200), actor="t")
    container.stock.execute(Receive(names.mug, names.dallas, 200), actor="t")
    channels = ("shopify", "amazon", "walmart")

    def act(i: int) -> object:
        if i == 0:
            container.policies.put_channel("walmart", Policy(cap=50, ring_fence=3))
            return None
        for n in range(6):
            sku = (names.tee, names.mug)[n % 2]
            if n % 3 == 0:
                container.stock.execute(Receive(sku, names.fba, 1), actor=f"t{i}")
            else:
                order = NewOrder(channels[i % 3], f"O-{i}-{n}", (OrderLine(sku, 1),), PLACED)
                container.intake.ingest(order, actor=f"t{i}")
        return None

    assert race(THREADS, act) == [None] * THREADS

    for sku in (names.tee, names.mug):
        assert container.availability.stored(sku) == fresh(container, sku)
    assert container.availability.stored(names.tee)["walmart"] <= 50
    assert container.availability.recompute_all().changed == 0
