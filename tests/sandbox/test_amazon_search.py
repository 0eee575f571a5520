"""The Amazon sandbox's searchListingsItems over HTTP: every listing of the seller, filtered,
sorted and paged by token, with its quota and SP-API's error shape."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

from stockpool.sandbox.amazon import search
from tests.sandbox.amazon_support import Seller, Serve, error_of, open_seller


@pytest.fixture
def seller(serve: Serve) -> Iterator[Seller]:
    # A roomy quota: these tests search more often than five times a second.
    with open_seller(serve, skus=5, rate_limits={"searchListingsItems": (100.0, 100)}) as found:
        yield found


def skus(answer: Any) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [item["sku"] for item in answer.json()["items"]]


def test_pages_walk_every_listing_forward_and_back(seller: Seller) -> None:
    first = seller.search(sortBy="sku", sortOrder="ASC", pageSize=2)
    assert skus(first) == ["SKU-0001", "SKU-0002"]
    assert first.json()["numberOfResults"] == 5
    assert "previousToken" not in first.json()["pagination"]
    second = seller.search(
        sortBy="sku",
        sortOrder="ASC",
        pageSize=2,
        pageToken=first.json()["pagination"]["nextToken"],
    )
    assert skus(second) == ["SKU-0003", "SKU-0004"]
    last = seller.search(
        sortBy="sku",
        sortOrder="ASC",
        pageSize=2,
        pageToken=second.json()["pagination"]["nextToken"],
    )
    assert skus(last) == ["SKU-0005"]
    assert "nextToken" not in last.json()["pagination"]
    back = seller.search(
        sortBy="sku",
        sortOrder="ASC",
        pageSize=2,
        pageToken=second.json()["pagination"]["previousToken"],
    )
    assert skus(back) == ["SKU-0001", "SKU-0002"]


def test_one_page_has_no_pagination_and_the_data_sets_asked_for(seller: Seller) -> None:
    with seller.sandbox.lock:
        seller.sandbox.shelf.push("SKU-0003", 7, delay_seconds=0)
    answer = seller.search(includedData="fulfillmentAvailability", sortBy="sku")
    assert "pagination" not in answer.json()
    assert answer.json()["items"][2] == {
        "sku": "SKU-0003",
        "fulfillmentAvailability": [{"fulfillmentChannelCode": "DEFAULT", "quantity": 7}],
    }


def test_by_default_the_last_updated_come_first_with_their_summaries(seller: Seller) -> None:
    with seller.sandbox.lock:
        for sku, day in (("SKU-0004", "03"), ("SKU-0002", "02"), ("SKU-0005", "01")):
            seller.sandbox.shelf.add(sku, lastUpdatedDate=f"2035-01-{day}T00:00:00Z")
    answer = seller.search()
    assert skus(answer)[:3] == ["SKU-0004", "SKU-0002", "SKU-0005"]
    assert set(answer.json()["items"][0]) == {"sku", "summaries"}
    oldest_first = seller.search(sortOrder="ASC")
    assert skus(oldest_first)[-3:] == ["SKU-0005", "SKU-0002", "SKU-0004"]


def test_filters_find_what_they_name(seller: Seller) -> None:
    with seller.sandbox.lock:
        seller.sandbox.shelf.push("SKU-0002", 0, delay_seconds=0)
        seller.sandbox.shelf.add("SKU-0005", createdDate="2001-01-01T00:00:00Z")
        asin = seller.sandbox.shelf.get("SKU-0004").attributes["asin"]  # type: ignore[union-attr]
    by_sku = seller.search(identifiers="SKU-0003,SKU-0001,NOPE", identifiersType="SKU")
    assert sorted(skus(by_sku)) == ["SKU-0001", "SKU-0003"]
    assert skus(seller.search(identifiers=asin, identifiersType="ASIN")) == ["SKU-0004"]
    assert skus(seller.search(identifiers="0123456789012", identifiersType="EAN")) == []
    assert "SKU-0002" not in skus(seller.search(withStatus="BUYABLE"))
    assert skus(seller.search(withoutStatus="BUYABLE")) == ["SKU-0002"]
    assert skus(seller.search(createdBefore="2002-01-01T00:00:00Z")) == ["SKU-0005"]
    assert "SKU-0005" not in skus(seller.search(createdAfter="2002-01-01T00:00:00Z"))
    # Sandbox listings have no variations, packages or issues.
    assert skus(seller.search(variationParentSku="SKU-0001")) == []
    assert skus(seller.search(packageHierarchySku="SKU-0001")) == []
    assert skus(seller.search(withIssueSeverity="ERROR")) == []


def test_only_the_first_thousand_can_be_paged_though_all_are_counted(
    seller: Seller, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "PAGEABLE", 3)
    first = seller.search(sortBy="sku", sortOrder="ASC", pageSize=2)
    token = first.json()["pagination"]["nextToken"]
    last = seller.search(sortBy="sku", sortOrder="ASC", pageSize=2, pageToken=token)
    assert skus(last) == ["SKU-0003"]
    assert last.json()["numberOfResults"] == 5
    assert "nextToken" not in last.json()["pagination"]


def _token(offset: int) -> str:
    body = json.dumps({"offset": offset, "search": "0" * 16})
    return base64.urlsafe_b64encode(body.encode()).decode()


@pytest.mark.parametrize(
    ("params", "details"),
    [
        ({"identifiers": "SKU-0001"}, "identifiersType is required"),
        ({"identifiersType": "SKU"}, "identifiers is required"),
        ({"identifiers": "A", "identifiersType": "PLU"}, "Invalid value 'PLU' for identifiersType"),
        (
            {"identifiers": ",".join(f"S{n}" for n in range(21)), "identifiersType": "SKU"},
            "at most 20",
        ),
        (
            {"identifiers": "A", "identifiersType": "SKU", "variationParentSku": "B"},
            "not identifiers and variationParentSku",
        ),
        ({"pageSize": "21"}, "pageSize must be between 1 and 20"),
        ({"pageSize": "0"}, "pageSize must be between 1 and 20"),
        ({"sortBy": "price"}, "Invalid value 'price' for sortBy"),
        ({"sortOrder": "UP"}, "Invalid value 'UP' for sortOrder"),
        ({"includedData": "everything"}, "Invalid value 'everything' for includedData"),
        ({"withStatus": "SOLD"}, "Invalid value 'SOLD' for withStatus"),
        ({"withIssueSeverity": "INFO"}, "Invalid value 'INFO' for withIssueSeverity"),
        ({"createdAfter": "yesterday"}, "createdAfter 'yesterday' is not an ISO 8601"),
        ({"pageToken": "not-a-token"}, "pageToken is not one this operation returned"),
        ({"pageToken": _token(-2)}, "pageToken is not one this operation returned"),
        ({"pageToken": _token(2)}, "pageToken belongs to another search"),
        ({"marketplaceIds": ""}, "Missing required parameter: marketplaceIds"),
        ({"marketplaceIds": "A1F83G8C2ARO7P"}, "Invalid marketplace identifier"),
    ],
)
def test_a_wrong_search_is_400_saying_what_is_wrong(
    seller: Seller, params: dict[str, str], details: str
) -> None:
    answer = seller.search(**params)
    assert answer.status_code == 400
    error = error_of(answer)
    assert error["code"] == "InvalidInput"
    assert details in error["details"]


def test_a_token_only_pages_the_search_that_issued_it(seller: Seller) -> None:
    token = seller.search(pageSize=2).json()["pagination"]["nextToken"]
    other = seller.search(pageSize=3, pageToken=token)
    assert "belongs to another search" in error_of(other)["details"]


def test_another_sellers_listings_are_forbidden(seller: Seller) -> None:
    answer = seller.http.get(
        "/listings/2021-08-01/items/A0THERSELLER00", params={"marketplaceIds": "ATVPDKIKX0DER"}
    )
    assert answer.status_code == 403
    assert error_of(answer)["code"] == "Unauthorized"


def test_searches_draw_on_their_own_bucket_of_five(serve: Serve) -> None:
    with open_seller(serve) as seller:
        answers = [seller.search() for _ in range(6)]
        assert [answer.status_code for answer in answers] == [200] * 5 + [429]
        assert answers[0].headers["x-amzn-RateLimit-Limit"] == "5.0"
        assert seller.get_listing("SKU-0001").status_code == 200
        seller.clock.advance(1)
        assert seller.search().status_code == 200
