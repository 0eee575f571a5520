"""The sync worker's outcomes reach the metrics: each push counted once by what the platform
made of it (single calls and a feed's results alike), and each lag reconciliation measures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stockpool.bootstrap import Container
from stockpool.domain.catalog import Sku
from stockpool.domain.channels import Platform
from stockpool.domain.listings import Listing
from stockpool.domain.operations import Receive
from stockpool.domain.platforms import Outcome
from stockpool.entrypoints.metrics import Metrics
from tests.conftest import FakeClock, make_container, seed
from tests.sync.fakes import FakePlatform

TEE, MUG, DAL = "TEE-M-BLK", "MUG-12OZ", "DAL-1"


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
def metered(database_url: str, clock: FakeClock, metrics: Metrics) -> Iterator[Container]:
    container = make_container(database_url, clock, observer=metrics)
    seed(container)
    yield container
    container.close()


def pushes(metrics: Metrics, channel: str, outcome: str) -> float:
    labels = {"channel": channel, "outcome": outcome}
    return metrics.registry.get_sample_value("stockpool_pushes_total", labels) or 0.0


def list_and_stock(container: Container, channel: str, skus: list[str]) -> None:
    node = "NODE-1" if channel == "walmart" else None
    for sku in skus:
        container.listings.put(Listing(channel, f"{channel}-{sku}", sku, ship_node=node))
        container.stock.execute(Receive(sku, DAL, 5), actor="test")


def test_single_calls_are_counted_by_outcome(
    metered: Container, metrics: Metrics, clock: FakeClock
) -> None:
    list_and_stock(metered, "walmart", [TEE, MUG])
    walmart = FakePlatform(Platform.WALMART, clock)
    walmart.answer = {f"walmart-{TEE}": Outcome.FAILED, f"walmart-{MUG}": Outcome.REFUSED}
    metered.channel_sync("w1").run("walmart", walmart.connector())
    assert pushes(metrics, "walmart", "failed") == 1
    assert pushes(metrics, "walmart", "refused") == 1
    assert pushes(metrics, "walmart", "applied") == 0
    walmart.answer = {}
    clock.advance(minutes=6)  # past the failed one's backoff
    metered.channel_sync("w1").run("walmart", walmart.connector())
    assert pushes(metrics, "walmart", "applied") == 1


def test_a_feeds_results_are_counted_when_it_finishes(
    metered: Container, metrics: Metrics, clock: FakeClock
) -> None:
    codes = [f"SKU-{n:03}" for n in range(30)]  # past Amazon's feed threshold
    metered.catalog.put_skus([Sku(code, code) for code in codes])
    list_and_stock(metered, "amazon", codes)
    amazon = FakePlatform(Platform.AMAZON, clock)
    sync = metered.channel_sync("w1")
    assert sync.run("amazon", amazon.connector()).feeds_submitted == 1
    assert pushes(metrics, "amazon", "applied") == 0  # submitted, not yet taken
    amazon.feeds_done.add("feed-1")
    clock.advance(minutes=10)
    sync.run("amazon", amazon.connector())
    assert pushes(metrics, "amazon", "applied") == 30


def test_a_reconciliation_that_confirms_a_push_measures_a_lag(
    metered: Container, metrics: Metrics, clock: FakeClock
) -> None:
    list_and_stock(metered, "walmart", [TEE])
    walmart = FakePlatform(Platform.WALMART, clock)
    metered.channel_sync("w1").run("walmart", walmart.connector())
    clock.advance(minutes=1)
    metered.reconciliation.step("walmart", walmart.connector())
    count = metrics.registry.get_sample_value(
        "stockpool_sync_lag_seconds_count", {"channel": "walmart"}
    )
    assert count == 1
