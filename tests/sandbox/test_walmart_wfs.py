"""`GET /v3/fulfillment/inventory`: what Walmart Fulfillment Services holds per SKU, set with
`PUT /_sandbox/walmart/wfs/{sku}`, paged by offset and limit."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.walmart_support import Api, errors_of, set_wfs, walmart_headers

pytest_plugins = ["tests.sandbox.walmart_fixtures"]


def wfs_page(walmart_api: Api, **params: str) -> dict[str, Any]:
    answer = walmart_api.get("/v3/fulfillment/inventory", params=params)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def skus(page: dict[str, Any]) -> list[str]:
    return [item["sku"] for item in page["payload"]["inventory"]]


def test_wfs_stock_pages_by_offset_in_sku_order(walmart_api: Api) -> None:
    for sku, on_hand in [("WFS-C", 3), ("WFS-A", 10), ("WFS-B", 0)]:
        assert set_wfs(walmart_api, sku, on_hand).status_code == 200
    first = wfs_page(walmart_api, limit="2")
    assert first["headers"] == {"totalCount": 3, "limit": 2, "offset": 0}
    assert skus(first) == ["WFS-A", "WFS-B"]
    second = wfs_page(walmart_api, limit="2", offset="2")
    assert second["headers"]["offset"] == 2 and skus(second) == ["WFS-C"]
    assert skus(wfs_page(walmart_api, offset="3")) == []
    assert skus(wfs_page(walmart_api)) == ["WFS-A", "WFS-B", "WFS-C"]  # ten by default


def test_a_sku_shows_one_wfs_node_with_on_hand_and_available(walmart_api: Api) -> None:
    set_wfs(walmart_api, "WFS-A", 10, available=7)
    page = wfs_page(walmart_api, sku="WFS-A")
    [item] = page["payload"]["inventory"]
    [node] = item["shipNodes"]
    assert (node["onHandQty"], node["availToSellQty"]) == (10, 7)
    assert node["shipNodeType"] == "WFSFulfilled" and node["modifiedDate"]
    set_wfs(walmart_api, "WFS-A", 4)  # available follows on hand when not given
    [item] = wfs_page(walmart_api, sku="WFS-A")["payload"]["inventory"]
    assert (item["shipNodes"][0]["onHandQty"], item["shipNodes"][0]["availToSellQty"]) == (4, 4)


def test_an_unknown_sku_is_404_and_bad_paging_400(walmart_api: Api) -> None:
    set_wfs(walmart_api, "WFS-A", 1)
    missing = walmart_api.get("/v3/fulfillment/inventory", params={"sku": "NOPE"})
    assert missing.status_code == 404 and errors_of(missing)[0]["code"] == "CONTENT_NOT_FOUND"
    for params, field in [({"limit": "301"}, "limit"), ({"offset": "-1"}, "offset")]:
        answer = walmart_api.get("/v3/fulfillment/inventory", params=params)
        assert answer.status_code == 400 and errors_of(answer)[0]["field"] == field


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"on_hand": 2, "available_to_sell": 3}, "cannot exceed on_hand"),
        ({"on_hand": -1}, "on_hand"),
        ({"available_to_sell": 1}, "on_hand"),
        ({"on_hand": 1, "damaged": 1}, "damaged"),
    ],
)
def test_wfs_numbers_that_cannot_be_are_refused(
    walmart_api: Api, body: dict[str, Any], said: str
) -> None:
    answer = walmart_api.client.put("/_sandbox/walmart/wfs/WFS-A", json=body)
    assert answer.status_code == 400 and said in answer.json()["detail"]
    assert wfs_page(walmart_api)["headers"]["totalCount"] == 0


def test_wfs_inventory_needs_a_token(walmart_api: Api) -> None:
    answer = walmart_api.client.get("/v3/fulfillment/inventory", headers=walmart_headers())
    assert answer.status_code == 401
