"""Shopify webhooks through HTTP: a delivery Shopify signed is taken once; anything else is a
401 that writes nothing."""

import base64
import hashlib
import hmac
import json

import pytest

TEE, DAL = "TEE-M-BLK", "DAL-1"
SECRET = "hook-secret-of-the-app"
CREDENTIALS = {"access_token": "shpat_x", "webhook_secret": SECRET, "api_version": "2026-10"}
PATH = "/webhooks/shopify/shop-us"


def signed(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def delivery(topic: str, event_id: str, **order):
    body = json.dumps(
        {
            "id": 5001,
            "name": "#1001",
            "created_at": "2026-11-28T09:00:00Z",
            "updated_at": "2026-11-28T09:00:00Z",
            "cancelled_at": None,
            "financial_status": "paid",
            "fulfillment_status": None,
            "line_items": [{"id": 1, "variant_id": 2, "sku": "SHOP-TEE", "quantity": 2}],
            **order,
        }
    ).encode()
    headers = {
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": signed(body),
        "X-Shopify-Event-Id": event_id,
        "Content-Type": "application/json",
    }
    return body, headers


@pytest.fixture
def shop(api):
    body = {
        "platform": "shopify",
        "connection": {"url": "http://127.0.0.1:8101", "credentials": CREDENTIALS},
    }
    assert api.client.put("/v1/channels/shop-us", json=body, headers=api.admin).status_code == 201
    listing = {"sku": TEE, "inventory_item_id": "gid://1", "location_id": "gid://2"}
    path = "/v1/channels/shop-us/listings/SHOP-TEE"
    assert api.client.put(path, json=listing, headers=api.admin).status_code == 201
    api.receive(TEE, DAL, 5)
    return api


@pytest.mark.both_engines
def test_a_signed_order_is_taken_once_and_its_cancellation_gives_the_units_back(shop):
    body, headers = delivery("orders/create", "evt-1")
    taken = shop.client.post(PATH, content=body, headers=headers)
    assert taken.status_code == 200, taken.text
    assert taken.json() == {
        "event_id": "evt-1",
        "orders": 1,
        "returns": 0,
        "replayed": False,
        "refused": [],
    }
    assert shop.stock(TEE)["totals"]["committed"] == 2
    before = shop.snapshot()
    again = shop.client.post(PATH, content=body, headers=headers)
    assert again.json()["replayed"] is True and shop.snapshot() == before
    body, headers = delivery("orders/cancelled", "evt-2", cancelled_at="2026-11-28T10:00:00Z")
    assert shop.client.post(PATH, content=body, headers=headers).status_code == 200
    totals = shop.stock(TEE)["totals"]
    assert (totals["available"], totals["committed"]) == (5, 0)


@pytest.mark.parametrize(
    "forge",
    [
        lambda h: {**h, "X-Shopify-Hmac-Sha256": signed(b"another body")},
        lambda h: {**h, "X-Shopify-Hmac-Sha256": signed(b"", "another secret")},
        lambda h: {k: v for k, v in h.items() if k != "X-Shopify-Hmac-Sha256"},
    ],
    ids=["forged", "wrong-secret", "unsigned"],
)
def test_a_delivery_shopify_did_not_sign_is_401_and_writes_nothing(shop, forge):
    body, headers = delivery("orders/create", "evt-9")
    before = shop.snapshot()
    refused = shop.client.post(PATH, content=body, headers=forge(headers))
    assert refused.status_code == 401 and "detail" in refused.json()
    assert shop.snapshot() == before


def test_a_channel_not_connected_is_told_how_to_connect_it(api):
    body, headers = delivery("orders/create", "evt-1")
    refused = api.client.post("/webhooks/shopify/shopify", content=body, headers=headers)
    assert refused.status_code == 409 and "not connected" in refused.json()["detail"]


def test_an_order_refused_for_good_is_said_and_its_sku_reported_unmapped(shop):
    body, headers = delivery(
        "orders/create",
        "evt-3",
        id=5002,
        line_items=[{"id": 1, "variant_id": 2, "sku": "NOT-LISTED", "quantity": 1}],
    )
    taken = shop.client.post(PATH, content=body, headers=headers).json()
    assert taken["orders"] == 1 and "NOT-LISTED" in taken["refused"][0]
    unmapped = shop.get("/v1/channels/shop-us/unmapped").json()["items"]
    assert [u["channel_sku"] for u in unmapped] == ["NOT-LISTED"]
