"""The Amazon sandbox's returns: a buyer returns units of a shipped order (a control route), and
the Reports API reports them in GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE."""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from stockpool.sandbox.amazon.returns import COLUMNS, REPORT_TYPE
from tests.sandbox.amazon_support import MARKETPLACE, Seller, Serve, error_of, open_seller

REPORTS = "/reports/2021-06-30/reports"
QUEUE, PROCESSING = 5, 10


@pytest.fixture
def seller(serve: Serve) -> Iterator[Seller]:
    with open_seller(
        serve, shown=20, report_queue_seconds=QUEUE, report_processing_seconds=PROCESSING
    ) as found:
        yield found


def shipped_order(seller: Seller, sku: str = "SKU-0001", quantity: int = 3) -> str:
    with seller.sandbox.lock:
        order = seller.sandbox.place_order(sku, quantity)
    assert order is not None
    answer = httpx.post(f"{seller.url}/_sandbox/amazon/orders/{order['orderId']}/ship")
    assert answer.status_code == 200, answer.text
    order_id: str = order["orderId"]
    return order_id


def give_back(
    seller: Seller, order_id: str, *lines: tuple[str, int], **extra: Any
) -> httpx.Response:
    body = {"lines": [{"sku": sku, "quantity": n} for sku, n in lines], "reason": "CR-DEFECTIVE"}
    return httpx.post(
        f"{seller.url}/_sandbox/amazon/orders/{order_id}/return", json={**body, **extra}
    )


def create_report(seller: Seller, **body: Any) -> httpx.Response:
    start = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    spec = {"reportType": REPORT_TYPE, "marketplaceIds": [MARKETPLACE], "dataStartTime": start}
    return seller.http.post(REPORTS, json={**spec, **body})


def finished_report(seller: Seller) -> dict[str, Any]:
    created = create_report(seller)
    assert created.status_code == 202, created.text
    seller.clock.advance(QUEUE + PROCESSING)
    answer = seller.http.get(f"{REPORTS}/{created.json()['reportId']}")
    assert answer.status_code == 200, answer.text
    report: dict[str, Any] = answer.json()
    return report


def rows_of(seller: Seller, report: dict[str, Any]) -> tuple[list[str], list[dict[str, str]]]:
    document = seller.http.get(f"/reports/2021-06-30/documents/{report['reportDocumentId']}")
    assert document.status_code == 200, document.text
    content = httpx.get(document.json()["url"]).content
    if document.json().get("compressionAlgorithm") == "GZIP":
        content = gzip.decompress(content)
    reader = csv.DictReader(io.StringIO(content.decode()), delimiter="\t")
    return list(reader.fieldnames or []), list(reader)


def test_a_returned_order_shows_in_the_returns_report_once_it_is_done(seller: Seller) -> None:
    order_id = shipped_order(seller, quantity=3)
    made = give_back(seller, order_id, ("SKU-0001", 2))
    assert made.status_code == 201, made.text
    created = create_report(seller)
    assert created.status_code == 202
    report_id = created.json()["reportId"]
    first = seller.http.get(f"{REPORTS}/{report_id}").json()
    assert first["processingStatus"] == "IN_QUEUE"
    assert "reportDocumentId" not in first
    seller.clock.advance(QUEUE)
    assert seller.http.get(f"{REPORTS}/{report_id}").json()["processingStatus"] == "IN_PROGRESS"
    seller.clock.advance(PROCESSING)
    done = seller.http.get(f"{REPORTS}/{report_id}").json()
    assert done["processingStatus"] == "DONE"
    assert {"processingStartTime", "processingEndTime", "dataEndTime"} <= set(done)
    header, rows = rows_of(seller, done)
    assert header == list(COLUMNS)
    [row] = rows
    today = datetime.now(UTC).strftime("%d-%b-%Y")
    assert row["Order ID"] == order_id
    assert row["Amazon RMA ID"] == made.json()["amazonRmaId"]
    assert (row["Merchant SKU"], row["Return quantity"]) == ("SKU-0001", "2")
    assert row["Return Reason"] == "CR-DEFECTIVE"
    assert row["Return delivery date"] == today


