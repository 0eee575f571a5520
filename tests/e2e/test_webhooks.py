"""Shopify's webhooks to the served stockpool, end to end: a forged or unsigned one gets 401
and writes nothing; a genuine one sent again (its body and headers, as the sandbox delivered it)
answers 200 `replayed` and writes nothing. On both engines."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from tests.e2e.loop import SKUS, committed, connect, stock_up
from tests.e2e.processes import Processes, Stockpool
from tests.sandbox.timing import eventually


def written(stockpool: Stockpool) -> tuple[Any, ...]:
    """What a webhook could write: the orders, and the stock they commit."""
    return (
        stockpool.orders("shopify"),
        committed(stockpool, SKUS[0]),
        stockpool.call("GET", "/v1/ledger", limit=500)["items"],
    )


def headers_of(delivery: dict[str, Any], body: bytes, secret: str) -> dict[str, str]:
    """The headers the sandbox sent with this delivery (it signs the raw body with the secret)."""
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": delivery["topic"],
        "X-Shopify-Hmac-Sha256": signature.decode(),
        "X-Shopify-Webhook-Id": delivery["webhook_id"],
        "X-Shopify-Event-Id": delivery["event_id"],
        "X-Shopify-Triggered-At": delivery["triggered_at"],
    }


def test_forged_unsigned_and_replayed_webhooks_write_nothing(processes: Processes, database_url):
    sandboxes = processes.sandboxes(len(SKUS), seed=4)
    stockpool = processes.stockpool(database_url)
    stock_up(stockpool)
    connect(stockpool, sandboxes, ("shopify",))
    shopify = sandboxes.lines["shopify"]
    eventually(lambda: sandboxes.shown("shopify")[SKUS[0]], lambda shown: shown > 0, seconds=30)
    assert sandboxes.order("shopify", SKUS[0])  # a genuine sale, delivered by webhook

    def delivered() -> list[dict[str, Any]]:
        found = sandboxes.get("shopify", "/shopify/webhooks")
        return [d for d in found if d["topic"] == "orders/create" and d["status"] == "delivered"]

    (delivery, *_) = eventually(delivered, seconds=30)
    eventually(lambda: stockpool.orders("shopify"), lambda orders: len(orders) == 1)
    before = written(stockpool)
    # The sandbox signs json.dumps(payload, separators=(",", ":")): the same bytes again.
    body = json.dumps(delivery["body"], separators=(",", ":")).encode()
    genuine = headers_of(delivery, body, shopify["credentials"]["webhook_secret"])
    path = "/webhooks/shopify/shopify"

    forged_body = body.replace(b'"quantity":1', b'"quantity":9')
    forged = stockpool.client.post(path, content=forged_body, headers=genuine)
    unsigned = {k: v for k, v in genuine.items() if k != "X-Shopify-Hmac-Sha256"}
    fresh = {**unsigned, "X-Shopify-Event-Id": "a-new-event"}
    wrong_key = headers_of(delivery, body, "not-the-secret") | {"X-Shopify-Event-Id": "another"}
    assert forged.status_code == 401, forged.text
    assert stockpool.client.post(path, content=body, headers=fresh).status_code == 401
    assert stockpool.client.post(path, content=body, headers=wrong_key).status_code == 401
    assert written(stockpool) == before

    replayed = stockpool.client.post(path, content=body, headers=genuine)
    assert replayed.status_code == 200, replayed.text
    assert replayed.json()["replayed"] is True
    assert written(stockpool) == before
