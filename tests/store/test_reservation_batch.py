"""Reservations decided together (ReservationService.reserve_many, the group commit's flush):
each answered as if made one at a time, in the batch's order, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from stockpool.domain.catalog import Sku
from stockpool.domain.errors import Conflict, InsufficientStock, UnknownChannel, UnknownSku
from stockpool.domain.operations import Receive
from stockpool.domain.orders import OrderLine
from stockpool.domain.reservations import NewReservation
from stockpool.services.reservation_batch import Reserved
from tests.store.test_reservations import assert_consistent, reserved_balances


def cart(reference, *lines, channel="shopify"):
    return NewReservation(
        channel, reference, tuple(OrderLine(s, q) for s, q in lines), timedelta(minutes=15)
    )


def test_a_batch_decides_each_in_turn_and_answers_each_alone(container, seeded):
    tee, mug, dallas = seeded.tee, seeded.mug, seeded.dallas
    container.stock.execute_all([Receive(tee, dallas, 5), Receive(mug, dallas, 2)], actor="t")
    first = container.reservations.reserve(cart("OLD", (mug, 1)), actor="t")
    answers = container.reservations.reserve_many(
        [
            cart("A", (tee, 3)),
            cart("B", (tee, 3)),  # 2 left after A: refused, every unit or none
            cart("C", (tee, 2), (mug, 1)),
            cart("D", ("NOPE", 1)),
            cart("E", (tee, 1), channel="nowhere"),
            cart("A", (tee, 3)),  # A again in the same batch: its replay
            cart("A", (tee, 1)),  # A again with other lines: 409
            cart("OLD", (mug, 1)),  # made before: its replay
        ],
        actor="t",
    )
    a, b, c, d, e, a_again, a_other, old = answers
    assert isinstance(a, Reserved) and not a.replayed
    assert isinstance(b, InsufficientStock) and (b.held, b.requested) == (2, 3)
    assert isinstance(c, Reserved) and [h.units for h in c.reservation.holds] == [2, 1]
    assert isinstance(d, UnknownSku) and isinstance(e, UnknownChannel)
    assert isinstance(a_again, Reserved) and a_again.replayed
    assert a_again.reservation == a.reservation
    assert isinstance(a_other, Conflict)
    assert isinstance(old, Reserved) and old.replayed
    assert old.reservation.id == first.reservation.id
    assert reserved_balances(container) == {(tee, dallas): 5, (mug, dallas): 2}
    assert_consistent(container)


def test_a_batch_holds_what_the_same_reservations_hold_one_at_a_time(container, seeded):
    """Two copies of a catalogue with the same stock: one reserved from one call at a time,
    the other in one batch; the same holds, refusals and balances, SKU for SKU."""
    copies = {"ONE": "one at a time", "ALL": "in one batch"}
    container.catalog.put_skus([Sku(f"{copy}-{n}") for copy in copies for n in (1, 2)])
    for copy in copies:
        stock = [Receive(f"{copy}-1", seeded.dallas, 11), Receive(f"{copy}-2", seeded.dallas, 4)]
        container.stock.execute_all(stock, actor="t")

    def asked(copy: str) -> list[NewReservation]:
        return [
            cart(f"{copy}{n}", *[(f"{copy}-{k}", q) for k, q in ((1, 1 + n % 3), (2, n % 2)) if q])
            for n in range(12)
        ]

    answers = {"ALL": container.reservations.reserve_many(asked("ALL"), actor="t"), "ONE": []}
    for new in asked("ONE"):
        try:
            answers["ONE"].append(container.reservations.reserve(new, actor="t"))
        except InsufficientStock as refused:
            answers["ONE"].append(refused)

    def outcome(copy: str) -> tuple[list[object], dict[tuple[str, str], int]]:
        held = [
            [(h.sku.removeprefix(copy), h.units) for h in a.reservation.holds]
            if isinstance(a, Reserved)
            else (type(a).__name__, a.held)
            if isinstance(a, InsufficientStock)
            else a
            for a in answers[copy]
        ]
        balances = {
            (sku.removeprefix(copy), location): units
            for (sku, location), units in reserved_balances(container).items()
            if sku.startswith(copy)
        }
        return held, balances

    assert outcome("ALL") == outcome("ONE")
    assert ("InsufficientStock", 1) in outcome("ONE")[0]  # the stock ran out partway
    assert_consistent(container)


@pytest.mark.postgresql
def test_racing_batches_on_one_hot_balance_hold_exactly_the_stock(pg):
    container, names = pg
    container.stock.execute(Receive(names.tee, names.dallas, 60), actor="t")

    def batch(n: int) -> list[object]:
        news = [cart(f"T{n}-{k}", (names.tee, 1)) for k in range(10)]
        return container.reservations.reserve_many(news, actor="t")

    with ThreadPoolExecutor(8) as pool:
        answers = [a for answered in pool.map(batch, range(8)) for a in answered]
    held = [a for a in answers if isinstance(a, Reserved)]
    refused = [a for a in answers if isinstance(a, InsufficientStock)]
    assert (len(held), len(refused)) == (60, 20)
    assert reserved_balances(container) == {(names.tee, names.dallas): 60}
    assert_consistent(container)
