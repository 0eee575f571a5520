"""Reservations and pending orders through the real store, on SQLite and PostgreSQL alike."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from stockpool.domain.balance import Balance
from stockpool.domain.errors import Conflict, InsufficientStock, NotFound, UnknownSku
from stockpool.domain.movements import Reason
from stockpool.domain.operations import Receive
from stockpool.domain.orders import NewOrder, OrderLine, OrderStatus
from stockpool.domain.reservations import NewReservation, ReservationStatus
from tests.conftest import make_container

PLACED = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def cart(reference, *lines, channel="shopify", minutes=15):
    return NewReservation(
        channel, reference, tuple(OrderLine(s, q) for s, q in lines), timedelta(minutes=minutes)
    )


def order(channel, external_id, *lines, **fields):
    return NewOrder(
        channel, external_id, tuple(OrderLine(s, q) for s, q in lines), PLACED, **fields
    )


def stock_at(container, sku, location):
    return container.catalog.stock(sku).locations.get(location, Balance())


def held_by_active_reservations(container):
    """(sku, location): units held by reservations still active, as stored."""
    with container.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT h.sku, h.location, SUM(h.units) FROM reservation_holds h "
                "JOIN reservations r ON r.id = h.reservation_id WHERE r.status = 'active' "
                "GROUP BY h.sku, h.location"
            )
        ).all()
    return {(sku, location): int(units) for sku, location, units in rows}


def reserved_balances(container):
    with container.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT sku, location, reserved FROM balances WHERE reserved > 0")
        ).all()
    return {(sku, location): int(units) for sku, location, units in rows}


def assert_consistent(container):
    """Reserved stock is exactly what active reservations hold, and the ledger adds up."""
    assert reserved_balances(container) == held_by_active_reservations(container)
    assert container.ledger.check() == []


@pytest.fixture
def stocked(container, seeded):
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 10), actor="t")
    container.stock.execute(Receive(seeded.mug, seeded.dallas, 4), actor="t")
    return seeded


def test_a_reservation_holds_its_units_in_reserved_until_it_expires(container, stocked, clock):
    made = container.reservations.reserve(cart("CART-1", (stocked.tee, 3)), actor="api:k")
    held = made.reservation
    assert not made.replayed and held.status == ReservationStatus.ACTIVE
    assert held.expires_at == clock.now + timedelta(minutes=15)
    assert [(h.sku, h.location, h.units) for h in held.holds] == [(stocked.tee, stocked.dallas, 3)]
    assert stock_at(container, stocked.tee, stocked.dallas) == Balance(available=7, reserved=3)
    [entry] = container.ledger.entries(reference=f"reservation:{held.id}")
    assert entry.movement.reason == Reason.RESERVED and entry.actor == "api:k"
    assert_consistent(container)


def test_a_reservation_holds_all_or_nothing(container, stocked):
    with pytest.raises(InsufficientStock, match="MUG-12OZ"):
        container.reservations.reserve(
            cart("CART-1", (stocked.tee, 2), (stocked.mug, 5)), actor="t"
        )
    assert stock_at(container, stocked.tee, stocked.dallas) == Balance(available=10)
    assert container.reservations.list() == []
    with pytest.raises(UnknownSku):
        container.reservations.reserve(cart("CART-2", ("NOPE", 1)), actor="t")


def test_the_same_reservation_again_is_a_replay_and_other_lines_are_refused(container, stocked):
    first = container.reservations.reserve(cart("CART-1", (stocked.tee, 3)), actor="t")
    again = container.reservations.reserve(cart("CART-1", (stocked.tee, 3)), actor="t")
    assert again.replayed and again.reservation.id == first.reservation.id
    with pytest.raises(Conflict, match="different lines"):
        container.reservations.reserve(cart("CART-1", (stocked.tee, 4)), actor="t")
    assert stock_at(container, stocked.tee, stocked.dallas).reserved == 3


def test_releasing_gives_the_units_back_once(container, stocked):
    held = container.reservations.reserve(cart("CART-1", (stocked.tee, 3)), actor="t").reservation
    released = container.reservations.release(held.id, actor="t")
    assert released.status == ReservationStatus.RELEASED
    again = container.reservations.release(held.id, actor="t")
    assert again.status == ReservationStatus.RELEASED
    assert stock_at(container, stocked.tee, stocked.dallas) == Balance(available=10)
    reasons = [
        e.movement.reason for e in container.ledger.entries(reference=f"reservation:{held.id}")
    ]
    assert reasons == [Reason.RESERVED, Reason.RESERVATION_RELEASED]
    assert_consistent(container)


def test_an_expired_hold_shows_as_expired_before_any_sweep(container, stocked, clock):
    held = container.reservations.reserve(cart("CART-1", (stocked.tee, 3)), actor="t").reservation
    clock.advance(minutes=15)
    assert container.reservations.get(held.id).status == ReservationStatus.EXPIRED
    # Nothing ran: the units are still reserved in the balance, until someone touches the SKU.
    assert stock_at(container, stocked.tee, stocked.dallas).reserved == 3


def test_the_sweep_releases_expired_holds_and_only_those(container, stocked, clock):
    old = container.reservations.reserve(cart("OLD", (stocked.tee, 3)), actor="t").reservation
    clock.advance(minutes=10)
    new = container.reservations.reserve(cart("NEW", (stocked.tee, 2)), actor="t").reservation
    clock.advance(minutes=5)
    assert container.reservations.sweep() == 1
    assert container.reservations.sweep() == 0
    assert container.reservations.get(old.id).status == ReservationStatus.EXPIRED
    assert container.reservations.get(new.id).status == ReservationStatus.ACTIVE
    assert stock_at(container, stocked.tee, stocked.dallas) == Balance(available=8, reserved=2)
    [*_, entry] = container.ledger.entries(reference=f"reservation:{old.id}")
    assert entry.movement.reason == Reason.RESERVATION_EXPIRED
    assert_consistent(container)


def test_an_order_takes_stock_an_expired_hold_kept_although_no_sweep_ran(container, stocked, clock):
    container.reservations.reserve(cart("CART-1", (stocked.tee, 10)), actor="t")
    clock.advance(minutes=16)
    placed = container.intake.ingest(order("walmart", "W-1", (stocked.tee, 4)), actor="t").order
    assert placed.status == OrderStatus.COMMITTED
    assert stock_at(container, stocked.tee, stocked.dallas) == Balance(available=6, committed=4)
    assert_consistent(container)


def test_an_expired_hold_on_another_sku_and_location_is_released_whole(container, stocked, clock):
    container.stock.execute(Receive(stocked.mug, stocked.store, 2), actor="t")
    held = container.reservations.reserve(
        cart("CART-1", (stocked.tee, 10), (stocked.mug, 6)), actor="t"
    ).reservation
    assert {(h.sku, h.location) for h in held.holds} == {
        (stocked.tee, stocked.dallas),
        (stocked.mug, stocked.dallas),
        (stocked.mug, stocked.store),
    }
    clock.advance(hours=1)
    container.intake.ingest(order("amazon", "A-1", (stocked.tee, 1)), actor="t")
    assert container.reservations.get(held.id).status == ReservationStatus.EXPIRED
    assert stock_at(container, stocked.mug, stocked.store) == Balance(available=2)
    assert_consistent(container)


def test_confirming_a_reservation_makes_it_an_order_with_the_held_units(container, stocked):
    held = container.reservations.reserve(cart("CART-1", (stocked.tee, 3)), actor="t").reservation
    made = container.confirmation.confirm_reservation(
        held.id, external_id="SH-1001", placed_at=None, ship_by=None, region=None, actor="t"
    )
    assert not made.replayed
    placed = made.order
    assert (placed.channel, placed.external_id, placed.status) == (
        "shopify",
        "SH-1001",
        OrderStatus.COMMITTED,
    )
    assert [(a.location, a.units) for a in placed.allocations] == [(stocked.dallas, 3)]
    assert stock_at(container, stocked.tee, stocked.dallas) == Balance(available=7, committed=3)
    reservation = container.reservations.get(held.id)
    assert reservation.status == ReservationStatus.CONFIRMED and reservation.order_id == placed.id
    # The order arriving from the channel afterwards is the same order.
    again = container.intake.ingest(order("shopify", "SH-1001", (stocked.tee, 3)), actor="t")
    assert again.replayed and again.order.id == placed.id
    replay = container.confirmation.confirm_reservation(
        held.id, external_id="SH-1001", placed_at=None, ship_by=None, region=None, actor="t"
    )
    assert replay.replayed
    with pytest.raises(Conflict, match="cancel the order"):
        container.reservations.release(held.id, actor="t")
    assert_consistent(container)


def test_an_expired_or_released_reservation_cannot_be_confirmed(container, stocked, clock):
    released = container.reservations.reserve(cart("A", (stocked.tee, 1)), actor="t").reservation
    container.reservations.release(released.id, actor="t")
    expired = container.reservations.reserve(cart("B", (stocked.tee, 1)), actor="t").reservation
    clock.advance(minutes=15)
    for reservation, status in ((released, "released"), (expired, "expired")):
        with pytest.raises(Conflict, match=f"is {status}"):
            container.confirmation.confirm_reservation(
                reservation.id,
                external_id=None,
                placed_at=None,
                ship_by=None,
                region=None,
                actor="t",
            )
    assert container.orders.list() == []
    with pytest.raises(NotFound):
        container.reservations.get(999)


def test_a_pending_order_reserves_and_is_committed_when_confirmed(container, stocked):
    pending = container.intake.ingest(
        order("amazon", "A-1", (stocked.tee, 3), confirmed=False), actor="t"
    ).order
    assert pending.status == OrderStatus.PENDING
    assert [(ln.reserved, ln.committed, ln.short) for ln in pending.lines] == [(3, 0, 0)]
    assert pending.allocations == ()
    assert stock_at(container, stocked.tee, stocked.dallas) == Balance(available=7, reserved=3)
    assert_consistent(container)
    # The same order, still pending, is a replay; sent as confirmed, it is confirmed.
    assert container.intake.ingest(
        order("amazon", "A-1", (stocked.tee, 3), confirmed=False), actor="t"
    ).replayed
    confirmed = container.intake.ingest(order("amazon", "A-1", (stocked.tee, 3)), actor="t")
    assert not confirmed.replayed and confirmed.order.status == OrderStatus.COMMITTED
    assert [(ln.reserved, ln.committed) for ln in confirmed.order.lines] == [(0, 3)]
    assert stock_at(container, stocked.tee, stocked.dallas) == Balance(available=7, committed=3)
    assert container.confirmation.confirm(pending.id, actor="t").status == OrderStatus.COMMITTED
    assert_consistent(container)


def test_a_pending_order_short_of_stock_raises_no_conflict_until_confirmed(container, stocked):
    pending = container.intake.ingest(
        order("amazon", "A-1", (stocked.tee, 12), confirmed=False), actor="t"
    ).order
    assert pending.status == OrderStatus.PENDING
    assert [(ln.reserved, ln.short) for ln in pending.lines] == [(10, 2)]
    assert container.conflicts.list() == []
    confirmed = container.confirmation.confirm(pending.id, actor="t")
    assert confirmed.status == OrderStatus.CONFLICT
    assert [(ln.committed, ln.short) for ln in confirmed.lines] == [(10, 2)]
    assert [c.short for c in container.conflicts.list()] == [2]
    assert_consistent(container)


def test_a_pending_order_whose_hold_expired_is_routed_again_when_confirmed(
    container, seeded, clock
):
    url = container.engine.url.render_as_string(hide_password=False)
    short_hold = make_container(url, clock, pending_order_hold_seconds=60)
    try:
        short_hold.stock.execute(Receive(seeded.tee, seeded.dallas, 5), actor="t")
        pending = short_hold.intake.ingest(
            order("amazon", "A-1", (seeded.tee, 5), confirmed=False), actor="t"
        ).order
        clock.advance(minutes=2)
        # Another channel takes 3 of the units the expired hold kept.
        short_hold.intake.ingest(order("shopify", "S-1", (seeded.tee, 3)), actor="t")
        assert short_hold.orders.get(pending.id).lines[0].reserved == 0
        confirmed = short_hold.confirmation.confirm(pending.id, actor="t")
        assert [(ln.committed, ln.short) for ln in confirmed.lines] == [(5, 0)]
        # Amazon costs more to cancel: it took the Shopify order's 3 units.
        shopify = short_hold.orders.list(channel="shopify")[0]
        assert [(ln.committed, ln.short) for ln in shopify.lines] == [(0, 3)]
        assert_consistent(short_hold)
    finally:
        short_hold.close()


def test_cancelling_a_pending_order_releases_its_hold(container, stocked):
    pending = container.intake.ingest(
        order("amazon", "A-1", (stocked.tee, 3), confirmed=False), actor="t"
    ).order
    with pytest.raises(Conflict, match="confirm it before shipping"):
        container.fulfilment.ship(pending.id, None, actor="t")
    with pytest.raises(Conflict, match="cancel it whole"):
        container.fulfilment.cancel(pending.id, {stocked.tee: 1}, actor="t")
    cancelled = container.fulfilment.cancel(pending.id, None, actor="t").order
    assert cancelled.status == OrderStatus.CANCELLED
    assert [(ln.reserved, ln.cancelled) for ln in cancelled.lines] == [(0, 3)]
    assert stock_at(container, stocked.tee, stocked.dallas) == Balance(available=10)
    reasons = [e.movement.reason for e in container.ledger.entries(reference="order:amazon:A-1")]
    assert reasons == [Reason.RESERVED, Reason.RESERVATION_RELEASED]
    assert container.confirmation.confirm(pending.id, actor="t").status == OrderStatus.CANCELLED
    assert_consistent(container)


def test_listing_by_status_goes_by_the_status_now(container, stocked, clock):
    old = container.reservations.reserve(cart("OLD", (stocked.tee, 1)), actor="t").reservation
    clock.advance(minutes=10)
    new = container.reservations.reserve(cart("NEW", (stocked.mug, 1)), actor="t").reservation
    clock.advance(minutes=6)  # OLD is past its expiry; no sweep has run
    by_status = {
        status: [r.id for r in container.reservations.list(status=status)]
        for status in ("active", "expired", "released", "confirmed")
    }
    assert by_status == {"active": [new.id], "expired": [old.id], "released": [], "confirmed": []}
    container.reservations.sweep()
    assert [r.id for r in container.reservations.list(status="expired")] == [old.id]
