"""What the database refuses leaves the store as a domain error, never as the driver's: a unique
name stored meanwhile, a value it cannot hold, a rule of its own broken."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from stockpool.domain.errors import InvariantBroken, Unstorable, WrittenMeanwhile
from stockpool.domain.operations import Receive
from stockpool.domain.orders import NewOrder, OrderLine
from stockpool.domain.reservations import NewReservation
from stockpool.store.repositories.intake_view import IntakeViewRepository
from stockpool.store.repositories.reservations import ReservationRepository

AT = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def cart(reference: str, sku: str) -> NewReservation:
    return NewReservation("shopify", reference, (OrderLine(sku, 3),), timedelta(minutes=15))


def add_reservation(uow, reference: str) -> int:
    return uow.reservations.add(
        channel="shopify",
        reference=reference,
        order_id=None,
        fingerprint="f",
        lines={"requested": [], "lines": []},
        holds=(),
        expires_at=AT + timedelta(minutes=15),
        at=AT,
    )


def test_a_unique_name_stored_twice_is_written_meanwhile(container, seeded):
    with container.uow() as uow:
        add_reservation(uow, "CART-1")
        uow.commit()

    refused = pytest.raises(WrittenMeanwhile, match="send this one again")
    with refused as raised, container.uow() as uow:
        add_reservation(uow, "CART-1")
        uow.commit()

    assert raised.value.__cause__ is not None  # the driver's error stays readable in the log


def test_a_broken_rule_that_is_not_a_unique_name_is_a_broken_invariant(container, seeded):
    with pytest.raises(InvariantBroken, match="stockpool check"), container.uow() as uow:
        uow.inbound.add(seeded.tee, seeded.dallas, 0, None, None, AT)  # units > 0


@pytest.mark.postgresql
def test_a_value_postgresql_cannot_hold_is_unstorable(pg):
    container, names = pg
    with pytest.raises(Unstorable, match="nothing was applied"), container.uow() as uow:
        uow.catalog.get_sku(names.tee + "\x00")  # PostgreSQL text cannot hold NUL


def blind_first(monkeypatch, repository: type, method: str, nothing: object) -> list[object]:
    """The first call of repository.method finds nothing, as if another request stored its row
    just after this one looked; the calls are recorded."""
    real = getattr(repository, method)
    calls: list[object] = []

    def looked(self, *args):
        calls.append(args)
        return nothing if len(calls) == 1 else real(self, *args)

    monkeypatch.setattr(repository, method, looked)
    return calls


def test_a_reservation_stored_meanwhile_is_replayed(container, seeded, monkeypatch):
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 10), actor="t")
    first = container.reservations.reserve(cart("CART-1", seeded.tee), actor="t")
    calls = blind_first(monkeypatch, ReservationRepository, "ids_of", {})

    again = container.reservations.reserve(cart("CART-1", seeded.tee), actor="t")

    assert len(calls) == 2  # looked, was refused the insert, looked again
    assert again.replayed
    assert again.reservation.id == first.reservation.id
    assert container.catalog.stock(seeded.tee).totals.reserved == 3
    assert container.ledger.check() == []


def test_an_order_stored_meanwhile_is_replayed(container, seeded, monkeypatch):
    order = NewOrder("shopify", "1001", (OrderLine(seeded.tee, 2),), AT)
    first = container.intake.ingest(order, actor="t")
    real = IntakeViewRepository.read
    calls: list[object] = []

    def looked(self, names, skus):  # the first look finds no stored order: stored meanwhile
        calls.append(names)
        view = real(self, names, skus)
        return replace(view, stored={}) if len(calls) == 1 else view

    monkeypatch.setattr(IntakeViewRepository, "read", looked)

    again = container.intake.ingest(order, actor="t")

    assert len(calls) == 2  # looked, was refused the insert, looked again
    assert again.replayed
    assert again.order.id == first.order.id
