"""Polling a channel's orders (PlatformOrders.poll) against the real sandboxes served on free
ports, through connectors built from stored connections, as the worker will: every order taken
once across polls, webhooks and crashes; acknowledged where the platform asks for it; its
platform's later state (confirmed, cancelled, shipped) followed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from stockpool.channels.connect import connector
from stockpool.channels.walmart import WalmartConnector
from stockpool.domain.catalog import Location, LocationKind, Sku
from stockpool.domain.channels import Channel, Platform
from stockpool.domain.connections import Connection
from stockpool.domain.errors import PlatformUnavailable
from stockpool.domain.movements import Reason
from stockpool.domain.operations import Receive
from stockpool.domain.orders import OrderStatus
from stockpool.sandbox.amazon import AmazonSandbox
from stockpool.sandbox.core import Sandbox
from stockpool.sandbox.serve import running
from stockpool.sandbox.shopify import ShopifySandbox
from stockpool.sandbox.walmart import WalmartSandbox
from stockpool.services import platform_orders
from stockpool.store.repositories.order_cursors import OrderCursorRepository
from tests.conftest import ENGINES, FakeClock, empty_database, make_container
from tests.sandbox.shopify_support import webhook_receiver
from tests.sandbox.timing import eventually

SKUS = ("SKU-0001", "SKU-0002", "SKU-0003")
DALLAS = "DAL-1"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime.now(UTC))  # the sandboxes date their orders by the wall clock


@pytest.fixture
def pool(request, tmp_path, sqlite_template, clock):
    """A container with SKU-0001..3, 10 of each at Dallas (which serves every channel); SQLite
    unless a test asks for both engines."""
    engine = getattr(request, "param", "sqlite")
    container = make_container(empty_database(engine, request, tmp_path, sqlite_template), clock)
    container.catalog.put_skus([Sku(code, code) for code in SKUS])
    container.catalog.put_locations([Location(DALLAS, LocationKind.WAREHOUSE, "Dallas")])
    for code in SKUS:
        container.stock.execute(Receive(code, DALLAS, 10), actor="test")
    yield container
    container.close()


def connect(container, sandbox: Sandbox, url: str, platform: Platform) -> str:
    """Connect a channel named after the platform to the served sandbox and map its catalogue."""
    described = sandbox.describe()
    connection = Connection(url, described["credentials"], described.get("token_url"))
    container.channels.put(Channel(platform.value, platform), connection=connection)
    assert sorted(container.discovery.discover(platform.value).mapped) == list(SKUS)
    return platform.value


@pytest.fixture
def walmart(pool) -> Iterator[WalmartSandbox]:
    sandbox = WalmartSandbox(delay_seconds=0, seed=3)
    sandbox.seed(3, quantity=20)
    with running(sandbox) as url:
        connect(pool, sandbox, url, Platform.WALMART)
        yield sandbox


@pytest.fixture
def amazon(pool) -> Iterator[AmazonSandbox]:
    sandbox = AmazonSandbox(delay_seconds=0, seed=7)
    sandbox.seed(3, 20)
    with running(sandbox) as url:
        connect(pool, sandbox, url, Platform.AMAZON)
        yield sandbox


def buy(sandbox: Sandbox, sku: str, units: int, **how: Any) -> str:
    with sandbox.lock:
        order = sandbox.place_order(sku, units, **how)
    assert order is not None
    return str(order.get("purchaseOrderId") or order.get("orderId") or order["id"])


def totals(container, sku: str) -> tuple[int, int, int]:
    """(available, reserved, committed) of sku at Dallas."""
    balance = container.catalog.stock(sku).locations[DALLAS]
    return balance.available, balance.reserved, balance.committed


def status(container, channel: str, external_id: str) -> OrderStatus:
    [order] = [o for o in container.orders.list(channel=channel) if o.external_id == external_id]
    return order.status


def walmart_statuses(sandbox: WalmartSandbox) -> list[str]:
    with sandbox.lock:
        return [
            status["status"]
            for order in sandbox.orders
            for line in order["orderLines"]["orderLine"]
            for status in line["orderLineStatuses"]["orderLineStatus"]
        ]


def test_walmart_orders_are_taken_once_each_across_polls_and_acknowledged(pool, walmart):
    first = [buy(walmart, "SKU-0001", 1), buy(walmart, "SKU-0002", 2)]
    polled = pool.platform_orders.poll_connected("walmart")
    assert (polled.orders, polled.new, polled.more, polled.refused) == (2, 2, False, ())
    assert walmart_statuses(walmart) == ["Acknowledged", "Acknowledged"]
    later = buy(walmart, "SKU-0001", 3)
    # Acknowledging changes an order on Walmart: it comes again within the poll that
    # acknowledged it, which knows it and takes nothing; the next poll starts past it.
    again = pool.platform_orders.poll_connected("walmart")
    assert (again.orders, again.new) == (1, 1)
    assert walmart_statuses(walmart) == ["Acknowledged"] * 3
    taken = {o.external_id: o.status for o in pool.orders.list(channel="walmart")}
    assert taken == dict.fromkeys([*first, later], OrderStatus.COMMITTED)
    assert totals(pool, "SKU-0001") == (6, 0, 4)
    assert pool.ledger.check() == []


def test_amazon_pending_is_held_then_confirmed_cancelled_releases_shipped_ships(pool, amazon):
    held = buy(amazon, "SKU-0001", 2, pending=True)
    dropped = buy(amazon, "SKU-0002", 1, pending=True)
    sent = buy(amazon, "SKU-0003", 3)
    assert pool.platform_orders.poll_connected("amazon").new == 3
    assert status(pool, "amazon", held) == OrderStatus.PENDING
    assert totals(pool, "SKU-0001") == (8, 2, 0)
    control = f"{amazon.base_url}/_sandbox/amazon/orders"
    for order_id, action in ((held, "confirm"), (dropped, "cancel"), (sent, "ship")):
        assert httpx.post(f"{control}/{order_id}/{action}").is_success
    pool.platform_orders.poll_connected("amazon")
    assert status(pool, "amazon", held) == OrderStatus.COMMITTED
    assert totals(pool, "SKU-0001") == (8, 0, 2)
    assert status(pool, "amazon", dropped) == OrderStatus.CANCELLED  # released, never committed
    moved = pool.ledger.entries(reference=f"order:amazon:{dropped}")
    assert Reason.ORDER_COMMITTED not in {entry.movement.reason for entry in moved}
    assert totals(pool, "SKU-0002") == (10, 0, 0)
    assert status(pool, "amazon", sent) == OrderStatus.SHIPPED
    assert pool.catalog.stock("SKU-0003").locations[DALLAS].on_hand == 7
    assert pool.ledger.check() == []


class Wrapped:
    """A real connector, with what a test overrides."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class Failing(Wrapped):
    """A connector whose acknowledge fails (the platform went away after the orders were taken)."""

    def acknowledge(self, orders) -> None:
        raise PlatformUnavailable("Walmart is down")


