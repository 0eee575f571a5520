"""Real threads and processes racing on PostgreSQL: stock never goes below zero, and exactly the
stock that existed moves."""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from stockpool.domain.balance import Balance
from stockpool.domain.errors import InsufficientStock
from stockpool.domain.movements import Reason
from stockpool.domain.operations import Adjust, Count, CountLine, Move, Receive, Transfer
from stockpool.domain.states import State
from tests.conftest import make_container

pytestmark = pytest.mark.postgresql

THREADS = 16


def race(count: int, attempt: Callable[[int], object]) -> list[object]:
    """Run attempt(i) on count threads released at the same instant; each result or exception."""
    barrier = threading.Barrier(count)

    def one(i: int) -> object:
        barrier.wait()
        try:
            return attempt(i)
        except Exception as error:  # collected and asserted on by the caller
            return error

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def test_threads_racing_for_the_last_units_move_exactly_what_existed(pg):
    container, names = pg
    container.stock.execute(Receive(names.tee, names.dallas, 10), actor="t")
    take_one = Move(names.tee, names.dallas, 1, State.AVAILABLE, State.DAMAGED)
    results = race(THREADS, lambda i: container.stock.execute(take_one, actor=f"thread-{i}"))
    outcomes = Counter(type(r).__name__ for r in results)
    assert outcomes == {"StockChange": 10, "InsufficientStock": THREADS - 10}
    assert container.catalog.stock(names.tee).locations[names.dallas] == Balance(damaged=10)
    assert len(container.ledger.entries()) == 11
    assert container.ledger.check() == []


def test_uneven_requests_never_take_more_than_the_shelf_held(pg):
    container, names = pg
    container.stock.execute(Receive(names.tee, names.dallas, 25), actor="t")
    wanted = [1 + (i * 7) % 5 for i in range(THREADS)]  # 1..5 units each, 48 in all
    results = race(
        THREADS,
        lambda i: container.stock.execute(
            Adjust(names.tee, names.dallas, -wanted[i], Reason.SHRINKAGE), actor=f"thread-{i}"
        ),
    )
    taken = sum(w for w, r in zip(wanted, results, strict=True) if not isinstance(r, Exception))
    assert all(isinstance(r, InsufficientStock) for r in results if isinstance(r, Exception))
    left = container.catalog.stock(names.tee).locations[names.dallas].available
    assert taken + left == 25 and left < min(
        wanted[i] for i, r in enumerate(results) if isinstance(r, Exception)
    )
    assert container.ledger.check() == []


def test_the_same_idempotency_key_from_many_threads_applies_once(pg):
    container, names = pg
    receipt = Receive(names.tee, names.dallas, 3, reference="PO-1")
    results = race(
        THREADS, lambda i: container.stock.execute(receipt, actor="t", idempotency_key="po-1")
    )
    assert not [r for r in results if isinstance(r, Exception)]
    assert sum(not r.replayed for r in results) == 1
    assert len({tuple(e.id for e in r.movements) for r in results}) == 1
    assert container.catalog.stock(names.tee).totals.available == 3


def test_concurrent_counts_of_a_new_balance_count_it_once(pg):
    container, names = pg
    sheet = Count(names.fba, (CountLine(names.mug, 5),))
    results = race(THREADS, lambda i: container.stock.execute(sheet, actor=f"counter-{i}"))
    assert not [r for r in results if isinstance(r, Exception)]
    assert container.catalog.stock(names.mug).locations[names.fba] == Balance(available=5)
    assert sum(len(r.movements) for r in results) == 1


def test_opposite_transfers_do_not_deadlock_and_conserve_units(pg):
    container, names = pg
    for location in (names.dallas, names.store):
        container.stock.execute(Receive(names.tee, location, 50), actor="t")
    routes = [(names.dallas, names.store), (names.store, names.dallas)]

    def send(i: int) -> object:
        source, destination = routes[i % 2]
        return container.stock.execute(Transfer(names.tee, source, destination, 2), actor="t")

    results = race(THREADS, send)
    assert not [r for r in results if isinstance(r, Exception)]
    totals = container.catalog.stock(names.tee).totals
    assert (totals.available, totals.incoming) == (100 - 2 * THREADS, 2 * THREADS)


def _process_takes_units(url: str, sku: str, location: str, start, results) -> None:
    container = make_container(url)
    start.wait()
    moved = 0
    for _ in range(5):
        try:
            container.stock.execute(
                Move(sku, location, 1, State.AVAILABLE, State.SAFETY_STOCK), actor="proc"
            )
            moved += 1
        except InsufficientStock:
            pass
    results.put(moved)
    container.close()


def test_processes_racing_move_exactly_what_existed(pg, pg_url):
    container, names = pg
    container.stock.execute(Receive(names.tee, names.dallas, 17), actor="t")
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    workers = [
        context.Process(
            target=_process_takes_units, args=(pg_url, names.tee, names.dallas, start, results)
        )
        for _ in range(8)
    ]
    for worker in workers:
        worker.start()
    start.set()
    moved = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    assert sum(moved) == 17
    assert container.catalog.stock(names.tee).locations[names.dallas] == Balance(safety_stock=17)
    assert container.ledger.check() == []
