"""The loop's second half for real: the worker, in its own threads, carries stockpool's numbers to
the three sandbox marketplaces through the real connectors - Shopify's batched mutation, Amazon's
JSON_LISTINGS_FEED followed to its end, Walmart's single inventory PUTs - a number changed later
follows, and a Walmart buyer's order is polled in and taken from every channel's number. On both
engines; the sandboxes show pushes at once (delay 0)."""

from __future__ import annotations

from contextlib import ExitStack

import pytest

from stockpool.domain.catalog import Location, LocationKind, Sku
from stockpool.domain.channels import Channel, Platform
from stockpool.domain.connections import Connection
from stockpool.domain.operations import Receive
from stockpool.entrypoints.worker import Worker, channel_jobs
from stockpool.sandbox.amazon import AmazonSandbox
from stockpool.sandbox.serve import running
from stockpool.sandbox.shopify import ShopifySandbox
from stockpool.sandbox.walmart import WalmartSandbox
from tests.conftest import make_container
from tests.sandbox.timing import eventually

SKUS = [f"SKU-{n:04d}" for n in range(1, 31)]  # 30: past Amazon's feed threshold (25)


@pytest.fixture
def platforms():
    sandboxes = {
        "shop": ShopifySandbox(delay_seconds=0, seed=1),
        "amzn": AmazonSandbox(
            delay_seconds=0, seed=2, feed_queue_seconds=0.2, feed_processing_seconds=0.5
        ),
        "wmt": WalmartSandbox(delay_seconds=0, seed=3),
    }
    with ExitStack() as stack:
        for sandbox in sandboxes.values():
            sandbox.seed(len(SKUS), quantity=0)
            stack.enter_context(running(sandbox))
        yield sandboxes
        for sandbox in sandboxes.values():
            sandbox.close()


def test_the_worker_carries_every_number_to_every_platform(database_url, platforms):
    container = make_container(
        database_url, sync_seconds=0.05, reconcile_seconds=0, order_poll_seconds=1
    )
    container.catalog.put_skus([Sku(code, code) for code in SKUS])
    container.catalog.put_locations([Location("DAL-1", LocationKind.WAREHOUSE, "Dallas")])
    for code, sandbox in platforms.items():
        described = sandbox.describe()
        connection = Connection(
            described["url"], described["credentials"], described.get("token_url")
        )
        container.channels.put(Channel(code, Platform(sandbox.platform)), connection=connection)
        assert len(container.discovery.discover(code).mapped) == len(SKUS)
    for n, code in enumerate(SKUS):
        container.stock.execute(Receive(code, "DAL-1", 10 + n), actor="test")

    def behind() -> list[str]:
        late = []
        for channel, sandbox in platforms.items():
            for code in SKUS:
                want = container.availability.stored(code)[channel]
                with sandbox.lock:
                    listing = sandbox.shelf.get(code)
                    have = listing.shown if listing else None
                if have != want:
                    late.append(f"{channel} {code}: {have} != {want}")
        return late

    worker = Worker(container, channel_jobs(container), supervise_every=0.1)
    worker.start()
    try:
        eventually(behind, lambda late: not late, seconds=60)
        container.stock.execute(Receive(SKUS[0], "DAL-1", 5), actor="test")  # a later change
        eventually(behind, lambda late: not late, seconds=30)
        walmart = platforms["wmt"]
        with walmart.lock:  # a buyer on Walmart: polled in, its units taken from every channel
            assert walmart.place_order(SKUS[1], 3) is not None
        eventually(lambda: container.orders.list(channel="wmt"), lambda found: len(found) == 1)
        eventually(behind, lambda late: not late, seconds=30)
        (order,) = container.orders.list(channel="wmt")
        assert [(line.sku, line.committed) for line in order.lines] == [(SKUS[1], 3)]
    finally:
        worker.stop()
        container.close()
    assert container.sync.pending("wmt", limit=100) == []
    amazon = platforms["amzn"]
    assert amazon.requests.since(path="/feeds/2021-06-30/feeds")  # the bulk went as a feed