def test_a_return_on_its_way_has_no_delivery_date_until_it_is_delivered(seller: Seller) -> None:
    order_id = shipped_order(seller)
    made = give_back(seller, order_id, ("SKU-0001", 1), delivered=False)
    _, [row] = rows_of(seller, finished_report(seller))
    assert row["Return delivery date"] == ""
    rma = made.json()["amazonRmaId"]
    delivered = httpx.post(f"{seller.url}/_sandbox/amazon/returns/{rma}/deliver")
    assert delivered.status_code == 200, delivered.text
    again = httpx.post(f"{seller.url}/_sandbox/amazon/returns/{rma}/deliver")
    assert again.status_code == 409
    _, [row] = rows_of(seller, finished_report(seller))
    assert row["Return delivery date"] != ""


def test_a_report_with_nothing_to_report_is_cancelled_without_a_document(seller: Seller) -> None:
    report = finished_report(seller)
    assert report["processingStatus"] == "CANCELLED"
    assert "reportDocumentId" not in report


def test_reports_are_gzipped_when_the_sandbox_is_told_to(serve: Serve) -> None:
    with open_seller(
        serve, report_queue_seconds=QUEUE, report_processing_seconds=PROCESSING, gzip_reports=True
    ) as seller:
        give_back(seller, shipped_order(seller, quantity=1), ("SKU-0001", 1))
        _, rows = rows_of(seller, finished_report(seller))
    assert [row["Merchant SKU"] for row in rows] == ["SKU-0001"]


def test_an_unknown_report_type_is_refused_in_sp_apis_error_shape(seller: Seller) -> None:
    refused = create_report(seller, reportType="GET_NO_SUCH_REPORT")
    assert refused.status_code == 400
    error = error_of(refused)
    assert error["code"] == "InvalidInput"
    assert "GET_NO_SUCH_REPORT" in error["details"]


@pytest.mark.parametrize(
    ("body", "wrong"),
    [
        ({"marketplaceIds": []}, "marketplaceIds"),
        ({"marketplaceIds": ["A1PA6795UKMFR9"]}, "marketplace"),
        ({"dataStartTime": "yesterday"}, "dataStartTime"),
        ({"dataEndTime": "2999-01-01T00:00:00Z"}, "now"),
        ({"dataEndTime": "2001-01-01T00:00:00Z"}, "dataStartTime must be prior"),
    ],
)
def test_a_bad_create_report_is_refused(seller: Seller, body: dict[str, Any], wrong: str) -> None:
    refused = create_report(seller, **body)
    assert refused.status_code == 400
    assert wrong in error_of(refused)["details"]


def test_unknown_reports_and_documents_are_not_found(seller: Seller) -> None:
    assert seller.http.get(f"{REPORTS}/424242").status_code == 404
    missing = seller.http.get("/reports/2021-06-30/documents/amzn1.spdoc.nope")
    assert error_of(missing)["code"] == "NotFound"


def test_create_report_has_its_small_quota(serve: Serve) -> None:
    with open_seller(serve, rate_limits={"createReport": (0.0167, 2)}) as seller:
        statuses = [create_report(seller).status_code for _ in range(3)]
    assert statuses == [202, 202, 429]


# -- the control route's refusals ---------------------------------------------------------------


def test_an_order_not_shipped_cannot_be_returned(seller: Seller) -> None:
    with seller.sandbox.lock:
        order = seller.sandbox.place_order("SKU-0001", 1)
    assert order is not None
    refused = give_back(seller, order["orderId"], ("SKU-0001", 1))
    assert refused.status_code == 409
    assert "UNSHIPPED" in refused.json()["detail"]


def test_no_more_units_come_back_than_shipped_over_several_returns(seller: Seller) -> None:
    order_id = shipped_order(seller, quantity=3)
    assert give_back(seller, order_id, ("SKU-0001", 2)).status_code == 201
    refused = give_back(seller, order_id, ("SKU-0001", 2))
    assert refused.status_code == 409
    assert "only 1" in refused.json()["detail"]
    assert give_back(seller, order_id, ("SKU-0001", 1)).status_code == 201


def test_a_return_must_name_the_orders_skus_and_a_known_order(seller: Seller) -> None:
    order_id = shipped_order(seller)
    assert give_back(seller, order_id, ("SKU-0002", 1)).status_code == 422
    assert give_back(seller, "111-0000000-0000000", ("SKU-0001", 1)).status_code == 404
    assert give_back(seller, order_id).status_code == 400  # no lines
    assert give_back(seller, order_id, ("SKU-0001", 0)).status_code == 400
    assert give_back(seller, order_id, ("SKU-0001", 1), reason="").status_code == 400
