"""Acceptance: what the Amazon sandbox serves fits Amazon's published models (specs/amazon)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from jsonschema import Draft7Validator

from stockpool.sandbox.amazon.feed_messages import document_problem, message_problem
from tests.sandbox.amazon_contract import FEED_SCHEMA, Contract, specs_dir
from tests.sandbox.amazon_support import (
    MARKETPLACE,
    Seller,
    Serve,
    feed_message,
    open_seller,
    quantity_patch,
)

SINCE = "2020-01-01T00:00:00Z"
SP_API = ("/listings/", "/feeds/", "/orders/")
EVERY_ITEM_DATA = "summaries,attributes,issues,offers,fulfillmentAvailability,procurement,relationships,productTypes"


@pytest.fixture(scope="module")
def contract() -> Contract:
    found = specs_dir()
    if found is None:
        pytest.skip("Amazon's models are not here: set STOCKPOOL_SPECS_DIR to the specs folder")
    return Contract(found)


@pytest.fixture
def seller(serve: Serve) -> Iterator[Seller]:
    with open_seller(serve, shown=10) as found:
        yield found


def served(seller: Seller) -> list[httpx.Response]:
    return [answer for answer in seller.answers if answer.request.url.path.startswith(SP_API)]


def assert_fits(contract: Contract, answers: list[httpx.Response]) -> None:
    problems = [problem for answer in answers for problem in contract.check_exchange(answer)]
    assert problems == []


def test_listings_traffic_fits_the_model(seller: Seller, contract: Contract) -> None:
    seller.set_quantity("SKU-0001", 4)
    seller.set_quantity("SKU-0001", 4, mode="VALIDATION_PREVIEW", includedData="identifiers,issues")
    seller.set_quantity("SKU-0001", -4)
    seller.set_quantity("NO-SUCH-SKU", 4)
    seller.patch("SKU-0002", quantity_patch(1, fulfillment_channel_code="AMAZON_NA"))
    seller.get_listing("SKU-0001", EVERY_ITEM_DATA)
    seller.get_listing("NO-SUCH-SKU")
    seller.http.get(
        seller.listing_path("SKU-0001", "A0THERSELLER00"), params={"marketplaceIds": MARKETPLACE}
    )
    answers = served(seller)
    assert [answer.status_code for answer in answers] == [200, 200, 200, 200, 200, 200, 404, 403]
    assert_fits(contract, answers)


def test_listings_search_traffic_fits_the_model(seller: Seller, contract: Contract) -> None:
    by_sku = {"sortBy": "sku", "sortOrder": "ASC", "pageSize": 2}
    first = seller.search(**by_sku, includedData=EVERY_ITEM_DATA)
    token = first.json()["pagination"]["nextToken"]
    seller.search(**by_sku, includedData=EVERY_ITEM_DATA, pageToken=token)
    seller.search(
        identifiers="SKU-0001,SKU-0002",
        identifiersType="SKU",
        withStatus="BUYABLE",
        createdAfter=SINCE,
        issueLocale="en_US",
    )
    seller.search(identifiers="SKU-0001")  # 400: identifiersType is required with it
    seller.http.get(
        "/listings/2021-08-01/items/A0THERSELLER00", params={"marketplaceIds": MARKETPLACE}
    )
    answers = served(seller)
    assert [answer.status_code for answer in answers] == [200, 200, 200, 400, 403]
    assert [len(answer.json().get("items", [])) for answer in answers[:3]] == [2, 1, 2]
    assert_fits(contract, answers)


def test_feeds_traffic_and_documents_fit_the_models(seller: Seller, contract: Contract) -> None:
    document = seller.feed_document(
        feed_message(1, "SKU-0001", 3), feed_message(2, "SKU-0002", -1), feed_message(3, "X", 1)
    )
    assert contract.check_feed(document) == []
    done_id = seller.submit_feed(document)
    queued_id = seller.submit_feed(seller.feed_document(feed_message(1, "SKU-0003", 2)))
    seller.feed(done_id)
    seller.clock.advance(30)
    done = seller.feed(done_id)
    report = seller.report(done)
    assert contract.check_report(report) == []
    fatal_id = seller.submit_feed(b"not json")
    seller.clock.advance(30)
    assert contract.check_report(seller.report(seller.feed(fatal_id))) == []
    cancellable = seller.submit_feed(seller.feed_document(feed_message(1, "SKU-0003", 2)))
    seller.http.delete(f"/feeds/2021-06-30/feeds/{cancellable}")
    seller.http.delete(f"/feeds/2021-06-30/feeds/{queued_id}")  # 400: already DONE
    listed = seller.http.get(
        "/feeds/2021-06-30/feeds",
        params={
            "feedTypes": "JSON_LISTINGS_FEED",
            "pageSize": 2,
            "processingStatuses": "DONE,FATAL,CANCELLED",
        },
    )
    seller.http.get("/feeds/2021-06-30/feeds", params={"nextToken": listed.json()["nextToken"]})
    seller.http.get("/feeds/2021-06-30/feeds/424242")
    seller.http.get("/feeds/2021-06-30/documents/amzn1.tortuga.4.na.nope")
    statuses = {answer.status_code for answer in served(seller)}
    assert statuses == {200, 201, 202, 400, 404}
    assert_fits(contract, served(seller))


def test_orders_traffic_fits_both_order_models(seller: Seller, contract: Contract) -> None:
    with seller.sandbox.lock:
        placed = [seller.sandbox.place_order("SKU-0001", 2) for _ in range(3)]
    order_id = placed[0]["orderId"]  # type: ignore[index]
    httpx.post(f"{seller.url}/_sandbox/amazon/orders/{order_id}/cancel")
    httpx.post(f"{seller.url}/_sandbox/amazon/orders/{placed[1]['orderId']}/ship")  # type: ignore[index]
    everything = ",".join(
        ["BUYER", "RECIPIENT", "PROCEEDS", "EXPENSE", "PROMOTION", "CANCELLATION", "FULFILLMENT"]
    )
    first = seller.http.get(
        "/orders/2026-01-01/orders",
        params={"createdAfter": SINCE, "maxResultsPerPage": 2, "includedData": everything},
    )
    seller.http.get(
        "/orders/2026-01-01/orders",
        params={
            "createdAfter": SINCE,
            "maxResultsPerPage": 2,
            "paginationToken": first.json()["pagination"]["nextToken"],
        },
    )
    seller.http.get(
        "/orders/2026-01-01/orders",
        params={"lastUpdatedAfter": SINCE, "fulfillmentStatuses": "CANCELLED,SHIPPED"},
    )
    seller.http.get(f"/orders/2026-01-01/orders/{order_id}", params={"includedData": everything})
    seller.http.get("/orders/2026-01-01/orders/111-0000000-0000000")
    seller.http.get(
        "/orders/2026-01-01/orders",
        params={"createdAfter": SINCE, "createdBefore": "2099-01-01T00:00:00Z"},
    )
    v0 = {"MarketplaceIds": MARKETPLACE, "CreatedAfter": SINCE, "MaxResultsPerPage": "2"}
    page = seller.http.get("/orders/v0/orders", params=v0)
    seller.http.get(
        "/orders/v0/orders", params={**v0, "NextToken": page.json()["payload"]["NextToken"]}
    )
    seller.http.get(
        "/orders/v0/orders", params={"MarketplaceIds": MARKETPLACE, "LastUpdatedAfter": SINCE}
    )
    seller.http.get(f"/orders/v0/orders/{order_id}")
    seller.http.get(f"/orders/v0/orders/{order_id}/orderItems")
    seller.http.get("/orders/v0/orders/111-0000000-0000000")
    seller.http.get("/orders/v0/orders", params={"MarketplaceIds": MARKETPLACE})
    assert {answer.status_code for answer in served(seller)} == {200, 400, 404}
    assert_fits(contract, served(seller))


def test_error_shapes_fit_every_model(seller: Seller, contract: Contract) -> None:
    calls = [
        ("GET", seller.listing_path("SKU-0001") + f"?marketplaceIds={MARKETPLACE}"),
        ("GET", f"/listings/2021-08-01/items/{seller.seller_id}?marketplaceIds={MARKETPLACE}"),
        ("GET", "/feeds/2021-06-30/feeds/1"),
        ("GET", f"/orders/2026-01-01/orders?createdAfter={SINCE}"),
        ("GET", f"/orders/v0/orders?MarketplaceIds={MARKETPLACE}&CreatedAfter={SINCE}"),
    ]
    for method, path in calls:
        seller.http.request(method, path, headers={"x-amz-access-token": "Atza|forged"})
    httpx.put(f"{seller.url}/_sandbox/faults", json={"throttle_rate": 1.0})
    for method, path in calls:
        seller.http.request(method, path)
    httpx.put(f"{seller.url}/_sandbox/faults", json={"throttle_rate": 0.0, "error_rate": 1.0})
    for method, path in calls:
        seller.http.request(method, path)
    assert sorted({answer.status_code for answer in served(seller)}) == [403, 429, 500]
    assert_fits(contract, served(seller))


def test_answers_to_malformed_requests_are_error_lists(seller: Seller, contract: Contract) -> None:
    bad = [
        seller.http.patch(
            seller.listing_path("SKU-0001"),
            params={"marketplaceIds": MARKETPLACE},
            content=b"{nope",
            headers={"content-type": "application/json"},
        ),
        seller.http.post("/feeds/2021-06-30/documents", json={"contentType": 1}),
        seller.http.get("/orders/2026-01-01/orders", params={"maxResultsPerPage": "x"}),
    ]
    assert [answer.status_code for answer in bad] == [400, 400, 400]
    for answer in bad:
        request = answer.request
        problems = contract.check_response(
            request.method,
            request.url.path,
            answer.status_code,
            dict(answer.headers),
            answer.content,
        )
        assert problems == []
        # ...while the checker does see what was wrong with the request.
        assert contract.check_request(
            request.method,
            request.url.path,
            request.url.query.decode(),
            dict(request.headers),
            request.content,
        )


def test_every_logged_request_to_a_model_path_is_checked(
    seller: Seller, contract: Contract
) -> None:
    seller.set_quantity("SKU-0001", 2)
    seller.submit_feed(seller.feed_document(feed_message(1, "SKU-0001", 1)))
    seller.http.get("/orders/2026-01-01/orders", params={"lastUpdatedAfter": SINCE})
    logged = [
        entry for entry in seller.sandbox.requests.since() if entry["path"].startswith(SP_API)
    ]
    assert len(logged) == 4  # the upload goes to the document URL, not SP-API
    for entry in logged:
        problems = contract.check_request(
            entry["method"], entry["path"], entry["query"], entry["headers"], entry["body"].encode()
        )
        assert problems == []


def test_the_checker_catches_a_wrong_answer(contract: Contract) -> None:
    feed_without_id = json.dumps({"feedType": "X", "processingStatus": "DONE"}).encode()
    problems = contract.check_response(
        "GET", "/feeds/2021-06-30/feeds/1", 200, {"x-amzn-RequestId": "r"}, feed_without_id
    )
    assert any("feedId" in problem for problem in problems)
    assert any("x-amzn-RateLimit-Limit" in problem for problem in problems)
    assert contract.check_response("PATCH", "/listings/2021-08-01/items/A/B", 404, {}, b"{}")
    uncounted = contract.check_response(
        "GET", "/listings/2021-08-01/items/A", 200, {}, json.dumps({"items": [{}]}).encode()
    )
    assert any("numberOfResults" in problem for problem in uncounted)
    assert any("sku" in problem for problem in uncounted)


# -- the feed message checks mirror the feed schema -------------------------------------------------

MESSAGES: list[Any] = [
    feed_message(1, "A", 1),
    feed_message(0, "A", 1),
    feed_message(2_147_483_648, "A", 1),
    {**feed_message(1, "A", 1), "messageId": True},
    {**feed_message(1, "A", 1), "messageId": "1"},
    {**feed_message(1, "A", 1), "sku": ""},
    {**feed_message(1, "A", 1), "operationType": "MOVE"},
    {**feed_message(1, "A", 1), "patches": []},
    {**feed_message(1, "A", 1), "attributes": {"x": 1}},
    {**feed_message(1, "A", 1), "requirements": "LISTING"},
    {**feed_message(1, "A", 1), "productType": ""},
    {k: v for k, v in feed_message(1, "A", 1).items() if k != "productType"},
    {**feed_message(1, "A", 1), "patches": [{"op": "replace"}]},
    {**feed_message(1, "A", 1), "patches": [{"op": "copy", "path": "/a"}]},
    {**feed_message(1, "A", 1), "patches": [{"op": "add", "path": "/a", "value": [1]}]},
    {"messageId": 1, "sku": "A", "operationType": "DELETE"},
    {"messageId": 1, "sku": "A", "operationType": "DELETE", "productType": "P"},
    {
        "messageId": 1,
        "sku": "A",
        "operationType": "UPDATE",
        "productType": "P",
        "attributes": {"a": [1]},
    },
    {"messageId": 1, "sku": "A", "operationType": "UPDATE", "productType": "P"},
    {
        "messageId": 1,
        "sku": "A",
        "operationType": "PARTIAL_UPDATE",
        "productType": "P",
        "attributes": {},
    },
    {
        "messageId": 1,
        "sku": "A",
        "operationType": "PARTIAL_UPDATE",
        "productType": "P",
        "attributes": {"a": 1},
        "requirements": "LISTING",
    },
    {
        "messageId": 1,
        "sku": "A",
        "operationType": "UPDATE",
        "productType": "P",
        "attributes": {"a": 1},
        "requirements": "SOMETHING",
    },
    "a message",
    {"messageId": 1, "sku": "A"},
]


@pytest.mark.parametrize("message", MESSAGES)
def test_message_checks_agree_with_the_feed_schema(contract: Contract, message: Any) -> None:
    schema = json.loads((contract.directory / FEED_SCHEMA).read_text())
    validator = Draft7Validator(schema["properties"]["messages"]["items"])
    assert (message_problem(message) is None) == validator.is_valid(message)


@pytest.mark.parametrize(
    "document",
    [
        {"header": {"sellerId": "A", "version": "2.0"}, "messages": [feed_message(1, "A", 1)]},
        {"header": {"sellerId": "A", "version": "2.0"}, "messages": []},
        {"header": {"sellerId": "A", "version": "1.0"}, "messages": [feed_message(1, "A", 1)]},
        {"header": {"version": "2.0"}, "messages": [feed_message(1, "A", 1)]},
        {"header": {"sellerId": "A", "version": "2.0", "issueLocale": 5}, "messages": [1]},
        {
            "header": {
                "sellerId": "A",
                "version": "2.0",
                "report": {"includedData": ["issues"], "apiVersion": "2021-08-01"},
            },
            "messages": [feed_message(1, "A", 1)],
        },
        {
            "header": {"sellerId": "A", "version": "2.0", "report": {"includedData": []}},
            "messages": [feed_message(1, "A", 1)],
        },
        {"messages": [feed_message(1, "A", 1)]},
        [],
    ],
)
def test_document_checks_agree_with_the_feed_schema_on_the_envelope(
    contract: Contract, document: Any
) -> None:
    """A bad envelope ends the feed FATAL; bad messages only fail themselves."""
    schema = json.loads((contract.directory / FEED_SCHEMA).read_text())
    envelope = json.loads(json.dumps(schema))
    envelope["properties"]["messages"].pop("items")
    assert (document_problem(document) is None) == Draft7Validator(envelope).is_valid(document)
