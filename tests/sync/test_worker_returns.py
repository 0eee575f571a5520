"""The worker's return and fulfilment-stock jobs against the Amazon and Walmart sandboxes,
through the real connectors: a buyer's return delivered back to the seller on each platform is
polled in and received into quality_control (Amazon's through its returns report, Walmart's
once it is received, not before), and what FBA and WFS hold becomes the stock of the location
that serves each channel alone. On SQLite: the store's part is proven on both engines in
tests/store/test_platform_returns.py."""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

import httpx
import pytest

from stockpool.domain.catalog import Location, LocationKind, Sku
from stockpool.domain.channels import Channel, Platform
from stockpool.domain.connections import Connection
from stockpool.domain.operations import Receive
from stockpool.entrypoints.worker import Worker, channel_jobs
from stockpool.sandbox.amazon import AmazonSandbox
from stockpool.sandbox.serve import running
from stockpool.sandbox.walmart import WalmartSandbox
from stockpool.sandbox.walmart.epoch import now_ms
from stockpool.sandbox.walmart.purchase_orders import LineChange, acknowledge, apply
from tests.conftest import empty_database, make_container
from tests.sandbox.timing import eventually

SKUS = [f"SKU-{n:04d}" for n in range(1, 4)]
DAL, FBA, WFS = "DAL-1", "FBA-US", "WFS-US"


@pytest.fixture
def platforms():
    sandboxes = {
        "amazon": AmazonSandbox(
            delay_seconds=0, seed=2, report_queue_seconds=0.1, report_processing_seconds=0.1
        ),
        "walmart": WalmartSandbox(delay_seconds=0, seed=3),
    }
    with ExitStack() as stack:
        for sandbox in sandboxes.values():
            sandbox.seed(len(SKUS), quantity=5)
            stack.enter_context(running(sandbox))
        yield sandboxes
        for sandbox in sandboxes.values():
            sandbox.close()


@pytest.fixture
def container(request, tmp_path, sqlite_template, platforms):
    built = make_container(
        empty_database("sqlite", request, tmp_path, sqlite_template),
        sync_seconds=0.05,
        reconcile_seconds=0,
        order_poll_seconds=1,
        return_poll_seconds=1,
        fulfilled_stock_seconds=1,
    )
    built.catalog.put_skus([Sku(code, code) for code in SKUS])
    for code, sandbox in platforms.items():
        described = sandbox.describe()
        connection = Connection(
            described["url"], described["credentials"], described.get("token_url")
        )
        built.channels.put(Channel(code, Platform(code)), connection=connection)
        assert len(built.discovery.discover(code).mapped) == len(SKUS)
    built.catalog.put_locations(
        [
            Location(DAL, LocationKind.WAREHOUSE, "Dallas"),
            Location(FBA, LocationKind.MARKETPLACE_FULFILLED, "FBA", frozenset({"amazon"})),
            Location(WFS, LocationKind.MARKETPLACE_FULFILLED, "WFS", frozenset({"walmart"})),
        ]
    )
    for code in SKUS:
        built.stock.execute(Receive(code, DAL, 10), actor="test")
    yield built
    built.close()


def control(sandbox: Any, method: str, path: str, body: Any = None) -> Any:
    url = f"{sandbox.describe()['url']}/_sandbox/{sandbox.platform}{path}"
    answer = httpx.request(method, url, json=body)
    assert answer.is_success, answer.text
    return answer.json()


def ingested(container, channel: str) -> dict[str, Any]:
    return {order.external_id: order for order in container.orders.list(channel=channel)}


def test_returns_and_fulfilment_stock_come_in_through_the_worker(container, platforms):
    amazon, walmart = platforms["amazon"], platforms["walmart"]
    with amazon.lock:
        amazon_order = amazon.place_order(SKUS[0], 2)["orderId"]
    with walmart.lock:
        walmart_order = str(walmart.place_order(SKUS[1], 2)["purchaseOrderId"])
    control(amazon, "PUT", f"/fba/{SKUS[2]}", {"fulfillable": 6, "defective": 1})
    control(walmart, "PUT", f"/wfs/{SKUS[2]}", {"on_hand": 4})
    worker = Worker(container, channel_jobs(container), supervise_every=0.1)
    worker.start()
    try:
        eventually(lambda: amazon_order in ingested(container, "amazon"), seconds=30)
        eventually(lambda: walmart_order in ingested(container, "walmart"), seconds=30)
        control(amazon, "POST", f"/orders/{amazon_order}/ship")
        with walmart.lock:  # the seller ships it (as its shipping call would)
            order = walmart.purchase_order(walmart_order)
            acknowledge(order, now_ms())
            apply(order, LineChange("1", 2, "Shipped", {}), now_ms())
        returned = {"lines": [{"sku": SKUS[0], "quantity": 1}], "reason": "CR-DEFECTIVE"}
        control(amazon, "POST", f"/orders/{amazon_order}/return", returned)
        started = control(
            walmart,
            "POST",
            f"/orders/{walmart_order}/return",
            {"lines": [{"sku": SKUS[1], "quantity": 2}]},
        )
        [found] = eventually(lambda: container.returns.listed(), seconds=40)
        assert (found.found.channel, found.found.external_id) == ("amazon", amazon_order)
        # Walmart's return is not back with the seller yet: nothing comes in until it is.
        control(walmart, "POST", f"/returns/{started['returnOrderId']}/receive")
        eventually(lambda: len(container.returns.listed()) == 2, seconds=30)

        def fulfilled() -> tuple[int, int]:
            stock = container.catalog.stock(SKUS[2]).locations
            return (
                stock[FBA].on_hand if FBA in stock else -1,
                stock[WFS].on_hand if WFS in stock else -1,
            )

        eventually(fulfilled, lambda found: found == (7, 4), seconds=30)
        # The return shipped the unit it brought back; the order's poll ships the other.
        eventually(lambda: container.catalog.stock(SKUS[0]).totals.committed == 0, seconds=30)
    finally:
        worker.stop()
    tee = container.catalog.stock(SKUS[0]).locations[DAL]
    assert (tee.quality_control, tee.committed) == (1, 0)
    assert container.catalog.stock(SKUS[1]).locations[DAL].quality_control == 2
    assert container.catalog.stock(SKUS[2]).locations[FBA].damaged == 1
    assert container.ledger.check() == []
