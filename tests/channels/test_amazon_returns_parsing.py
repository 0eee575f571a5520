"""Reading Amazon's returns report: header spellings, date formats, rows without an RMA id,
several SKUs under one RMA, and reports that cannot be read."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from stockpool.channels.amazon.returns_report import (
    UnreadableReport,
    decoded,
    delivered_returns,
    rows,
)
from stockpool.domain.errors import PlatformUnavailable
from stockpool.domain.platforms import PlatformOrderLine, PlatformReturn

PUBLISHED = (
    "Order ID\tOrder date\tReturn request date\tReturn request status\tAmazon RMA ID\t"
    "Merchant RMA ID\tLabel type\tLabel cost\tCurrency code\tReturn carrier\tTracking ID\t"
    "Label to be paid by\tA-to-Z Claim\tIs prime\tASIN\tMerchant SKU\tItem Name\tReturn quantity\t"
    "Return Reason\tIn policy\tReturn type\tResolution\tInvoice number\tReturn delivery date\t"
    "Order Amount\tOrder quantity\tSafeT Action reason\tSafeT claim id\tSafeT claim state\t"
    "SafeT claim creation time\tSafeT claim reimbursement amount\tRefunded Amount\n"
)


def published_row(order: str, rma: str, sku: str, quantity: int, delivered: str) -> str:
    values = [""] * 32
    values[0], values[2], values[4], values[15] = order, "10-Jul-2025", rma, sku
    values[17], values[18], values[23] = str(quantity), "CR-DEFECTIVE", delivered
    return "\t".join(values) + "\n"


def test_the_published_columns_give_one_return_per_rma_with_its_skus_as_lines() -> None:
    text = (
        PUBLISHED
        + published_row("113-1-1", "DfqRMA", "A", 2, "14-Jul-2025")
        + published_row("113-1-1", "DfqRMA", "B", 1, "15-Jul-2025")
        + published_row("113-2-2", "DzzRMA", "A", 1, "")  # on its way: not taken
    )
    assert delivered_returns(rows(text)) == [
        PlatformReturn(
            return_id="DfqRMA",
            order_external_id="113-1-1",
            lines=(PlatformOrderLine("A", 2), PlatformOrderLine("B", 1)),
            returned_at=datetime(2025, 7, 15, tzinfo=UTC),
            reason="CR-DEFECTIVE",
        )
    ]


@pytest.mark.parametrize(
    "delivered", ["2025-07-14", "07/14/2025", "2025-07-14T23:10:00+00:00", "Jul 14, 2025"]
)
def test_kebab_case_headers_and_other_date_formats_are_read(delivered: str) -> None:
    text = (
        "order-id\treturn-request-date\tamazon-rma-id\tmerchant_sku\treturn-quantity\t"
        f"return-reason\treturn-delivery-date\n113-1-1\t2025-07-10\tR1\tA\t3\tDAMAGED\t{delivered}\n"
    )
    [returned] = delivered_returns(rows(text))
    assert returned.returned_at == datetime(2025, 7, 14, tzinfo=UTC)
    assert returned.lines == (PlatformOrderLine("A", 3),)


def test_a_row_without_an_rma_id_is_named_by_order_sku_and_request_date() -> None:
    text = PUBLISHED + published_row("113-1-1", "", "A", 1, "14-Jul-2025")
    [returned] = delivered_returns(rows(text))
    assert returned.return_id == "113-1-1:A:10-Jul-2025"


def test_a_header_only_report_has_no_returns() -> None:
    assert delivered_returns(rows(PUBLISHED)) == []
    assert rows("") == []


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("Order ID\tReturn quantity\n1\t1\n", "merchant sku"),
        (PUBLISHED + published_row("113-1-1", "R", "A", 0, "14-Jul-2025"), "not positive"),
        (PUBLISHED + published_row("113-1-1", "R", "A", 1, "soon"), "'soon' is not a date"),
        (PUBLISHED.replace("Return quantity", "Units") + "x\n", "return quantity"),
    ],
)
def test_a_report_that_cannot_be_read_says_why(text: str, said: str) -> None:
    with pytest.raises(UnreadableReport, match=said) as raised:
        rows(text)
    assert isinstance(raised.value, PlatformUnavailable)


def test_windows_1252_and_a_byte_order_mark_are_decoded() -> None:
    assert decoded("\ufeffOrder ID\tCaf\u00e9".encode()) == "Order ID\tCaf\u00e9"
    assert decoded("Caf\u00e9".encode("cp1252")) == "Caf\u00e9"