def channel_connector(container, code: str):
    return connector(Platform(code), container.channels.connection(code), now=container_clock)


def container_clock() -> datetime:
    return datetime.now(UTC)


@pytest.mark.parametrize("pool", ENGINES, indirect=True)
@pytest.mark.parametrize("crash", ["acknowledging", "storing the cursor"])
def test_a_poll_that_crashes_before_storing_its_cursor_duplicates_nothing_after(
    pool, walmart, crash, monkeypatch
):
    placed = [buy(walmart, "SKU-0001", 2), buy(walmart, "SKU-0003", 1)]
    walmart_connector = channel_connector(pool, "walmart")
    with monkeypatch.context() as patch:
        if crash == "acknowledging":
            walmart_connector = Failing(walmart_connector)
        else:
            patch.setattr(OrderCursorRepository, "advance", crash_while_storing)
        with pytest.raises((PlatformUnavailable, RuntimeError)):
            pool.platform_orders.poll("walmart", walmart_connector)
    assert pool.catalog.stock("SKU-0001").totals.committed == 2  # taken, and it stays
    with pool.uow(write=False) as uow:
        assert uow.order_cursors.get("walmart") is None
    again = pool.platform_orders.poll_connected("walmart")
    assert (again.orders, again.new) == (2, 0)
    assert sorted(o.external_id for o in pool.orders.list(channel="walmart")) == sorted(placed)
    assert totals(pool, "SKU-0001") == (8, 0, 2)
    assert walmart_statuses(walmart) == ["Acknowledged", "Acknowledged"]
    assert pool.ledger.check() == []


