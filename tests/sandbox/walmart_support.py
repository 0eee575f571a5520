"""Helpers the Walmart sandbox tests share: Walmart's headers, bodies, polling, a client."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from stockpool.sandbox.walmart import WalmartSandbox

ClientFor = Callable[[str], httpx.Client]  # a client for the sandbox at this base URL

DELAY = 0.3  # a PUT shows after this long
FEED_SECONDS = 0.6  # a feed processes for this long (RECEIVED for the first FEED_RECEIVED)
FEED_RECEIVED = 0.15


def walmart_headers(token: str | None = None, **more: str) -> dict[str, str]:
    headers = {
        "WM_SVC.NAME": "Walmart Marketplace",
        "WM_QOS.CORRELATION_ID": str(uuid.uuid4()),
        "Accept": "application/json",
    }
    if token is not None:
        headers["WM_SEC.ACCESS_TOKEN"] = token
    headers.update(more)
    return headers


def basic(client_id: str, client_secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()


def errors_of(response: httpx.Response) -> list[dict[str, Any]]:
    """The error items, whichever of Walmart's two wrappers carries them."""
    body = response.json()
    found: list[dict[str, Any]] = body.get("errors") or body.get("error") or []
    return found


def cancellation(line: str = "1", units: Any = "1", **status: Any) -> dict[str, Any]:
    entry = {
        "status": "Cancelled",
        "cancellationReason": "SELLER_CANCEL_OUT_OF_STOCK",
        "statusQuantity": {"unitOfMeasurement": "EACH", "amount": units},
        **status,
    }
    return {
        "orderCancellation": {
            "orderLines": {
                "orderLine": [
                    {"lineNumber": line, "orderLineStatuses": {"orderLineStatus": [entry]}}
                ]
            }
        }
    }


def shipment(line: str = "1", units: str = "1", **tracking: Any) -> dict[str, Any]:
    info = {
        "shipDateTime": 1_780_000_000_000,
        "carrierName": {"carrier": "UPS"},
        "methodCode": "Standard",
        "trackingNumber": "1Z999",
        **tracking,
    }
    entry = {
        "status": "Shipped",
        "statusQuantity": {"unitOfMeasurement": "EACH", "amount": units},
        "trackingInfo": info,
    }
    line_entry = {
        "lineNumber": line,
        "sellerOrderId": "SP-1",
        "orderLineStatuses": {"orderLineStatus": [entry]},
    }
    return {"orderShipment": {"orderLines": {"orderLine": [line_entry]}}}


def buy(walmart: WalmartSandbox, sku: str = "SKU-0001", units: int = 1) -> str:
    with walmart.lock:
        order = walmart.place_order(sku, units)
    assert order is not None
    purchase_order_id: str = order["purchaseOrderId"]
    return purchase_order_id


class Api:
    """A checked client with Walmart's headers and the sandbox's pre-issued token."""

    def __init__(self, client: httpx.Client, token: str) -> None:
        self.client = client
        self.token = token

    def request(self, method: str, path: str, **options: Any) -> httpx.Response:
        headers = {**walmart_headers(self.token), **options.pop("headers", {})}
        return self.client.request(method, path, headers=headers, **options)

    def get(self, path: str, **options: Any) -> httpx.Response:
        return self.request("GET", path, **options)

    def put(self, path: str, **options: Any) -> httpx.Response:
        return self.request("PUT", path, **options)

    def post(self, path: str, **options: Any) -> httpx.Response:
        return self.request("POST", path, **options)


def ship(api: Api, purchase_order_id: str, units: str = "1") -> None:
    """The seller ships `units` of line 1 (acknowledging the order first)."""
    assert api.post(f"/v3/orders/{purchase_order_id}/acknowledge").status_code == 200
    answer = api.post(f"/v3/orders/{purchase_order_id}/shipping", json=shipment(units=units))
    assert answer.status_code == 200, answer.text


def start_return(
    api: Api, purchase_order_id: str, *lines: tuple[str, int], **options: Any
) -> httpx.Response:
    """A buyer returns these (sku, units) of the purchase order (control route)."""
    body = {"lines": [{"sku": sku, "quantity": units} for sku, units in lines], **options}
    return api.client.post(f"/_sandbox/walmart/orders/{purchase_order_id}/return", json=body)


def receive_return(api: Api, return_order_id: str) -> httpx.Response:
    return api.client.post(f"/_sandbox/walmart/returns/{return_order_id}/receive")


def set_wfs(api: Api, sku: str, on_hand: int, available: int | None = None) -> httpx.Response:
    body: dict[str, Any] = {"on_hand": on_hand}
    if available is not None:
        body["available_to_sell"] = available
    return api.client.put(f"/_sandbox/walmart/wfs/{sku}", json=body)
