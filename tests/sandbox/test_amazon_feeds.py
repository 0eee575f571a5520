"""The Amazon sandbox's Feeds API: documents, JSON_LISTINGS_FEED processing by clock, reports."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stockpool.sandbox.amazon.feed_messages import run_messages
from stockpool.sandbox.shelf import Shelf
from tests.sandbox.amazon_support import (
    FULFILLMENT,
    MARKETPLACE,
    Seller,
    Serve,
    error_of,
    feed_message,
    open_seller,
)


@pytest.fixture
def seller(serve: Serve) -> Iterator[Seller]:
    with open_seller(serve) as found:
        yield found


def test_a_feed_queues_then_processes_then_is_done_and_shows_after_the_delay(
    seller: Seller,
) -> None:
    feed_id = seller.submit_feed(
        seller.feed_document(
            feed_message(1, "SKU-0001", 11), feed_message(2, "SKU-0002", 12, op="merge")
        )
    )
    first = seller.feed(feed_id)
    assert first["processingStatus"] == "IN_QUEUE"
    assert first["feedType"] == "JSON_LISTINGS_FEED"
    assert first["marketplaceIds"] == [MARKETPLACE]
    seller.clock.advance(10)
    assert seller.feed(feed_id)["processingStatus"] == "IN_PROGRESS"
    assert seller.shown("SKU-0001") == 5
    seller.clock.advance(20)
    done = seller.feed(feed_id)
    assert done["processingStatus"] == "DONE"
    assert {"processingStartTime", "processingEndTime", "resultFeedDocumentId"} <= set(done)
    # DONE does not mean live: the propagation delay starts when processing ends.
    assert seller.shown("SKU-0001") == 5
    seller.clock.advance(60)
    assert (seller.shown("SKU-0001"), seller.shown("SKU-0002")) == (11, 12)
    report = seller.report(done)
    assert report["header"] == {"sellerId": seller.seller_id, "version": "2.0", "feedId": feed_id}
    assert report["summary"] == {
        "errors": 0,
        "warnings": 0,
        "messagesProcessed": 2,
        "messagesAccepted": 2,
        "messagesInvalid": 0,
    }
    assert report["issues"] == []


def test_a_feed_read_late_lands_as_of_when_it_was_due(seller: Seller) -> None:
    feed_id = seller.submit_feed(seller.feed_document(feed_message(1, "SKU-0001", 3)))
    seller.clock.advance(30 + 60)  # processing ended 60 s ago: the push has already landed
    assert seller.shown("SKU-0001") == 3
    assert seller.feed(feed_id)["processingStatus"] == "DONE"


def test_the_report_lists_each_invalid_message(seller: Seller) -> None:
    feed_id = seller.submit_feed(
        seller.feed_document(
            feed_message(1, "SKU-0001", 8),
            feed_message(2, "SKU-0002", -4),
            feed_message(3, "NO-SUCH-SKU", 1),
            {"messageId": 4, "sku": "SKU-0003", "operationType": "PATCH"},  # no patches
            feed_message(1, "SKU-0003", 2),  # messageId used twice
            {
                "messageId": 6,
                "sku": "SKU-0003",
                "operationType": "PARTIAL_UPDATE",
                "productType": "PRODUCT",
                "attributes": {
                    "fulfillment_availability": [
                        {"fulfillment_channel_code": "DEFAULT", "quantity": 6}
                    ]
                },
            },
        )
    )
    seller.clock.advance(30)
    report = seller.report(seller.feed(feed_id))
    summary = report["summary"]
    assert (summary["messagesProcessed"], summary["messagesAccepted"]) == (6, 2)
    assert summary["messagesInvalid"] == 4
    assert summary["errors"] == 4
    by_message = {issue["messageId"]: issue for issue in report["issues"]}
    assert set(by_message) == {1, 2, 3, 4}  # 1: the second message with that id
    assert by_message[2]["code"] == "INVALID_QUANTITY"
    assert by_message[2]["sku"] == "SKU-0002"
    assert by_message[3]["code"] == "NOT_FOUND"
    assert by_message[4]["code"] == "INVALID_MESSAGE"
    seller.clock.advance(60)
    assert [seller.shown(sku) for sku in ("SKU-0001", "SKU-0002", "SKU-0003")] == [8, 5, 6]


@pytest.mark.parametrize(
    "content",
    [
        b"this is not json",
        b'{"messages": []}',
        b'{"header": {"sellerId": "X", "version": "1.0"}, "messages": []}',
        b"[]",
    ],
)
def test_an_unreadable_document_ends_the_feed_fatal(seller: Seller, content: bytes) -> None:
    feed_id = seller.submit_feed(content)
    seller.clock.advance(30)
    feed = seller.feed(feed_id)
    assert feed["processingStatus"] == "FATAL"
    report = seller.report(feed)
    assert report["summary"]["errors"] == 1
    assert report["issues"][0]["severity"] == "ERROR"


def test_another_sellers_feed_is_fatal(seller: Seller) -> None:
    document = seller.feed_document(feed_message(1, "SKU-0001", 1))
    document["header"]["sellerId"] = "A0THERSELLER00"
    feed_id = seller.submit_feed(document)
    seller.clock.advance(30)
    assert seller.feed(feed_id)["processingStatus"] == "FATAL"
    seller.clock.advance(60)
    assert seller.shown("SKU-0001") == 5


def test_stuck_feeds_stay_in_progress_until_the_fault_is_lifted_for_new_ones(
    seller: Seller,
) -> None:
    httpx.put(f"{seller.url}/_sandbox/faults", json={"stuck_feeds": True})
    stuck = seller.submit_feed(seller.feed_document(feed_message(1, "SKU-0001", 1)))
    seller.clock.advance(3600)
    assert seller.feed(stuck)["processingStatus"] == "IN_PROGRESS"
    httpx.put(f"{seller.url}/_sandbox/faults", json={"stuck_feeds": False})
    fine = seller.submit_feed(seller.feed_document(feed_message(1, "SKU-0002", 2)))
    seller.clock.advance(30)
    assert seller.feed(fine)["processingStatus"] == "DONE"
    assert seller.feed(stuck)["processingStatus"] == "IN_PROGRESS"


def test_a_queued_feed_can_be_cancelled_and_then_never_runs(seller: Seller) -> None:
    feed_id = seller.submit_feed(seller.feed_document(feed_message(1, "SKU-0001", 1)))
    cancelled = seller.http.delete(f"/feeds/2021-06-30/feeds/{feed_id}")
    assert cancelled.status_code == 200
    seller.clock.advance(3600)
    assert seller.feed(feed_id)["processingStatus"] == "CANCELLED"
    assert seller.shown("SKU-0001") == 5
    again = seller.http.delete(f"/feeds/2021-06-30/feeds/{feed_id}")
    assert again.status_code == 400
    assert error_of(again)["code"] == "InvalidInput"


def test_get_feeds_filters_and_pages(seller: Seller) -> None:
    ids = [
        seller.submit_feed(seller.feed_document(feed_message(1, "SKU-0001", n))) for n in range(3)
    ]
    seller.http.delete(f"/feeds/2021-06-30/feeds/{ids[0]}")
    listed = seller.http.get(
        "/feeds/2021-06-30/feeds", params={"feedTypes": "JSON_LISTINGS_FEED", "pageSize": 2}
    ).json()
    assert [feed["feedId"] for feed in listed["feeds"]] == [ids[2], ids[1]]
    rest = seller.http.get("/feeds/2021-06-30/feeds", params={"nextToken": listed["nextToken"]})
    assert [feed["feedId"] for feed in rest.json()["feeds"]] == [ids[0]]
    assert "nextToken" not in rest.json()
    cancelled = seller.http.get(
        "/feeds/2021-06-30/feeds",
        params={"feedTypes": "JSON_LISTINGS_FEED", "processingStatuses": "CANCELLED"},
    ).json()
    assert [feed["feedId"] for feed in cancelled["feeds"]] == [ids[0]]
    other = seller.http.get("/feeds/2021-06-30/feeds", params={"feedTypes": "POST_PRODUCT_DATA"})
    assert other.json() == {"feeds": []}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"processingStatuses": "DONE"},
        {"feedTypes": "JSON_LISTINGS_FEED", "processingStatuses": "FINISHED"},
        {"feedTypes": "JSON_LISTINGS_FEED", "pageSize": "0"},
        {"feedTypes": "JSON_LISTINGS_FEED", "pageSize": "ten"},
        {"feedTypes": "JSON_LISTINGS_FEED", "createdSince": "yesterday"},
        {"nextToken": "garbage"},
        {"nextToken": "e30", "feedTypes": "JSON_LISTINGS_FEED"},
        {"nextToken": "eyJvZmZzZXQiOiAwfQ=="},  # {"offset": 0}: not a token it gave out
        {"nextToken": "WzFd"},  # [1]
    ],
)
def test_get_feeds_refuses_bad_queries(seller: Seller, params: dict[str, str]) -> None:
    answer = seller.http.get("/feeds/2021-06-30/feeds", params=params)
    assert answer.status_code == 400
    assert error_of(answer)["code"] == "InvalidInput"


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/feeds/2021-06-30/documents", {}, 400),
        ("/feeds/2021-06-30/documents", {"contentType": 7}, 400),
        ("/feeds/2021-06-30/feeds", {"feedType": "JSON_LISTINGS_FEED"}, 400),
        (
            "/feeds/2021-06-30/feeds",
            {"feedType": "JSON_LISTINGS_FEED", "marketplaceIds": [], "inputFeedDocumentId": "x"},
            400,
        ),
        (
            "/feeds/2021-06-30/feeds",
            {
                "feedType": "JSON_LISTINGS_FEED",
                "marketplaceIds": [MARKETPLACE],
                "inputFeedDocumentId": "amzn1.tortuga.4.na.nope",
            },
            400,
        ),
        (
            "/feeds/2021-06-30/feeds",
            {
                "feedType": "POST_INVENTORY_AVAILABILITY_DATA",
                "marketplaceIds": [MARKETPLACE],
                "inputFeedDocumentId": "x",
            },
            400,
        ),
    ],
)
def test_bad_feed_requests_are_refused(
    seller: Seller, path: str, body: dict[str, object], status: int
) -> None:
    answer = seller.http.post(path, json=body)
    assert answer.status_code == status
    assert error_of(answer)["code"] == "InvalidInput"


def test_unknown_feeds_and_documents_are_404(seller: Seller) -> None:
    for path in ("/feeds/2021-06-30/feeds/999", "/feeds/2021-06-30/documents/amzn1.nope"):
        answer = seller.http.get(path)
        assert answer.status_code == 404
        assert error_of(answer)["code"] == "NotFound"
        assert "x-amzn-RateLimit-Limit" in answer.headers


def test_upload_urls_expire_and_are_bound_to_their_document_and_type(seller: Seller) -> None:
    created = seller.http.post(
        "/feeds/2021-06-30/documents", json={"contentType": "application/json; charset=UTF-8"}
    ).json()
    url = created["url"]
    assert url.startswith(seller.url)
    wrong_type = httpx.put(url, content=b"{}", headers={"content-type": "text/plain"})
    assert wrong_type.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in wrong_type.text
    tampered = httpx.put(
        url[:-4] + "0000",
        content=b"{}",
        headers={"content-type": "application/json; charset=UTF-8"},
    )
    assert tampered.status_code == 403
    assert httpx.get(url).status_code == 403  # signed for PUT, not GET
    seller.clock.advance(300)
    late = httpx.put(
        url, content=b"{}", headers={"content-type": "application/json; charset=UTF-8"}
    )
    assert late.status_code == 403
    assert "Request has expired" in late.text


def test_a_feed_whose_document_was_never_uploaded_is_fatal(seller: Seller) -> None:
    created = seller.http.post(
        "/feeds/2021-06-30/documents", json={"contentType": "application/json"}
    ).json()
    feed = seller.http.post(
        "/feeds/2021-06-30/feeds",
        json={
            "feedType": "JSON_LISTINGS_FEED",
            "marketplaceIds": [MARKETPLACE],
            "inputFeedDocumentId": created["feedDocumentId"],
        },
    )
    assert feed.status_code == 202
    seller.clock.advance(30)
    assert seller.feed(feed.json()["feedId"])["processingStatus"] == "FATAL"


def test_the_report_carries_items_when_the_header_asks(seller: Seller) -> None:
    document = seller.feed_document(feed_message(1, "SKU-0001", 2))
    document["header"]["report"] = {
        "includedData": ["fulfillmentAvailability"],
        "apiVersion": "2021-08-01",
    }
    feed_id = seller.submit_feed(json.dumps(document).encode())
    seller.clock.advance(30)
    report = seller.report(seller.feed(feed_id))
    assert report["items"][0]["sku"] == "SKU-0001"
    assert report["summary"]["itemSummary"]["items"] == 1


# -- any JSON in a message is a verdict, never a crash -------------------------------------------

KEYS = ["messageId", "sku", "operationType", "productType", "patches", "attributes", "op", "path"]
KEYS += ["value", "fulfillment_channel_code", "quantity", "requirements"]
WORDS = ["DEFAULT", "replace", "merge", "delete", "PATCH", "PARTIAL_UPDATE", "SKU-0001", "PRODUCT"]
any_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.sampled_from([*WORDS, FULFILLMENT]),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=6)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(any_json)
def test_any_message_gets_a_verdict(message: object) -> None:
    shelf = Shelf(0)
    shelf.add("SKU-0001", 1)
    messages = message if isinstance(message, list) else [message]
    verdicts = run_messages(messages, shelf, 0, {"SKU-0001": "PRODUCT"})
    assert len(verdicts.accepted) + verdicts.invalid == len(messages)
    assert shelf.get("SKU-0001").shown >= 0  # type: ignore[union-attr]
