"""The Walmart sandbox against Walmart's published models: the check bites, and one walk through
every operation and every error status it serves passes it."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_core.validation.request.exceptions import MissingRequiredParameter
from openapi_core.validation.response.exceptions import InvalidData

from stockpool.sandbox.walmart import WalmartSandbox
from stockpool.sandbox.walmart.gateway import Quota
from tests.sandbox.timing import eventually
from tests.sandbox.walmart_contract import SERVER, WalmartContract
from tests.sandbox.walmart_support import (
    Api,
    basic,
    buy,
    cancellation,
    errors_of,
    receive_return,
    set_wfs,
    ship,
    shipment,
    start_return,
    walmart_headers,
)

pytest_plugins = ["tests.sandbox.walmart_fixtures"]


def exchange(
    method: str, path: str, status: int, body: Any, headers: dict[str, str] | None = None
) -> tuple[httpx.Request, httpx.Response]:
    """A well-formed call (as the sandbox's clients make it) and the given answer."""
    if path == "/v3/token":
        headers = headers or {
            **walmart_headers(),
            "Authorization": basic("id", "secret"),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        request = httpx.Request(
            method, SERVER + path, headers=headers, content=b"grant_type=client_credentials"
        )
    else:
        request = httpx.Request(method, SERVER + path, headers=headers or walmart_headers("t"))
    return request, httpx.Response(status, json=body, request=request)


@pytest.mark.parametrize(
    ("method", "path", "status", "body"),
    [
        ("GET", "/v3/inventory?sku=A", 200, {"sku": "A", "quantity": {"unit": "BOX", "amount": 1}}),
        (
            "GET",
            "/v3/inventory?sku=A",
            200,
            {"sku": "A", "quantity": {"unit": "EACH", "amount": "1"}},
        ),
        ("GET", "/v3/inventory?sku=A", 404, {"message": "not found"}),
        ("GET", "/v3/feeds/X", 200, {"feedId": "X", "feedStatus": "DONE"}),
        ("GET", "/v3/orders", 200, {"list": {"meta": {"totalCount": "two"}, "elements": {}}}),
        ("POST", "/v3/token", 200, {"access_token": "t", "token_type": "Bearer"}),
    ],
    ids=["bad-unit", "amount-text", "error-unwrapped", "feed-status", "count-text", "no-expiry"],
)
def test_the_check_rejects_what_walmart_would_not_send(
    walmart_contract: WalmartContract, method: str, path: str, status: int, body: Any
) -> None:
    request, response = exchange(method, path, status, body)
    with pytest.raises(InvalidData):
        walmart_contract.check(request, response)


def test_the_check_rejects_an_accepted_call_without_walmarts_headers(
    walmart_contract: WalmartContract,
) -> None:
    request, response = exchange(
        "GET",
        "/v3/inventory?sku=A",
        200,
        {"sku": "A", "quantity": {"unit": "EACH", "amount": 1}},
        headers={"WM_SEC.ACCESS_TOKEN": "token"},
    )
    with pytest.raises(MissingRequiredParameter):
        walmart_contract.check(request, response)


def template(path: str) -> str:
    path = re.sub(r"^/v3/feeds/[^/]+", "/v3/feeds/{feedId}", path)
    return re.sub(r"^/v3/orders/(?!released)[^/]+", "/v3/orders/{purchaseOrderId}", path)


def test_every_operation_and_error_status_fits_the_models(
    walmart_contract: WalmartContract,
    walmart_api: Api,
    walmart_bare: httpx.Client,
    walmart: WalmartSandbox,
) -> None:
    already = len(walmart_contract.checked)
    credentials = walmart.credentials
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    token_headers = {**walmart_headers(), **form}
    good = basic(credentials["client_id"], credentials["client_secret"])
    walmart_bare.post(
        "/v3/token",
        headers={**token_headers, "Authorization": good},
        content=b"grant_type=client_credentials",
    )
    walmart_bare.post(
        "/v3/token",
        headers={**token_headers, "Authorization": good, "Accept": "application/xml"},
        content=b"grant_type=client_credentials",
    )
    walmart_bare.post(
        "/v3/token",
        headers={**token_headers, "Authorization": basic("x", "y")},
        content=b"grant_type=client_credentials",
    )
    walmart_bare.post(
        "/v3/token",
        headers={**token_headers, "Authorization": good},
        content=b"grant_type=password",
    )
    walmart_bare.get("/v3/inventory?sku=SKU-0001", headers=walmart_headers())
    walmart_bare.get("/v3/inventory?sku=SKU-0001", headers={"WM_SVC.NAME": "Walmart Marketplace"})

    inventory = {"sku": "SKU-0001", "quantity": {"unit": "EACH", "amount": 5}}
    walmart_api.get("/v3/inventory", params={"sku": "SKU-0001"})
    walmart_api.get("/v3/inventory", params={"sku": "NOPE"})
    walmart_api.put("/v3/inventory", params={"sku": "SKU-0001"}, json=inventory)
    walmart_api.put("/v3/inventory", params={"sku": "SKU-0001"}, json={"sku": "SKU-0001"})

    feed = {"InventoryHeader": {"version": "1.4"}, "Inventory": [inventory]}
    file = {"file": ("feed.json", json.dumps(feed).encode(), "application/json")}
    feed_id = walmart_api.post("/v3/feeds", params={"feedType": "inventory"}, files=file).json()[
        "feedId"
    ]
    walmart_api.post("/v3/feeds", params={"feedType": "nope"}, files=file)
    eventually(
        lambda: walmart_api.get(f"/v3/feeds/{feed_id}", params={"includeDetails": "true"}).json(),
        lambda found: found["feedStatus"] == "PROCESSED",
    )
    walmart_api.get("/v3/feeds/NOPE")
    walmart_api.get(f"/v3/feeds/{feed_id}", params={"limit": "0"})
    walmart_api.get("/v3/feeds")

    walmart_api.get("/v3/orders")  # none yet: 404
    purchase_order_id = buy(walmart, "SKU-0002", 3)
    buy(walmart, "SKU-0003", 1)
    first = walmart_api.get("/v3/orders", params={"limit": "1"}).json()
    walmart_api.get("/v3/orders" + first["list"]["meta"]["nextCursor"])
    walmart_api.get("/v3/orders", params={"limit": "900"})
    walmart_api.get("/v3/orders/released")
    walmart_api.get(f"/v3/orders/{purchase_order_id}")
    walmart_api.get("/v3/orders/404")
    walmart_api.post(f"/v3/orders/{purchase_order_id}/acknowledge")
    walmart_api.post(f"/v3/orders/{purchase_order_id}/cancel", json=cancellation())
    walmart_api.post(f"/v3/orders/{purchase_order_id}/cancel", json=cancellation(line="9"))
    walmart_api.post(f"/v3/orders/{purchase_order_id}/shipping", json=shipment(units="2"))
    walmart_api.post(f"/v3/orders/{purchase_order_id}/shipping", json=shipment())

    walmart.faults.throttle_rate = 1.0
    walmart_api.get("/v3/orders")
    walmart.faults.throttle_rate, walmart.faults.error_rate = 0.0, 1.0
    walmart_api.put("/v3/inventory", params={"sku": "SKU-0001"}, json=inventory)
    walmart.faults.error_rate = 0.0

    covered = {
        (method, template(path), status)
        for method, path, status in walmart_contract.checked[already:]
    }
    assert covered >= {
        ("POST", "/v3/token", 200),
        ("POST", "/v3/token", 400),
        ("POST", "/v3/token", 401),
        ("GET", "/v3/inventory", 200),
        ("GET", "/v3/inventory", 400),
        ("GET", "/v3/inventory", 401),
        ("GET", "/v3/inventory", 404),
        ("PUT", "/v3/inventory", 200),
        ("PUT", "/v3/inventory", 400),
        ("PUT", "/v3/inventory", 500),
        ("POST", "/v3/feeds", 200),
        ("POST", "/v3/feeds", 400),
        ("GET", "/v3/feeds", 200),
        ("GET", "/v3/feeds/{feedId}", 200),
        ("GET", "/v3/feeds/{feedId}", 400),
        ("GET", "/v3/feeds/{feedId}", 404),
        ("GET", "/v3/orders", 200),
        ("GET", "/v3/orders", 400),
        ("GET", "/v3/orders", 404),
        ("GET", "/v3/orders", 429),
        ("GET", "/v3/orders/released", 200),
        ("GET", "/v3/orders/{purchaseOrderId}", 200),
        ("GET", "/v3/orders/{purchaseOrderId}", 404),
        ("POST", "/v3/orders/{purchaseOrderId}/acknowledge", 200),
        ("POST", "/v3/orders/{purchaseOrderId}/cancel", 200),
        ("POST", "/v3/orders/{purchaseOrderId}/cancel", 400),
        ("POST", "/v3/orders/{purchaseOrderId}/shipping", 200),
        ("POST", "/v3/orders/{purchaseOrderId}/shipping", 400),
    }


def test_items_traffic_fits_the_items_model(
    walmart_contract: WalmartContract, walmart_api: Api, walmart_bare: httpx.Client
) -> None:
    if not walmart_contract.covers("items"):
        pytest.skip(
            "Walmart's Items model is not there: put its Item Management model (0.6.3) at "
            "walmart/items.json beside the others to check GET /v3/items"
        )
    already = len(walmart_contract.checked)
    first = walmart_api.get("/v3/items", params={"nextCursor": "*", "limit": "2"})
    walmart_api.get("/v3/items", params={"nextCursor": first.json()["nextCursor"], "limit": "2"})
    walmart_api.get("/v3/items", params={"offset": "4", "lifecycleStatus": "ACTIVE"})
    walmart_api.get("/v3/items", params={"sku": "SKU-0003"})
    walmart_api.get("/v3/items", params={"sku": "NOPE"})
    walmart_api.get("/v3/items", params={"limit": "900"})
    walmart_bare.get("/v3/items", headers=walmart_headers())
    statuses = [status for _, _, status in walmart_contract.checked[already:]]
    assert statuses == [200, 200, 200, 200, 404, 400, 401]
    request, response = exchange("GET", "/v3/items", 200, {"ItemResponse": [{"wpid": "X"}]})
    with pytest.raises(InvalidData):  # an item without its sku
        walmart_contract.check(request, response)


def test_wfs_inventory_traffic_fits_the_inventory_model(
    walmart_contract: WalmartContract, walmart_api: Api, walmart_bare: httpx.Client
) -> None:
    already = len(walmart_contract.checked)
    for sku in ("WFS-A", "WFS-B", "WFS-C"):
        set_wfs(walmart_api, sku, 5, available=4)  # a control route: not checked
    walmart_api.get("/v3/fulfillment/inventory", params={"limit": "2"})
    walmart_api.get("/v3/fulfillment/inventory", params={"limit": "2", "offset": "2"})
    walmart_api.get("/v3/fulfillment/inventory", params={"sku": "NOPE"})
    walmart_api.get("/v3/fulfillment/inventory", params={"limit": "900"})
    walmart_bare.get("/v3/fulfillment/inventory", headers=walmart_headers())
    statuses = [status for _, _, status in walmart_contract.checked[already:]]
    assert statuses == [200, 200, 404, 400, 401]
    wrong = {"headers": {"totalCount": "three"}, "payload": {"inventory": []}}
    request, response = exchange("GET", "/v3/fulfillment/inventory", 200, wrong)
    with pytest.raises(InvalidData):
        walmart_contract.check(request, response)


def test_returns_traffic_fits_the_returns_model(
    walmart_contract: WalmartContract,
    walmart_api: Api,
    walmart_bare: httpx.Client,
    walmart: WalmartSandbox,
) -> None:
    if not walmart_contract.covers("returns"):
        pytest.skip(
            "Walmart's Returns model is not there: put its Returns Management model (0.6.3) at "
            "walmart/returns.json beside the others to check GET /v3/returns"
        )
    already = len(walmart_contract.checked)
    walmart_api.get("/v3/returns")  # none yet: an empty list
    purchase_order_id = buy(walmart, "SKU-0002", 3)
    ship(walmart_api, purchase_order_id, "3")
    for _ in range(2):
        start_return(walmart_api, purchase_order_id, ("SKU-0002", 1))
    receive_return(walmart_api, walmart.return_orders[0]["returnOrderId"])
    first = walmart_api.get("/v3/returns", params={"limit": "1"}).json()
    walmart_api.get("/v3/returns" + first["meta"]["nextCursor"])
    walmart_api.get("/v3/returns", params={"status": "DELIVERED"})
    walmart_api.get("/v3/returns", params={"limit": "900"})
    walmart_bare.get("/v3/returns", headers=walmart_headers())
    statuses = [
        status for _, path, status in walmart_contract.checked[already:] if path == "/v3/returns"
    ]
    assert statuses == [200, 200, 200, 200, 400, 401]
    wrong = {"meta": {"totalCount": 1, "limit": 1}, "returnOrders": [{"returnOrderLines": 1}]}
    request, response = exchange("GET", "/v3/returns", 200, wrong)
    with pytest.raises(InvalidData):
        walmart_contract.check(request, response)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=12), children, max_size=3)
    ),
    max_leaves=12,
)
BODY = st.one_of(
    st.binary(max_size=64),
    JSON.map(lambda value: json.dumps(value).encode()),
    # near misses: Walmart's own shapes with one part replaced by anything
    JSON.map(lambda value: json.dumps({"sku": "SKU-0001", "quantity": value}).encode()),
    JSON.map(lambda value: json.dumps(cancellation(units=value)).encode()),
    JSON.map(lambda value: json.dumps(shipment(methodCode=value)).encode()),
    JSON.map(
        lambda value: json.dumps(
            {"InventoryHeader": {"version": "1.4"}, "Inventory": value}
        ).encode()
    ),
)
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    target=st.sampled_from(["put", "cancel", "shipping", "feed", "orders", "feed-status"]),
    body=BODY,
    text=TEXT,
)
def test_junk_is_refused_in_walmarts_shape_never_with_a_500(
    walmart_api: Api, walmart: WalmartSandbox, target: str, body: bytes, text: str
) -> None:
    with walmart.lock:
        # quotas would refuse most examples before their bodies are read
        walmart.buckets = {name: Quota(10**6, 1).bucket(walmart.clock) for name in walmart.buckets}
        walmart.add_listing("SKU-0001").shown = 10
    purchase_order_id = buy(walmart, "SKU-0001", 1)
    json_type = {"Content-Type": "application/json"}
    if target == "put":
        answer = walmart_api.put(
            "/v3/inventory", params={"sku": text or "SKU-0001"}, content=body, headers=json_type
        )
    elif target in ("cancel", "shipping"):
        answer = walmart_api.post(
            f"/v3/orders/{purchase_order_id}/{target}", content=body, headers=json_type
        )
    elif target == "feed":
        for feed_type in ("inventory", "MP_INVENTORY"):
            answer = walmart_api.post(
                "/v3/feeds", params={"feedType": feed_type}, files={"file": ("f.json", body)}
            )
            assert answer.status_code == 200, answer.text
            feed_id = quote(answer.json()["feedId"])
            answer = walmart_api.get(f"/v3/feeds/{feed_id}", params={"includeDetails": "true"})
    elif target == "orders":
        answer = walmart_api.get(
            "/v3/orders", params={"limit": text, "createdStartDate": text, "status": text}
        )
    else:
        # No '/': the contract check reads an escaped one back as a path separator.
        feed_id = quote(text.replace("/", ""), safe="") or "x"
        answer = walmart_api.get(f"/v3/feeds/{feed_id}", params={"limit": text})
    assert answer.status_code < 500, answer.text
    if answer.status_code >= 400:
        assert errors_of(answer)[0]["code"]
