"""Why stockpool exists: slow sync plus buyers on three storefronts sell one unit three times.

The seller acts through each platform's own API (tokens, writes, reads), as a connector would.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from stockpool.sandbox.amazon import AmazonSandbox
from stockpool.sandbox.core import Sandbox
from stockpool.sandbox.shopify import ShopifySandbox
from stockpool.sandbox.walmart import WalmartSandbox
from tests.sandbox.timing import eventually

SKU = "SKU-0001"
DELAY = 5.0
FIND = """query($q: String!) { productVariants(first: 1, query: $q) {
  nodes { inventoryItem { id inventoryLevels(first: 1) { nodes { location { id } } } } } } }"""
SET = """mutation($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) { userErrors { code message } } }"""


def shopify_setter(shop: ShopifySandbox, url: str) -> Callable[[int], None]:
    admin = httpx.Client(
        base_url=f"{url}/admin/api/2026-10",
        headers={"X-Shopify-Access-Token": shop.credentials["access_token"]},
    )
    found = admin.post("/graphql.json", json={"query": FIND, "variables": {"q": f"sku:{SKU}"}})
    item = found.json()["data"]["productVariants"]["nodes"][0]["inventoryItem"]
    location = item["inventoryLevels"]["nodes"][0]["location"]["id"]

    def set_to(quantity: int) -> None:
        change = {"inventoryItemId": item["id"], "locationId": location, "quantity": quantity}
        variables = {
            "key": str(uuid.uuid4()),
            "input": {
                "name": "available",
                "reason": "correction",
                "quantities": [{**change, "changeFromQuantity": None}],
            },
        }
        answer = admin.post("/graphql.json", json={"query": SET, "variables": variables}).json()
        assert answer["data"]["inventorySetQuantities"]["userErrors"] == [], answer

    return set_to


def amazon_setter(amazon: AmazonSandbox, url: str) -> Callable[[int], None]:
    credentials = amazon.credentials
    token = httpx.post(
        f"{url}/auth/o2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": credentials["refresh_token"],
            "client_id": credentials["client_id"],
            "client_secret": credentials["client_secret"],
        },
    ).json()["access_token"]
    api = httpx.Client(base_url=url, headers={"x-amz-access-token": token})

    def set_to(quantity: int) -> None:
        answer = api.patch(
            f"/listings/2021-08-01/items/{credentials['seller_id']}/{SKU}",
            params={"marketplaceIds": credentials["marketplace_id"]},
            json={
                "productType": "PRODUCT",
                "patches": [
                    {
                        "op": "replace",
                        "path": "/attributes/fulfillment_availability",
                        "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": quantity}],
                    }
                ],
            },
        )
        assert answer.json()["status"] == "ACCEPTED", answer.text

    return set_to


def walmart_setter(walmart: WalmartSandbox, url: str) -> Callable[[int], None]:
    credentials = walmart.credentials
    basic = base64.b64encode(
        f"{credentials['client_id']}:{credentials['client_secret']}".encode()
    ).decode()
    service = {"WM_SVC.NAME": "Walmart Marketplace", "Accept": "application/json"}
    token = httpx.post(
        f"{url}/v3/token",
        headers={**service, "Authorization": f"Basic {basic}", "WM_QOS.CORRELATION_ID": "t-1"},
        data={"grant_type": "client_credentials"},
    ).json()["access_token"]

    def set_to(quantity: int) -> None:
        answer = httpx.put(
            f"{url}/v3/inventory",
            params={"sku": SKU},
            headers={
                **service,
                "WM_SEC.ACCESS_TOKEN": token,
                "WM_QOS.CORRELATION_ID": str(uuid.uuid4()),
            },
            json={"sku": SKU, "quantity": {"unit": "EACH", "amount": quantity}},
        )
        assert answer.status_code == 200, answer.text

    return set_to


def shown(url: str) -> dict[str, Any]:
    listing: dict[str, Any] = httpx.get(f"{url}/_sandbox/listings/{SKU}").json()
    return listing


def test_one_unit_shown_everywhere_is_sold_on_all_three_while_the_zero_is_on_its_way(
    serve: Callable[[Sandbox], str],
) -> None:
    shop = ShopifySandbox(delay_seconds=0, seed=1)
    amazon = AmazonSandbox(delay_seconds=0, seed=2)
    walmart = WalmartSandbox(delay_seconds=0, seed=3)
    sandboxes: list[Sandbox] = [shop, amazon, walmart]
    urls = []
    for sandbox in sandboxes:
        sandbox.seed(1)
        urls.append(serve(sandbox))
    setters = [
        shopify_setter(shop, urls[0]),
        amazon_setter(amazon, urls[1]),
        walmart_setter(walmart, urls[2]),
    ]
    for set_to, url in zip(setters, urls, strict=True):
        set_to(1)  # the one unit on the shelf, shown on every storefront
        eventually(lambda url=url: shown(url)["shown"], lambda quantity: quantity == 1, 5)
        assert httpx.put(f"{url}/_sandbox/delay", json={"seconds": DELAY}).status_code == 200

    # A buyer takes it on Shopify; the seller at once tells Amazon and Walmart there is none.
    assert httpx.post(f"{urls[0]}/_sandbox/orders", json={"sku": SKU}).status_code == 201
    setters[1](0)
    setters[2](0)
    # Their storefronts still show 1 until the zero arrives, and their buyers keep buying.
    for url in urls[1:]:
        httpx.put(f"{url}/_sandbox/buyers", json={"rate_per_minute": 6000, "skus": [SKU]})
    for url in urls[1:]:
        eventually(lambda url=url: shown(url)["sold"], lambda sold: sold == 1, DELAY)
        listing = shown(url)
        assert listing["shown"] == 0 and listing["pending"][0]["quantity"] == 0
        assert listing["pending"][0]["visible_in_seconds"] > 0  # the zero had not landed yet
        httpx.put(f"{url}/_sandbox/buyers", json={"rate_per_minute": 0})

    orders = [httpx.get(f"{url}/_sandbox/orders").json() for url in urls]
    assert [len(placed) for placed in orders] == [1, 1, 1]  # one unit, three orders accepted
    assert shop.orders[0]["line_items"][0]["sku"] == SKU
    # Once the zero lands nobody else can buy: the overselling was the delay's window alone.
    for url in urls[1:]:
        eventually(lambda url=url: shown(url)["pending"], lambda pending: pending == [], DELAY + 5)
        assert shown(url)["shown"] == 0 and shown(url)["sold"] == 1
