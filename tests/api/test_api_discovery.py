"""Discovering listings through HTTP, against the Shopify sandbox served on a free port: every
item whose SKU is one of ours is mapped with its inventory item and location; the rest are
reported."""

import pytest
from tests.sandbox.timing import Clock

from stockpool.sandbox.serve import running
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
