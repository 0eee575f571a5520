"""What the Amazon sandbox tests share: a clock they move by hand and a seller calling over HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from stockpool.sandbox.amazon import AmazonSandbox
from stockpool.sandbox.core import Sandbox
from tests.sandbox.timing import Clock

MARKETPLACE = "ATVPDKIKX0DER"
FULFILLMENT = "/attributes/fulfillment_availability"
Serve = Callable[[Sandbox], str]


def quantity_patch(quantity: Any, op: str = "replace", **entry: Any) -> dict[str, Any]:
    value = {"fulfillment_channel_code": "DEFAULT", "quantity": quantity, **entry}
    return {
        "productType": "PRODUCT",
        "patches": [{"op": op, "path": FULFILLMENT, "value": [value]}],
    }


def feed_message(message_id: int, sku: str, quantity: Any, op: str = "replace") -> dict[str, Any]:
    return {
        "messageId": message_id,
        "sku": sku,
        "operationType": "PATCH",
        "productType": "PRODUCT",
        "patches": quantity_patch(quantity, op)["patches"],
    }


@dataclass
class Seller:
    """A selling partner's app calling the sandbox; keeps every answer for the contract check."""

    sandbox: AmazonSandbox
    clock: Clock
    url: str
    http: httpx.Client
    answers: list[httpx.Response] = field(default_factory=list)

    @property
    def seller_id(self) -> str:
        return self.sandbox.credentials["seller_id"]

    def listing_path(self, sku: str, seller_id: str | None = None) -> str:
        return f"/listings/2021-08-01/items/{seller_id or self.seller_id}/{sku}"

    def patch(self, sku: str, body: Any, **params: str) -> httpx.Response:
        return self.http.patch(
            self.listing_path(sku), params={"marketplaceIds": MARKETPLACE, **params}, json=body
        )

    def set_quantity(self, sku: str, quantity: Any, **params: str) -> httpx.Response:
        return self.patch(sku, quantity_patch(quantity), **params)

    def get_listing(self, sku: str, included: str = "fulfillmentAvailability") -> httpx.Response:
        return self.http.get(
            self.listing_path(sku), params={"marketplaceIds": MARKETPLACE, "includedData": included}
        )

    def search(self, **params: Any) -> httpx.Response:
        """searchListingsItems in the marketplace, with `params` as its query."""
        return self.http.get(
            f"/listings/2021-08-01/items/{self.seller_id}",
            params={"marketplaceIds": MARKETPLACE, **params},
        )

    def shown(self, sku: str) -> int:
        answer = self.get_listing(sku)
        assert answer.status_code == 200, answer.text
        quantity: int = answer.json()["fulfillmentAvailability"][0]["quantity"]
        return quantity

    def upload(self, content: bytes, content_type: str = "application/json; charset=UTF-8") -> str:
        """A feed document holding `content`; its id."""
        created = self.http.post("/feeds/2021-06-30/documents", json={"contentType": content_type})
        assert created.status_code == 201, created.text
        put = httpx.put(
            created.json()["url"], content=content, headers={"content-type": content_type}
        )
        assert put.status_code == 200, put.text
        document_id: str = created.json()["feedDocumentId"]
        return document_id

    def submit_feed(self, document: dict[str, Any] | bytes) -> str:
        content = document if isinstance(document, bytes) else json.dumps(document).encode()
        created = self.http.post(
            "/feeds/2021-06-30/feeds",
            json={
                "feedType": "JSON_LISTINGS_FEED",
                "marketplaceIds": [MARKETPLACE],
                "inputFeedDocumentId": self.upload(content),
            },
        )
        assert created.status_code == 202, created.text
        feed_id: str = created.json()["feedId"]
        return feed_id

    def feed(self, feed_id: str) -> dict[str, Any]:
        answer = self.http.get(f"/feeds/2021-06-30/feeds/{feed_id}")
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found

    def report(self, feed: dict[str, Any]) -> dict[str, Any]:
        document = self.http.get(f"/feeds/2021-06-30/documents/{feed['resultFeedDocumentId']}")
        assert document.status_code == 200, document.text
        report: dict[str, Any] = httpx.get(document.json()["url"]).json()
        return report

    def feed_document(self, *messages: dict[str, Any]) -> dict[str, Any]:
        return {
            "header": {"sellerId": self.seller_id, "version": "2.0"},
            "messages": list(messages),
        }


@contextmanager
def open_seller(serve: Serve, *, skus: int = 3, shown: int = 5, **options: Any) -> Iterator[Seller]:
    """A served sandbox on a hand-moved clock (listings SKU-0001… showing `shown`) and its seller."""
    clock = options.pop("clock", None) or Clock()
    options.setdefault("delay_seconds", 60)
    options.setdefault("token_lifetime_seconds", 10**7)  # tests move the clock by hours
    options.setdefault("feed_queue_seconds", 10)
    options.setdefault("feed_processing_seconds", 20)
    sandbox = AmazonSandbox(clock=clock, seed=7, **options)
    sandbox.seed(skus, shown)
    url = serve(sandbox)
    answers: list[httpx.Response] = []

    def keep(response: httpx.Response) -> None:
        response.read()
        answers.append(response)

    http = httpx.Client(
        base_url=url,
        headers={"x-amz-access-token": sandbox.credentials["access_token"]},
        event_hooks={"response": [keep]},
        timeout=10,
    )
    with http:
        yield Seller(sandbox, clock, url, http, answers)


def error_of(response: httpx.Response) -> dict[str, Any]:
    """The one SP-API error in an answer, after checking the error headers are there."""
    assert "x-amzn-RequestId" in response.headers
    assert "x-amzn-ErrorType" in response.headers
    errors = response.json()["errors"]
    assert len(errors) == 1, errors
    found: dict[str, Any] = errors[0]
    return found
