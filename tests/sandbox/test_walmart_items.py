"""`GET /v3/items`: every item of the seller, paged by nextCursor or offset, one by `sku`, with
Walmart's gateway and error shapes."""

from __future__ import annotations

import httpx
import pytest

from stockpool.sandbox.walmart import WalmartSandbox
from tests.sandbox.walmart_support import Api, errors_of, walmart_headers

pytest_plugins = ["tests.sandbox.walmart_fixtures"]


def skus(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [item["sku"] for item in answer.json()["ItemResponse"]]


def test_cursor_pages_walk_every_item_once(walmart_api: Api) -> None:
    first = walmart_api.get("/v3/items", params={"nextCursor": "*", "limit": "2"})
    assert skus(first) == ["SKU-0001", "SKU-0002"]
    assert first.json()["totalItems"] == 5
    second = walmart_api.get(
        "/v3/items", params={"nextCursor": first.json()["nextCursor"], "limit": "2"}
    )
    assert skus(second) == ["SKU-0003", "SKU-0004"]
    last = walmart_api.get(
        "/v3/items", params={"nextCursor": second.json()["nextCursor"], "limit": "2"}
    )
    assert skus(last) == ["SKU-0005"]
    assert "nextCursor" not in last.json()


def test_an_item_never_ordered_is_listed_as_walmart_shows_it(
    walmart_api: Api, walmart: WalmartSandbox
) -> None:
    with walmart.lock:
        walmart.add_listing("NEVER-SOLD", 4)
    found = walmart_api.get("/v3/items", params={"sku": "NEVER-SOLD"}).json()["ItemResponse"]
    assert len(found) == 1
    assert found[0]["sku"] == "NEVER-SOLD"
    assert found[0]["mart"] == "WALMART_US"
    assert (found[0]["publishedStatus"], found[0]["lifecycleStatus"]) == ("PUBLISHED", "ACTIVE")
    assert found[0]["price"] == {"currency": "USD", "amount": "19.99"}


def test_offset_and_limit_page_without_a_cursor(walmart_api: Api) -> None:
    assert skus(walmart_api.get("/v3/items", params={"offset": "3", "limit": "5"})) == [
        "SKU-0004",
        "SKU-0005",
    ]
    assert len(skus(walmart_api.get("/v3/items"))) == 5  # 20 by default


def test_filters_find_what_they_name(walmart_api: Api) -> None:
    assert len(skus(walmart_api.get("/v3/items", params={"lifecycleStatus": "ACTIVE"}))) == 5
    assert skus(walmart_api.get("/v3/items", params={"lifecycleStatus": "RETIRED"})) == []
    assert skus(walmart_api.get("/v3/items", params={"publishedStatus": "UNPUBLISHED"})) == []
    assert skus(walmart_api.get("/v3/items", params={"variantGroupId": "G1"})) == []


def test_an_empty_catalogue_is_an_empty_list(walmart_api: Api, walmart: WalmartSandbox) -> None:
    with walmart.lock:
        walmart.shelf = type(walmart.shelf)(0, walmart.clock, walmart.settle_feeds)
    answer = walmart_api.get("/v3/items")
    assert answer.json() == {"ItemResponse": [], "totalItems": 0}


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"sku": "NOPE"}, 404, "sku"),
        ({"limit": "0"}, 400, "limit"),
        ({"limit": "201"}, 400, "limit"),
        ({"offset": "-1"}, 400, "offset"),
        ({"nextCursor": "not-a-cursor"}, 400, "nextCursor"),
        ({"nextCursor": "eyJvZmZzZXQiOiAiMiJ9"}, 400, "nextCursor"),  # {"offset": "2"}
    ],
)
def test_a_wrong_call_is_refused_naming_the_parameter(
    walmart_api: Api, params: dict[str, str], status: int, field: str
) -> None:
    answer = walmart_api.get("/v3/items", params=params)
    assert answer.status_code == status
    assert errors_of(answer)[0]["field"] == field
    assert field in errors_of(answer)[0]["description"]


def test_the_gateway_guards_items_like_every_route(
    walmart_api: Api, walmart: WalmartSandbox
) -> None:
    bare = walmart_api.client.get("/v3/items", headers=walmart_headers())
    assert bare.status_code == 401
    forged = walmart_api.client.get("/v3/items", headers=walmart_headers("forged"))
    assert forged.status_code == 401
    with walmart.lock:
        walmart.buckets["items"] = type(walmart.buckets["items"])(0, 0, walmart.clock)
    throttled = walmart_api.get("/v3/items")
    assert throttled.status_code == 429
    assert "Retry-After" in throttled.headers
