"""Orders from every channel racing for the same units on PostgreSQL."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from stockpool.domain.balance import Balance
from stockpool.domain.errors import Conflict
from stockpool.domain.operations import Count, CountLine, Receive
from stockpool.domain.orders import NewOrder, OrderLine
from stockpool.domain.reservations import NewReservation
from tests.conftest import make_container
from tests.store.test_concurrency_postgresql import race

pytestmark = pytest.mark.postgresql

PLACED = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def test_the_articles_race_commits_exactly_the_shelf(pg):
    """10 units; Shopify, Amazon and Walmart each take an order for 4 at the same moment."""
    container, names = pg
    container.stock.execute(Receive(names.tee, names.dallas, 10), actor="t")
    channels = ["shopify", "amazon", "walmart"]
    orders = [NewOrder(c, f"{c}-1", (OrderLine(names.tee, 4),), PLACED) for c in channels]
    results = race(3, lambda i: container.intake.ingest(orders[i], actor=channels[i]))
    assert not [r for r in results if isinstance(r, Exception)]
    # Read the orders as they are now: a later order may have taken an earlier one's units.
    now = {o.channel: o.lines[0] for o in container.orders.list()}
    assert sum(line.committed for line in now.values()) == 10
    assert sum(line.short for line in now.values()) == 2
    # Whoever arrived last, Shopify (cheapest to cancel) bears the shortfall.
    assert (now["shopify"].committed, now["shopify"].short) == (2, 2)
    assert (now["amazon"].short, now["walmart"].short) == (0, 0)
    [shopify] = [c for c in container.conflicts.list() if c.channel == "shopify"]
    assert shopify.resolution["action"] == "backorder"
    stock = container.catalog.stock(names.tee).totals
    assert (stock.available, stock.committed) == (0, 10)
    assert container.ledger.check() == []


def _ingest_range(url: str, sku: str, first: int, count: int, replay_from: int, start) -> None:
    container = make_container(url)
    channels = ("shopify", "amazon", "walmart")
    start.wait()
    # Each process sends its own orders, then re-sends some of a neighbour's: every one of
    # those is the same order arriving twice, from two machines at once.
    for n in [*range(first, first + count), *range(replay_from, replay_from + count // 10)]:
        order = NewOrder(channels[n % 3], f"O-{n:05}", (OrderLine(sku, 1),), PLACED)
        container.intake.ingest(order, actor=f"proc-{first}")
    container.close()


def test_processes_ingesting_2000_orders_against_500_units(pg, pg_url):
    container, names = pg
    container.stock.execute(Receive(names.tee, names.dallas, 500), actor="t")
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    processes, per_process = 4, 500
    workers = [
        context.Process(
            target=_ingest_range,
            args=(
                pg_url,
                names.tee,
                p * per_process,
                per_process,
                ((p + 1) % processes) * per_process,
                start,
            ),
        )
        for p in range(processes)
    ]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(timeout=300)
        assert worker.exitcode == 0
    with container.engine.connect() as connection:
        orders, distinct = connection.execute(
            text("SELECT COUNT(*), COUNT(DISTINCT (channel, external_id)) FROM orders")
        ).one()
        committed, short = connection.execute(
            text("SELECT SUM(committed), SUM(short) FROM order_lines")
        ).one()
    assert (orders, distinct) == (2000, 2000)
    assert (committed, short) == (500, 1500)
    with container.engine.connect() as connection:
        short_lines_without_a_conflict = connection.execute(
            text(
                "SELECT COUNT(*) FROM order_lines l WHERE l.short > 0 AND NOT EXISTS "
                "(SELECT 1 FROM conflicts c WHERE c.order_id = l.order_id "
                "AND c.line_no = l.line_no)"
            )
        ).scalar_one()
    assert short_lines_without_a_conflict == 0
    stock = container.catalog.stock(names.tee).totals
    assert (stock.available, stock.committed) == (0, 500)
    assert container.ledger.check() == []


def test_counts_racing_orders_shipments_and_holds_leave_every_unit_owned(pg):
    """Counts that find units missing take them from orders and holds while other threads
    order, ship, short-pick and reserve the same SKU: no deadlock, no error, nothing stranded."""
    container, names = pg
    tee, dallas, store = names.tee, names.dallas, names.store
    # The store (NYC-STORE, Shopify's) sorts after DAL-1: a count there that routes a line to
    # DAL-1 without holding it already would take locks against ingest's order.
    container.stock.execute(Receive(tee, dallas, 40), actor="t")
    container.stock.execute(Receive(tee, store, 30), actor="t")
    channels = ("shopify", "amazon", "walmart")
    placed = [
        container.intake.ingest(
            NewOrder("shopify", f"pre-{n}", (OrderLine(tee, 5),), PLACED), actor="t"
        ).order.id
        for n in range(14)
    ]
    assert container.catalog.stock(tee).locations[store] == Balance(committed=30)

    def attempt(i: int) -> object:
        kind = i % 4
        if kind == 0:
            found = container.catalog.stock(tee).locations[store].on_hand
            line = CountLine(tee, max(found - 8, 0))
            return container.stock.execute(Count(store, (line,)), actor=f"count-{i}")
        if kind == 1:
            order = NewOrder(channels[i % 3], f"race-{i}", (OrderLine(tee, 3),), PLACED)
            return container.intake.ingest(order, actor=f"order-{i}")
        if kind == 2 and i % 8 == 2:
            return container.stock.execute(Receive(tee, dallas, 4), actor=f"dock-{i}")
        if kind == 2:
            return container.fulfilment.ship(placed[i % len(placed)], None, actor=f"ship-{i}")
        cart = NewReservation("shopify", f"cart-{i}", (OrderLine(tee, 2),), timedelta(minutes=5))
        return container.reservations.reserve(cart, actor=f"cart-{i}")

    results = race(16, attempt)
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, Conflict)]
    assert unexpected == []
    assert container.ledger.check() == []
    for order_id in placed:  # every order still open can be finished
        lines = container.orders.get(order_id).lines
        if any(line.committed or line.short for line in lines):
            container.fulfilment.cancel(order_id, None, actor="t")
    assert container.ledger.check() == []
