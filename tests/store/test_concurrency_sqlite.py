"""The embedded default: threads racing on one SQLite file serialise cleanly (BEGIN IMMEDIATE)."""

from collections import Counter

from stockpool.domain.balance import Balance
from stockpool.domain.operations import Move, Receive, Transfer
from stockpool.domain.states import State
from tests.conftest import make_container, seed, sqlite_copy
from tests.store.test_concurrency_postgresql import race


def test_threads_on_sqlite_move_exactly_what_existed(sqlite_template, tmp_path):
    container = make_container(sqlite_copy(sqlite_template, tmp_path))
    names = seed(container)
    container.stock.execute(Receive(names.tee, names.dallas, 6), actor="t")
    container.stock.execute(Receive(names.tee, names.store, 6), actor="t")

    def attempt(i):
        if i % 2:
            return container.stock.execute(
                Transfer(names.tee, names.store, names.dallas, 1), actor="t"
            )
        return container.stock.execute(
            Move(names.tee, names.dallas, 1, State.AVAILABLE, State.DAMAGED), actor="t"
        )

    results = race(12, attempt)
    assert Counter(type(r).__name__ for r in results) == {"StockChange": 12}
    assert container.catalog.stock(names.tee).locations == {
        names.dallas: Balance(available=0, damaged=6, incoming=6),
        names.store: Balance(available=0),
    }
    assert container.ledger.check() == []
    container.close()
