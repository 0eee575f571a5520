"""`/v3/inventory`: reading what the shelf shows, and a PUT that shows only after the delay."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from stockpool.sandbox.core import Sandbox
from stockpool.sandbox.walmart import WalmartSandbox
from tests.sandbox.timing import Clock, eventually
from tests.sandbox.walmart_support import (
    Api,
    ClientFor,
    errors_of,
)

pytest_plugins = ["tests.sandbox.walmart_fixtures"]


def body(amount: Any, sku: str = "SKU-0001", unit: Any = "EACH") -> dict[str, Any]:
    return {"sku": sku, "quantity": {"unit": unit, "amount": amount}}


def shown(walmart_api: Api, sku: str = "SKU-0001") -> int:
    answer = walmart_api.get("/v3/inventory", params={"sku": sku})
    assert answer.status_code == 200, answer.text
    amount: int = answer.json()["quantity"]["amount"]
    return amount


def test_get_shows_what_buyers_see(walmart_api: Api, walmart: WalmartSandbox) -> None:
    answer = walmart_api.get("/v3/inventory", params={"sku": "SKU-0002"})
    assert answer.json() == body(10, "SKU-0002")
    with walmart.lock:
        walmart.place_order("SKU-0002", 3)
    assert shown(walmart_api, "SKU-0002") == 7


def test_a_put_is_echoed_at_once_and_shown_only_after_the_delay(
    walmart_api: Api, walmart: WalmartSandbox
) -> None:
    answer = walmart_api.put("/v3/inventory", params={"sku": "SKU-0001"}, json=body(4))
    assert answer.status_code == 200
    assert answer.json() == body(4)
    with walmart.lock:
        assert walmart.shelf.expected("SKU-0001") == 4
    assert eventually(lambda: shown(walmart_api), lambda amount: amount == 4) == 4


def test_a_put_shows_exactly_the_delay_later(
    walmart_client: ClientFor, serve: Callable[[Sandbox], str]
) -> None:
    clock = Clock()
    sandbox = WalmartSandbox(clock=clock, token_ttl_seconds=86_400)  # the default delay: 600 s
    sandbox.seed(1, quantity=10)
    with walmart_client(serve(sandbox)) as client:
        api = Api(client, sandbox.credentials["access_token"])
        assert api.put("/v3/inventory", params={"sku": "SKU-0001"}, json=body(4)).json() == body(4)
        assert shown(api) == 10
        clock.advance(599)
        assert shown(api) == 10
        api.put("/v3/inventory", params={"sku": "SKU-0001"}, json=body(2))
        clock.advance(1)
        assert shown(api) == 4  # the first push landed; the second is on its way
        clock.advance(599)
        assert shown(api) == 2


def test_the_sellers_ship_node_is_accepted_and_another_is_an_error(
    walmart_api: Api, walmart: WalmartSandbox
) -> None:
    node = walmart.credentials["ship_node"]
    params = {"sku": "SKU-0001", "shipNode": node}
    assert walmart_api.get("/v3/inventory", params=params).status_code == 200
    assert walmart_api.put("/v3/inventory", params=params, json=body(2)).status_code == 200
    for method in ("GET", "PUT"):
        answer = walmart_api.request(
            method, "/v3/inventory", params={"sku": "SKU-0001", "shipNode": "999"}, json=body(2)
        )
        assert answer.status_code == 400
        assert errors_of(answer)[0]["field"] == "shipNode"


@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_an_unknown_sku_is_404_content_not_found(walmart_api: Api, method: str) -> None:
    answer = walmart_api.request(
        method, "/v3/inventory", params={"sku": "NOT-LISTED"}, json=body(1, "NOT-LISTED")
    )
    assert answer.status_code == 404
    assert "errors" in answer.json()
    assert errors_of(answer)[0]["code"] == "CONTENT_NOT_FOUND"


BAD_BODIES: dict[str, tuple[bytes, str]] = {
    "malformed json": (b'{"sku": "SKU-0001", "quantity": {', "body"),
    "not utf-8": (b"\xff\xfe\x00", "body"),
    "a list": (b"[1, 2]", "body"),
    "other sku": (b'{"sku":"SKU-0002","quantity":{"unit":"EACH","amount":1}}', "sku"),
    "no sku": (b'{"quantity":{"unit":"EACH","amount":1}}', "sku"),
    "no quantity": (b'{"sku":"SKU-0001"}', "quantity"),
    "quantity a number": (b'{"sku":"SKU-0001","quantity":5}', "quantity"),
    "negative": (b'{"sku":"SKU-0001","quantity":{"unit":"EACH","amount":-1}}', "quantity.amount"),
    "fraction": (b'{"sku":"SKU-0001","quantity":{"unit":"EACH","amount":1.5}}', "quantity.amount"),
    "string amount": (
        b'{"sku":"SKU-0001","quantity":{"unit":"EACH","amount":"5"}}',
        "quantity.amount",
    ),
    "boolean amount": (
        b'{"sku":"SKU-0001","quantity":{"unit":"EACH","amount":true}}',
        "quantity.amount",
    ),
    "huge": (b'{"sku":"SKU-0001","quantity":{"unit":"EACH","amount":1e12}}', "quantity.amount"),
    "bad unit": (b'{"sku":"SKU-0001","quantity":{"unit":"BOX","amount":1}}', "quantity.unit"),
}


@pytest.mark.parametrize("case", list(BAD_BODIES))
def test_a_bad_put_body_is_400_invalid_request_param(
    walmart_api: Api, walmart: WalmartSandbox, case: str
) -> None:
    content, field = BAD_BODIES[case]
    answer = walmart_api.put(
        "/v3/inventory",
        params={"sku": "SKU-0001"},
        content=content,
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 400, answer.text
    item = errors_of(answer)[0]
    assert item["code"] == "INVALID_REQUEST_PARAM" and item["field"] == field
    with walmart.lock:
        assert walmart.shelf.expected("SKU-0001") == 10  # nothing was pushed


@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_the_sku_query_parameter_is_required(walmart_api: Api, method: str) -> None:
    answer = walmart_api.request(method, "/v3/inventory", json=body(1))
    assert answer.status_code == 400
    assert errors_of(answer)[0]["field"] == "sku"


def test_skus_with_reserved_characters_round_trip(
    walmart_api: Api, walmart: WalmartSandbox
) -> None:
    sku = "TEE/M BLK#1&2"
    with walmart.lock:
        walmart.add_listing(sku, 3)
    assert shown(walmart_api, sku) == 3
    assert walmart_api.put("/v3/inventory", params={"sku": sku}, json=body(5, sku)).json() == body(
        5, sku
    )
