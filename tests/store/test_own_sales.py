"""A channel's own sales, on both engines: the platform lowered the number it shows by what its
buyer ordered before stockpool heard of the order, so the listing sold from is believed to show
that much less (pushed_quantity) and is queued only when its channel's number differs from it.
Rivals are queued as ever, when their numbers changed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from stockpool.domain.catalog import Component, Sku
from stockpool.domain.listings import Listing
from stockpool.domain.operations import Move, Receive
from stockpool.domain.orders import NewOrder, OrderLine
from stockpool.domain.policies import Policy
from stockpool.domain.reservations import NewReservation
from stockpool.domain.states import State
from stockpool.services.sync import Push, Reading

TEE, MUG, GIFT = "TEE-M-BLK", "MUG-12OZ", "GIFT-SET"
DAL = "DAL-1"


@pytest.fixture
def shelf(container, seeded):
    """10 tees at Dallas, shown whole on every channel (no buffers): Amazon and Walmart list
    them and have been told 10."""
    for code in ("amazon", "walmart", "shopify"):
        container.policies.put_channel(code, Policy(buffer=0))
    container.stock.execute(Receive(TEE, DAL, 10), actor="t")
    for channel, code in (("amazon", "AMZ-TEE"), ("walmart", "WM-TEE")):
        container.listings.put(Listing(channel, code, TEE))
        accept_waiting(container, channel)
    return seeded


def accept_waiting(container, channel):
    """The platform took every number waiting for channel."""
    pushes = [
        Push(p.channel_sku, p.quantity, p.version, ok=True)
        for p in waiting(container, channel).values()
    ]
    container.sync.report(channel, pushes=pushes)


def waiting(container, channel):
    return {p.channel_sku: p for p in container.sync.pending(channel, limit=1000)}


def shown(container, channel, code):
    """What stockpool believes the platform shows."""
    return container.listings.get(channel, code).pushed_quantity


def sell(container, clock, channel, external_id, code, units=1, *, listed=True):
    """A buyer orders on channel, long after every push it accepted has shown."""
    clock.advance(hours=1)
    line = OrderLine(code, units, listed=listed)
    container.intake.ingest(NewOrder(channel, external_id, (line,), clock.now), actor="t")


def test_an_own_sale_the_number_follows_queues_nothing_for_the_channel_sold_on(
    container, shelf, clock
):
    sell(container, clock, "amazon", "A-1", "AMZ-TEE")

    assert container.availability.stored(TEE)["amazon"] == 9
    assert shown(container, "amazon", "AMZ-TEE") == 9  # Amazon took it off itself
    assert waiting(container, "amazon") == {}
    assert shown(container, "walmart", "WM-TEE") == 10
    assert waiting(container, "walmart")["WM-TEE"].quantity == 9  # rivals are told


def test_an_own_sale_that_leaves_the_number_queues_it_back(container, shelf, clock):
    container.policies.put_sku(TEE, "amazon", Policy(cap=3))
    accept_waiting(container, "amazon")
    assert shown(container, "amazon", "AMZ-TEE") == 3

    sell(container, clock, "amazon", "A-1", "AMZ-TEE")

    assert container.availability.stored(TEE)["amazon"] == 3
    assert shown(container, "amazon", "AMZ-TEE") == 2
    assert waiting(container, "amazon")["AMZ-TEE"].quantity == 3
    assert waiting(container, "walmart")["WM-TEE"].quantity == 9


def test_a_waiting_push_takes_the_number_after_an_own_sale(container, shelf, clock):
    # 10 waits (it may be on its way to Amazon), as Amazon was told before.
    container.stock.execute(Receive(TEE, DAL, 1), actor="t")
    container.stock.execute(Move(TEE, DAL, 1, State.AVAILABLE, State.DAMAGED), actor="t")
    before = waiting(container, "amazon")["AMZ-TEE"]
    assert before.quantity == shown(container, "amazon", "AMZ-TEE") == 10

    sell(container, clock, "amazon", "A-1", "AMZ-TEE")

    after = waiting(container, "amazon")["AMZ-TEE"]
    assert (after.quantity, after.version) == (9, before.version + 1)
    assert shown(container, "amazon", "AMZ-TEE") == 9


def test_a_listing_never_pushed_stays_unknown_and_its_waiting_push_follows(container, shelf, clock):
    container.listings.put(Listing("amazon", "AMZ-TEE-2", TEE))
    assert shown(container, "amazon", "AMZ-TEE-2") is None

    sell(container, clock, "amazon", "A-1", TEE, listed=False)  # our SKU: every listing of it

    assert shown(container, "amazon", "AMZ-TEE-2") is None
    assert shown(container, "amazon", "AMZ-TEE") == 9
    assert set(waiting(container, "amazon")) == {"AMZ-TEE-2"}
    assert waiting(container, "amazon")["AMZ-TEE-2"].quantity == 9


def test_only_the_listing_ordered_from_was_lowered(container, shelf, clock):
    container.listings.put(Listing("amazon", "AMZ-TEE-2", TEE))
    accept_waiting(container, "amazon")

    sell(container, clock, "amazon", "A-1", "AMZ-TEE-2", units=2)

    assert shown(container, "amazon", "AMZ-TEE-2") == 8
    assert shown(container, "amazon", "AMZ-TEE") == 10
    assert {c: p.quantity for c, p in waiting(container, "amazon").items()} == {"AMZ-TEE": 8}


def test_several_sales_of_one_listing_in_a_transaction_add_up(container, shelf, clock):
    clock.advance(hours=1)
    orders = [
        NewOrder("amazon", f"A-{n}", (OrderLine("AMZ-TEE", 2, listed=True),), clock.now)
        for n in range(3)
    ]
    container.intake.ingest_many(orders, actor="t")

    assert shown(container, "amazon", "AMZ-TEE") == 4
    assert waiting(container, "amazon") == {}
    assert waiting(container, "walmart")["WM-TEE"].quantity == 4


def test_a_sale_never_lowers_below_zero(container, shelf, clock):
    container.policies.put_sku(TEE, "amazon", Policy(cap=1))
    accept_waiting(container, "amazon")

    # Amazon showed 1 and sold 3 (its buyers saw an older number): it shows 0, not -2.
    sell(container, clock, "amazon", "A-1", "AMZ-TEE", units=3)

    assert shown(container, "amazon", "AMZ-TEE") == 0
    assert waiting(container, "amazon")["AMZ-TEE"].quantity == 1


def test_a_bundle_sold_lowers_its_own_listing_not_its_components(container, shelf, clock):
    container.catalog.put_sku(
        Sku(GIFT, "Tee and mug", None, (Component(TEE, 1), Component(MUG, 1)))
    )
    container.stock.execute(Receive(MUG, DAL, 10), actor="t")
    container.listings.put(Listing("amazon", "AMZ-GIFT", GIFT))
    accept_waiting(container, "amazon")
    assert shown(container, "amazon", "AMZ-GIFT") == 10

    sell(container, clock, "amazon", "A-1", "AMZ-GIFT")

    assert shown(container, "amazon", "AMZ-GIFT") == 9
    assert shown(container, "amazon", "AMZ-TEE") == 10  # the tee listing was not sold from
    assert {c: p.quantity for c, p in waiting(container, "amazon").items()} == {"AMZ-TEE": 9}


def test_a_reading_of_the_lowered_number_measures_no_lag(container, shelf, clock):
    clock.advance(seconds=30)
    sell(container, clock, "amazon", "A-1", "AMZ-TEE")
    clock.advance(seconds=30)

    read = container.sync.report("amazon", readings=[Reading("AMZ-TEE", 9)])

    assert read.lag_samples == ()  # it confirms no push: Amazon lowered it itself
    assert container.listings.get("amazon", "AMZ-TEE").confirmed_quantity == 9


def test_a_reservation_turned_order_is_the_platforms_sale(container, shelf, clock):
    # Held at checkout (every number went down), then ordered on the platform, which lowers
    # its own number once more: the number it should show is queued back.
    clock.advance(hours=1)
    held = container.reservations.reserve(
        NewReservation("amazon", "CART-1", (OrderLine(TEE, 1),), timedelta(hours=3)), actor="t"
    )
    accept_waiting(container, "amazon")
    assert shown(container, "amazon", "AMZ-TEE") == 9

    clock.advance(hours=1)
    container.confirmation.confirm_reservation(
        held.reservation.id, external_id=None, placed_at=None, ship_by=None, region=None, actor="t"
    )

    assert shown(container, "amazon", "AMZ-TEE") == 8
    assert waiting(container, "amazon")["AMZ-TEE"].quantity == 9


def test_a_sale_placed_before_the_last_push_was_accepted_lowers_nothing(container, shelf, clock):
    # The buyer ordered 5 s before Amazon accepted 10 (its order came in late): that absolute
    # push landed after the platform's own sale and undid it, so stockpool sends the number after
    # the sale.
    placed = clock.now - timedelta(seconds=5)
    container.intake.ingest(
        NewOrder("amazon", "A-1", (OrderLine("AMZ-TEE", 1, listed=True),), placed), actor="t"
    )

    assert shown(container, "amazon", "AMZ-TEE") == 10
    assert waiting(container, "amazon")["AMZ-TEE"].quantity == 9


def test_a_sale_placed_after_the_last_push_was_accepted_lowers_it(container, shelf, clock):
    # Moments after Amazon accepted 10, within its lag: taken as showing, so the buyer's unit
    # came off it and Amazon shows 9 already; pushing 9 would land late and show again any unit
    # sold meanwhile.
    clock.advance(seconds=2)
    for number in ("A-1", "A-2"):
        line = OrderLine("AMZ-TEE", 1, listed=True)
        container.intake.ingest(NewOrder("amazon", number, (line,), clock.now), actor="t")

    assert shown(container, "amazon", "AMZ-TEE") == 8
    assert "AMZ-TEE" not in waiting(container, "amazon")
