"""The Amazon connector's returns (the Reports API's returns report) and FBA stock (FBA
Inventory's summaries) against the Amazon sandbox, on a clock the test moves by hand."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from stockpool.channels.amazon.returns import ReturnsCursor, ReturnsWindows
from stockpool.domain.errors import PlatformUnavailable
from stockpool.domain.platforms import FulfilledRow, PlatformOrderLine
from tests.channels.amazon_support import market
from tests.sandbox.timing import eventually

REPORTS = "/reports/2021-06-30/reports"


def test_a_returned_order_comes_back_once_across_calls_with_the_advancing_cursor() -> None:
    with market(shown=10) as amazon:
        order_id = amazon.shipped("SKU-0001", 3)
        rma_id = amazon.give_back(order_id, ("SKU-0001", 2), reason="CR-DEFECTIVE")
        first = amazon.connector.returns_since(None)
        second = amazon.connector.returns_since(first.cursor)
        later_id = amazon.give_back(order_id, ("SKU-0001", 1), reason="CR-UNWANTED_ITEM")
        third = amazon.connector.returns_since(second.cursor)
        polled = amazon.connector.orders_since(None)
    [returned] = first.returns
    assert returned.return_id == rma_id
    assert returned.order_external_id == order_id
    assert order_id in {order.external_id for order in polled.orders}  # the same id as orders
    assert returned.lines == (PlatformOrderLine("SKU-0001", 2),)
    assert returned.reason == "CR-DEFECTIVE"
    assert second.returns == ()
    assert [r.return_id for r in third.returns] == [later_id]
    assert first.cursor is not None and second.cursor is not None
    assert ReturnsCursor.decode(second.cursor).after >= ReturnsCursor.decode(first.cursor).after


def test_a_pending_report_is_followed_by_the_next_call_not_asked_for_again() -> None:
    windows = ReturnsWindows(wait_seconds=10, poll_seconds=5)
    with market(report_processing_seconds=600, returns_windows=windows) as amazon:
        rma_id = amazon.give_back(amazon.shipped("SKU-0002", 1), ("SKU-0002", 1))
        waiting = amazon.connector.returns_since(None)
        assert waiting.returns == ()
        assert waiting.cursor is not None
        pending = ReturnsCursor.decode(waiting.cursor).pending
        assert pending is not None
        amazon.clock.advance(600)
        done = amazon.connector.returns_since(waiting.cursor)
        # The log is written as each answer ends: wait for the last getReport to be in it.
        followed = eventually(lambda: amazon.calls(REPORTS), lambda found: len(found) >= 4)
        created = amazon.calls(REPORTS, "POST")
    assert [r.return_id for r in done.returns] == [rma_id]
    assert len(created) == 1
    assert len(amazon.sandbox.reports.reports) == 1
    assert {entry["path"] for entry in followed} == {f"{REPORTS}/{pending}"}
    assert sum(amazon.sleeps.waits) == pytest.approx(10)  # the wait is bounded


def test_a_return_still_on_its_way_comes_back_once_delivered() -> None:
    with market() as amazon:
        rma_id = amazon.give_back(amazon.shipped("SKU-0001", 1), ("SKU-0001", 1), delivered=False)
        before = amazon.connector.returns_since(None)
        answer = httpx.post(f"{amazon.url}/_sandbox/amazon/returns/{rma_id}/deliver")
        assert answer.status_code == 200
        amazon.clock.advance(60)  # createReport's quota: about one a minute
        after = amazon.connector.returns_since(before.cursor)
    assert before.returns == ()
    assert [r.return_id for r in after.returns] == [rma_id]


def test_a_delivery_reported_a_day_late_is_still_taken_once() -> None:
    with market() as amazon:
        first = amazon.connector.returns_since(None)
        rma_id = amazon.give_back(amazon.shipped("SKU-0001", 1), ("SKU-0001", 1))
        with amazon.sandbox.lock:  # delivered yesterday, shown only now: before the cursor's day
            [made] = amazon.sandbox.returns
            made.delivered = made.requested - timedelta(days=1)
        second = amazon.connector.returns_since(first.cursor)
        third = amazon.connector.returns_since(second.cursor)
    assert [r.return_id for r in second.returns] == [rma_id]
    assert third.returns == ()


def test_a_report_amazon_cancels_for_want_of_data_moves_the_cursor_on() -> None:
    with market() as amazon:
        first = amazon.connector.returns_since(None)
        assert first.returns == ()
        assert first.cursor is not None
        cursor = ReturnsCursor.decode(first.cursor)
        [report] = amazon.sandbox.reports.reports.values()
    assert report.status == "CANCELLED"
    assert cursor.pending is None
    assert cursor.after == report.data_end.replace(microsecond=0)


def test_a_gzipped_report_with_two_skus_under_one_rma_is_one_return() -> None:
    with market(gzip_reports=True) as amazon:
        with amazon.sandbox.lock:  # an order of two SKUs: the sandbox's buyers order one
            order = amazon.sandbox.place_order("SKU-0001", 2)
            assert order is not None
            line = order["orderItems"][0]
            order["orderItems"].append(
                {**line, "product": {**line["product"], "sellerSku": "SKU-0003"}}
            )
        amazon.change_order(order["orderId"], "ship")
        rma_id = amazon.give_back(order["orderId"], ("SKU-0001", 1), ("SKU-0003", 2))
        [returned] = amazon.connector.returns_since(None).returns
    assert returned.return_id == rma_id
    assert set(returned.lines) == {
        PlatformOrderLine("SKU-0001", 1),
        PlatformOrderLine("SKU-0003", 2),
    }


def test_a_pending_report_amazon_no_longer_knows_is_let_go() -> None:
    with market() as amazon:
        gone = ReturnsCursor(amazon.connector.now(), {}, "424242").encode()
        page = amazon.connector.returns_since(gone)
        created = amazon.sandbox.reports.reports
    assert page.returns == ()
    assert page.cursor is not None
    assert ReturnsCursor.decode(page.cursor).pending is None
    assert created == {}  # a new report is asked for on the next call, not this one


def test_a_returns_report_amazon_cannot_serve_raises_platform_unavailable() -> None:
    with market() as amazon:
        amazon.faults(error_rate=1.0)
        with pytest.raises(PlatformUnavailable):
            amazon.connector.returns_since(None)


def test_a_cursor_the_connector_did_not_write_is_refused_plainly() -> None:
    with market() as amazon, pytest.raises(ValueError, match="start again without a cursor"):
        amazon.connector.returns_since("not-a-cursor")


# -- FBA stock ------------------------------------------------------------------------------------


def test_fba_stock_comes_back_from_every_page_mapped_to_our_buckets() -> None:
    with market(inventory_page_size=2) as amazon:
        amazon.set_fba(
            "SKU-0001",
            fulfillable=10,
            inbound_shipped=50,
            reserved_customer_orders=2,
            reserved_fc_processing=1,
            researching=4,
            customer_damaged=3,
            expired=1,
        )
        amazon.set_fba("SKU-0002", fulfillable=5)
        amazon.set_fba("SKU-0003", inbound_working=7)
        before = amazon.connector.now()
        stock = amazon.connector.fulfilled_stock()
        pages = eventually(lambda: amazon.calls("/fba/inventory/v1/summaries"))
    assert stock is not None
    assert len(pages) == 2
    assert before <= stock.as_of <= before + timedelta(minutes=1)
    assert {row.channel_sku: row for row in stock.rows} == {
        "SKU-0001": FulfilledRow("SKU-0001", on_hand=10 + 3 + 4 + 4, damaged=4, quality_control=5),
        "SKU-0002": FulfilledRow("SKU-0002", on_hand=5),
        "SKU-0003": FulfilledRow("SKU-0003", on_hand=0),  # inbound units are not on hand
    }


def test_fba_stock_waits_for_the_summaries_rate_between_pages() -> None:
    with market(inventory_page_size=1) as amazon:
        for number in range(1, 6):
            amazon.set_fba(f"SKU-{number:04d}", fulfillable=number)
        stock = amazon.connector.fulfilled_stock()
    assert stock is not None
    assert sorted(row.on_hand for row in stock.rows) == [1, 2, 3, 4, 5]
    assert amazon.sleeps.waits  # burst 2: the third page waited for its token


def test_no_fba_stock_is_an_empty_snapshot() -> None:
    with market() as amazon:
        stock = amazon.connector.fulfilled_stock()
    assert stock is not None
    assert stock.rows == ()
