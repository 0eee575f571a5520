"""What the store tells the observer (metrics): the movements and conflicts a transaction wrote,
once it committed, and nothing for one rolled back."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from stockpool.bootstrap import Container
from stockpool.domain.errors import StockpoolError
from stockpool.domain.movements import Movement, Reason
from stockpool.domain.operations import Move, Receive
from stockpool.domain.orders import NewOrder, OrderLine
from stockpool.domain.states import State
from stockpool.domain.tally import Tally
from stockpool.services.ports.observer import OrderOutcome
from tests.conftest import FakeClock, make_container, seed

TEE, DAL = "TEE-M-BLK", "DAL-1"


@dataclass
class Recorder:
    """An observer that keeps what it was told."""

    movements: Counter[str] = field(default_factory=Counter)
    conflicts: Counter[str] = field(default_factory=Counter)
    orders: Counter[OrderOutcome] = field(default_factory=Counter)

    def orders_taken(self, outcomes: Mapping[OrderOutcome, int]) -> None:
        self.orders.update(outcomes)

    def committed(self, tally: Tally) -> None:
        self.movements.update(tally.movements)
        self.conflicts.update(tally.conflicts)

    def pushed(self, channel: str, outcomes: Mapping[str, int]) -> None:
        pass

    def lag_measured(self, channel: str, samples: Sequence[float]) -> None:
        pass


@pytest.fixture
def told(database_url: str, clock: FakeClock) -> Iterator[tuple[Container, Recorder]]:
    recorder = Recorder()
    container = make_container(database_url, clock, observer=recorder)
    seed(container)
    yield container, recorder
    container.close()


def order(channel: str, external_id: str, units: int) -> NewOrder:
    placed = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
    return NewOrder(channel, external_id, (OrderLine(TEE, units),), placed)


def test_movements_are_told_once_committed_and_never_when_refused(
    told: tuple[Container, Recorder],
) -> None:
    container, recorder = told
    container.stock.execute(Receive(TEE, DAL, 3), actor="test")
    assert recorder.movements == Counter({Reason.RECEIVED.value: 1})
    with pytest.raises(StockpoolError):  # 5 available are not there: rolled back
        container.stock.execute(
            Move(TEE, DAL, 5, State.AVAILABLE, State.DAMAGED, Reason.DAMAGE), actor="test"
        )
    assert recorder.movements == Counter({Reason.RECEIVED.value: 1})
    found = Movement(TEE, DAL, 1, None, State.AVAILABLE, Reason.FOUND)
    with container.uow() as uow:  # written, then left without commit: rolled back
        uow.stock.apply([found], at=container.clock(), actor="test")
    assert recorder.movements == Counter({Reason.RECEIVED.value: 1})
    with container.uow() as uow:
        uow.stock.apply([found], at=container.clock(), actor="test")
        uow.changes.moved([found])
        uow.follow_changes()
        uow.commit()
    assert recorder.movements == Counter({Reason.RECEIVED.value: 1, Reason.FOUND.value: 1})


def test_orders_and_their_conflicts_are_told_by_channel(told: tuple[Container, Recorder]) -> None:
    container, recorder = told
    container.stock.execute(Receive(TEE, DAL, 2), actor="test")
    container.intake.ingest_many([order("shopify", "S-1", 2)], actor="test")
    answers = container.intake.ingest_many(
        [order("amazon", "A-1", 2), order("shopify", "S-1", 2), order("ebay", "E-1", 1)],
        actor="test",
    )
    assert isinstance(answers[2], StockpoolError)
    assert recorder.orders == Counter(
        {
            ("shopify", "new"): 1,
            ("amazon", "new"): 1,
            ("shopify", "replayed"): 1,
            ("unknown", "refused"): 1,
        }
    )
    assert recorder.conflicts == Counter({"amazon": 1, "shopify": 1})