def crash_while_storing(*args: Any) -> bool:
    raise RuntimeError("the process died")


def test_a_shopify_order_by_webhook_and_by_poll_is_taken_once(pool):
    shop = ShopifySandbox(delay_seconds=0, seed=3)
    shop.seed(3, quantity=20)
    with running(shop) as url, webhook_receiver() as receiver:
        connect(pool, shop, url, Platform.SHOPIFY)
        shop_connector = channel_connector(pool, "shopify")
        shop_connector.register_webhooks(receiver.url)
        hooked = buy(shop, "SKU-0001", 2)
        [delivery] = eventually(lambda: list(receiver.got))
        taken = pool.platform_orders.webhook("shopify", delivery.headers, delivery.body)
        assert (taken.orders, taken.replayed) == (1, False)
        polled = pool.platform_orders.poll("shopify", shop_connector)
        assert (polled.orders, polled.new) == (1, 0)
        shop_connector.close()
    [order] = pool.orders.list(channel="shopify")
    assert (order.external_id, order.status) == (hooked, OrderStatus.COMMITTED)
    assert totals(pool, "SKU-0001") == (8, 0, 2)


def test_a_long_backlog_is_read_a_few_pages_a_poll_and_resumed(pool, walmart, monkeypatch):
    monkeypatch.setattr(platform_orders, "PAGES_PER_POLL", 2)
    placed = {buy(walmart, "SKU-0002", 1) for _ in range(3)}
    described = walmart.describe()
    small_pages = WalmartConnector(
        described["url"], described["credentials"], wall=container_clock, page_size=1, max_pages=1
    )
    first = pool.platform_orders.poll("walmart", small_pages)
    assert (first.pages, first.more) == (2, True)  # stopped at the cap, its cursor stored
    polls = 1
    while pool.platform_orders.poll("walmart", small_pages).more:
        polls += 1
        assert polls < 10
    small_pages.close()
    assert sorted(o.external_id for o in pool.orders.list(channel="walmart")) == sorted(placed)
    assert totals(pool, "SKU-0002") == (7, 0, 3)


def test_an_unreachable_platform_propagates_and_moves_nothing(pool, walmart):
    class Down(Wrapped):
        def orders_since(self, cursor):
            raise PlatformUnavailable("Walmart is down")

    with pytest.raises(PlatformUnavailable):
        pool.platform_orders.poll("walmart", Down(channel_connector(pool, "walmart")))
    with pool.uow(write=False) as uow:
        assert uow.order_cursors.get("walmart") is None


def test_a_poll_overtaken_by_another_stops_and_never_moves_the_cursor_back(pool, walmart):
    class Overtaken(Wrapped):
        """Another poll of the channel runs to its end while this one reads its first page."""

        def orders_since(self, cursor):
            page = self.inner.orders_since(cursor)
            pool.platform_orders.poll("walmart", self.inner)
            return page

    buy(walmart, "SKU-0001", 1)
    walmart_connector = channel_connector(pool, "walmart")
    overtaken = pool.platform_orders.poll("walmart", Overtaken(walmart_connector))
    assert overtaken.pages == 1 and not overtaken.more
    with pool.uow(write=False) as uow:
        stored = uow.order_cursors.get("walmart")
    assert stored is not None and stored.orders_seen == 1  # the other poll's, left as it was
    assert totals(pool, "SKU-0001") == (9, 0, 1)
    assert pool.platform_orders.poll("walmart", walmart_connector).orders == 0
