"""Discovering listings through HTTP, against the Shopify sandbox served on a free port: every
item whose SKU is one of ours is mapped with its inventory item and location; the rest are
reported."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
import uvicorn
from tests.sandbox.timing import Clock, eventually

from stockpool.channels.shopify import ShopifyConnector
from stockpool.sandbox.serve import bind, running, url_of
from stockpool.sandbox.shopify import ShopifySandbox


@pytest.fixture
def shop():
    sandbox = ShopifySandbox(delay_seconds=0, seed=3, clock=Clock())
    sandbox.seed(3, quantity=5)  # SKU-0001 .. SKU-0003
    with running(sandbox) as url:
        yield sandbox.describe() | {"url": url}
    sandbox.close()


def test_discovery_maps_what_matches_and_reports_the_rest(api, shop):
    for code in ("SKU-0001", "SKU-0002"):
        assert api.client.put(
            f"/v1/skus/{code}", json={"name": code}, headers=api.operator
        ).is_success
    connection = {"url": shop["url"], "credentials": shop["credentials"]}
    body = {"platform": "shopify", "connection": connection}
    assert api.client.put("/v1/channels/shop", json=body, headers=api.admin).status_code == 201
    path = "/v1/channels/shop/listings:discover"
    found = api.client.post(path, headers=api.operator)
    assert found.status_code == 200, found.text
    assert found.json() == {
        "mapped": ["SKU-0001", "SKU-0002"],
        "already_mapped": 0,
        "unmatched": ["SKU-0003"],
    }
    listing = api.get("/v1/channels/shop/listings/SKU-0001").json()
    assert listing["sku"] == "SKU-0001" and listing["inventory_item_id"] and listing["location_id"]
    again = api.client.post(path, headers=api.operator).json()
    assert again == {"mapped": [], "already_mapped": 2, "unmatched": ["SKU-0003"]}


def test_discovering_on_a_channel_not_connected_says_how_to_connect_it(api):
    refused = api.client.post("/v1/channels/amazon/listings:discover", headers=api.operator)
    assert refused.status_code == 409 and "not connected" in refused.json()["detail"]


@contextmanager
def serving(app) -> Iterator[str]:
    """stockpool's app served on a free port in a thread, as `stockpool serve` would."""
    sock = bind()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    eventually(lambda: server.started)
    try:
        yield url_of(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def test_a_shopify_sale_reaches_stockpool_by_its_signed_webhook(api, clock):
    """The loop's first half for real: the sandbox signs and sends orders/create to the address
    the connector registered; stockpool takes the order and commits its units."""
    clock.now = datetime.now(UTC)  # the sandbox dates its orders by the wall clock
    sandbox = ShopifySandbox(delay_seconds=0, seed=3, clock=Clock())
    sandbox.seed(1, quantity=5)
    assert api.client.put("/v1/skus/SKU-0001", json={"name": "x"}, headers=api.operator).is_success
    api.receive("SKU-0001", "DAL-1", 5)
    with running(sandbox) as shop_url, serving(api.client.app) as stockpool_url:
        connection = {"url": shop_url, "credentials": sandbox.credentials}
        body = {"platform": "shopify", "connection": connection}
        assert api.client.put("/v1/channels/shop", json=body, headers=api.admin).is_success
        path = "/v1/channels/shop/listings:discover"
        assert api.client.post(path, headers=api.operator).json()["mapped"] == ["SKU-0001"]
        connector = ShopifyConnector(shop_url, sandbox.credentials)
        connector.register_webhooks(f"{stockpool_url}/webhooks/shopify/shop")
        connector.close()
        with sandbox.lock:
            assert sandbox.place_order("SKU-0001", 2) is not None
        orders = eventually(lambda: api.get("/v1/orders", channel="shop").json()["items"])
    assert [(o["status"], o["lines"][0]["committed"]) for o in orders] == [("committed", 2)]
    assert api.stock("SKU-0001")["totals"]["committed"] == 2
