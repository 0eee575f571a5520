"""Helpers for the Shopify sandbox tests: an Admin GraphQL client and a webhook receiver."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from stockpool.sandbox.shopify import ShopifySandbox

PRIMARY = "gid://shopify/Location/70000000001"
WAREHOUSE = "gid://shopify/Location/70000000002"

ITEM_QUERY = """
query($sku: String!) {
  productVariants(first: 1, query: $sku) {
    nodes { id sku inventoryItem { id inventoryLevel(locationId: "LOCATION") {
      quantities(names: ["available", "on_hand", "committed"]) { name quantity } } } }
  }
}
""".replace("LOCATION", PRIMARY)

SET = """
mutation Set($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id reason referenceDocumentUri
      changes { name delta quantityAfterChange item { id } location { id } } }
    userErrors { field message code }
  }
}
"""

SET_LEGACY = """
mutation Set($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) {
    inventoryAdjustmentGroup { id changes { name delta quantityAfterChange } }
    userErrors { field message code }
  }
}
"""

ADJUST = """
mutation Adjust($input: InventoryAdjustQuantitiesInput!, $key: String!) {
  inventoryAdjustQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id changes { name delta quantityAfterChange } }
    userErrors { field message code }
  }
}
"""


class Admin:
    """Admin GraphQL calls to a served sandbox, at one API version."""

    def __init__(self, sandbox: ShopifySandbox, base_url: str, version: str = "2026-10") -> None:
        self.sandbox = sandbox
        self.http = httpx.Client(
            base_url=base_url,
            headers={"X-Shopify-Access-Token": sandbox.credentials["access_token"]},
            timeout=10,
        )
        self.version = version

    def post(
        self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any
    ) -> httpx.Response:
        return self.http.post(
            f"/admin/api/{self.version}/graphql.json",
            json={"query": query, "variables": variables or {}},
            **kwargs,
        )

    def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        answer = self.post(query, variables).json()
        assert "errors" not in answer, answer
        result: dict[str, Any] = answer["data"]
        return result

    def item(self, sku: str) -> tuple[str, dict[str, int]]:
        """The inventory item id of `sku` and its quantities at the primary location."""
        variant = self.data(ITEM_QUERY, {"sku": f"sku:{sku}"})["productVariants"]["nodes"][0]
        item = variant["inventoryItem"]
        named = {q["name"]: q["quantity"] for q in item["inventoryLevel"]["quantities"]}
        return item["id"], named

    def set_available(
        self, item_id: str, quantity: int, change_from: int | None, key: str
    ) -> dict[str, Any]:
        line = {
            "inventoryItemId": item_id,
            "locationId": PRIMARY,
            "quantity": quantity,
            "changeFromQuantity": change_from,
        }
        variables = {"input": set_input([line]), "key": key}
        payload: dict[str, Any] = self.data(SET, variables)["inventorySetQuantities"]
        return payload


def set_input(quantities: list[dict[str, Any]], **overrides: Any) -> dict[str, Any]:
    return {
        "name": "available",
        "reason": "correction",
        "referenceDocumentUri": "gid://stockpool/SyncJob/42",
        "quantities": quantities,
        **overrides,
    }


def shown(sandbox: ShopifySandbox, sku: str) -> int:
    """What the storefront shows buyers for `sku` now."""
    with sandbox.lock:
        listing = sandbox.shelf.get(sku)
        assert listing is not None
        return listing.shown


def codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """What a webhook endpoint got; it answers `statuses` in turn, then 200."""

    url: str
    statuses: list[int] = field(default_factory=list)
    got: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def webhook_receiver(statuses: list[int] | None = None) -> Iterator[Receiver]:
    """An http.server on a free port recording every POST."""
    receiver = Receiver(url="", statuses=list(statuses or []))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with receiver.lock:
                receiver.got.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
