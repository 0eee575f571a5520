"""Writes on the hot path that PostgreSQL takes in one round trip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from stockpool.domain.balance import apply_into
from stockpool.domain.movements import Movement, Reason
from stockpool.domain.operations import Receive
from stockpool.domain.orders import NewOrder, OrderLine
from stockpool.domain.reservations import NewReservation
from stockpool.domain.states import State
from stockpool.services.reservation_batch import Reserved

AT = datetime(2026, 12, 7, 22, 0, tzinfo=UTC)


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The statements the driver runs from here on (executemany counts once)."""
    seen: list[str] = []

    def counting(name: str):
        run = getattr(psycopg.Cursor, name)

        def counted(cursor, query, *args, **kwargs):
            seen.append(str(query))
            return run(cursor, query, *args, **kwargs)

        return counted

    for name in ("execute", "executemany"):
        monkeypatch.setattr(psycopg.Cursor, name, counting(name))
    return seen


@pytest.mark.postgresql
def test_decided_movements_write_balances_and_ledger_in_one_statement(pg, request):
    container, names = pg
    container.stock.execute(Receive(names.tee, names.dallas, 5), actor="t")
    moved = Movement(names.tee, names.dallas, 2, State.AVAILABLE, State.DAMAGED, Reason.DAMAGE)
    with container.uow() as uow:
        current = uow.stock.lock_existing([names.tee], [names.dallas])
        apply_into(current, [moved])
        sent = request.getfixturevalue("sent")
        uow.stock.record([moved], current, at=AT, actor="t", entries=False)
        assert len(sent) == 1
        balance = uow.stock.balance(names.tee, names.dallas)
        assert balance is not None and (balance.available, balance.damaged) == (3, 2)
        assert uow.ledger.ledger_sums()[(names.tee, names.dallas)]["damaged"] == 2


@pytest.mark.postgresql
def test_orders_their_lines_allocations_and_holdings_are_stored_in_one_statement(pg, request):
    container, names = pg
    container.stock.execute(Receive(names.tee, names.dallas, 3), actor="t")
    container.stock.execute(Receive(names.mug, names.store, 4), actor="t")
    container.stock.execute(Receive(names.mug, names.dallas, 2), actor="t")
    lines = (OrderLine(names.tee, 1), OrderLine(names.mug, 2))
    orders = [NewOrder("shopify", f"S-{n}", lines, AT) for n in range(3)]
    sent = request.getfixturevalue("sent")
    results = container.intake.ingest_many(orders, actor="t")
    tables = ("orders", "order_lines", "allocations", "holdings")
    assert len([q for q in sent if any(f"INSERT INTO {t} " in q for t in tables)]) == 1
    for result in results:
        assert not isinstance(result, Exception)
        assert result.order == container.orders.get(result.order.id)
    assert container.ledger.check() == []  # holdings included: what the orders hold


@pytest.mark.postgresql
def test_a_batch_of_reservations_costs_the_statements_of_one(pg, request):
    """Reservations decided together pay their reads, lock, inserts and read-backs once: a batch
    of 16 sends exactly the statements one does."""
    container, names = pg
    container.stock.execute(Receive(names.tee, names.dallas, 100), actor="t")
    counts = []
    for size in (1, 16):
        news = [
            NewReservation(
                ("shopify", "amazon", "walmart")[n % 3],
                f"CART-{size}-{n}",
                (OrderLine(names.tee, 1),),
                timedelta(minutes=15),
            )
            for n in range(size)
        ]
        sent = request.getfixturevalue("sent")
        before = len(sent)
        answers = container.reservations.reserve_many(news, actor="t")
        counts.append(len(sent) - before)
        assert all(isinstance(a, Reserved) for a in answers)
    assert counts[0] == counts[1], counts
