"""Times that say when something already happened are held to the service's clock: more than a
day ahead of it is refused (the rule itself is proven in tests/domain/test_times.py)."""

from datetime import timedelta

import pytest

from stockpool.domain.errors import InvalidRequest
from stockpool.domain.operations import Receive
from stockpool.domain.orders import NewOrder, OrderLine
from stockpool.domain.reservations import NewReservation, ReservationStatus
from stockpool.services.intake import Ingested
from stockpool.services.sync import FeedUpdate

AHEAD = "more than a day ahead of now"


def order(external_id, placed_at, sku="TEE-M-BLK"):
    return NewOrder("shopify", external_id, (OrderLine(sku, 1),), placed_at)


def test_an_order_placed_more_than_a_day_ahead_of_the_clock_is_refused_alone(
    container, seeded, clock
):
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 5), actor="t")
    soon, later = clock.now + timedelta(hours=23), clock.now + timedelta(days=1, minutes=1)

    taken, refused = container.intake.ingest_many(
        [order("S-1", soon), order("S-2", later)], actor="t"
    )

    assert isinstance(taken, Ingested) and taken.order.placed_at == soon
    assert isinstance(refused, InvalidRequest) and AHEAD in refused.message
    assert [o.external_id for o in container.orders.list()] == ["S-1"]


def test_a_reservation_confirmed_as_placed_a_day_ahead_of_the_clock_is_refused(
    container, seeded, clock
):
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 5), actor="t")
    cart = NewReservation("shopify", "CART-1", (OrderLine(seeded.tee, 2),), timedelta(minutes=15))
    held = container.reservations.reserve(cart, actor="t").reservation

    with pytest.raises(InvalidRequest, match=AHEAD):
        container.confirmation.confirm_reservation(
            held.id,
            external_id=None,
            placed_at=clock.now + timedelta(days=2),
            ship_by=None,
            region=None,
            actor="t",
        )

    assert container.reservations.get(held.id).status == ReservationStatus.ACTIVE


def test_a_sync_report_a_day_ahead_is_refused_and_a_little_ahead_is_about_now(
    container, seeded, clock
):
    with pytest.raises(InvalidRequest, match=f"feeds\\[\\].at .* {AHEAD}"):
        container.sync.report(
            "amazon", feeds=[FeedUpdate("F-1", "processing", clock.now + timedelta(days=2))]
        )

    container.sync.report(
        "amazon", feeds=[FeedUpdate("F-1", "processing", clock.now + timedelta(hours=2))]
    )

    assert container.sync.health("amazon").row.state.oldest_feed_at == clock.now
