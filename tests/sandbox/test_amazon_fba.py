"""The Amazon sandbox's FBA stock: set per seller SKU (a control route), read through FBA
Inventory v1 getInventorySummaries, page by page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.sandbox.amazon_support import MARKETPLACE, Seller, Serve, error_of, open_seller

SUMMARIES = "/fba/inventory/v1/summaries"


@pytest.fixture
def seller(serve: Serve) -> Iterator[Seller]:
    with open_seller(serve, inventory_page_size=2) as found:
        yield found


def set_fba(seller: Seller, sku: str, **units: int) -> httpx.Response:
    return httpx.put(f"{seller.url}/_sandbox/amazon/fba/{sku}", json=units)


def summaries(seller: Seller, **params: Any) -> httpx.Response:
    query = {"granularityType": "Marketplace", "granularityId": MARKETPLACE}
    return seller.http.get(SUMMARIES, params={**query, "marketplaceIds": MARKETPLACE, **params})


def test_fba_stock_set_by_sku_is_reported_with_its_details(seller: Seller) -> None:
    assert (
        set_fba(
            seller,
            "SKU-0001",
            fulfillable=7,
            inbound_shipped=4,
            reserved_customer_orders=2,
            reserved_fc_processing=1,
            researching=3,
            customer_damaged=1,
            defective=2,
        ).status_code
        == 200
    )
    answer = summaries(seller, details="true")
    assert answer.status_code == 200, answer.text
    [summary] = answer.json()["payload"]["inventorySummaries"]
    details = summary["inventoryDetails"]
    assert summary["sellerSku"] == "SKU-0001"
    assert details["fulfillableQuantity"] == 7
    assert details["inboundShippedQuantity"] == 4
    assert details["reservedQuantity"]["totalReservedQuantity"] == 3
    assert details["reservedQuantity"]["fcProcessingQuantity"] == 1
    assert details["researchingQuantity"]["totalResearchingQuantity"] == 3
    assert details["unfulfillableQuantity"]["totalUnfulfillableQuantity"] == 3
    assert summary["totalQuantity"] == 7 + 4 + 3 + 3 + 3
    assert answer.json()["payload"]["granularity"]["granularityId"] == MARKETPLACE
    assert "pagination" not in answer.json()


def test_without_details_a_summary_has_no_inventory_details(seller: Seller) -> None:
    set_fba(seller, "SKU-0001", fulfillable=1)
    [summary] = summaries(seller).json()["payload"]["inventorySummaries"]
    assert "inventoryDetails" not in summary


def test_summaries_come_in_pages_and_a_next_token_expires(seller: Seller) -> None:
    for number in range(1, 6):
        set_fba(seller, f"SKU-{number:04d}", fulfillable=number)
    seen, token, tokens = [], None, []
    while True:
        seller.clock.advance(0.5)  # the operation's rate: 2 a second, burst 2
        answer = summaries(seller, **({"nextToken": token} if token else {}))
        assert answer.status_code == 200, answer.text
        seen += [s["sellerSku"] for s in answer.json()["payload"]["inventorySummaries"]]
        token = answer.json().get("pagination", {}).get("nextToken")
        if token is None:
            break
        tokens.append(token)
    assert seen == [f"SKU-{number:04d}" for number in range(1, 6)]
    assert len(tokens) == 2
    seller.clock.advance(31)
    stale = summaries(seller, nextToken=tokens[0])
    assert stale.status_code == 400
    assert "expired" in error_of(stale)["details"]


def test_seller_skus_choose_the_summaries(seller: Seller) -> None:
    for sku in ("SKU-0001", "SKU-0002", "SKU-0003"):
        set_fba(seller, sku, fulfillable=1)
    chosen = summaries(seller, sellerSkus="SKU-0003,SKU-0001").json()["payload"]
    assert [s["sellerSku"] for s in chosen["inventorySummaries"]] == ["SKU-0001", "SKU-0003"]


@pytest.mark.parametrize(
    ("params", "wrong"),
    [
        ({"granularityType": "Country"}, "granularityType"),
        ({"granularityId": "A1PA6795UKMFR9"}, "granularityId"),
        ({"marketplaceIds": "ATVPDKIKX0DER,A1PA6795UKMFR9"}, "exactly one"),
        ({"details": "yes"}, "details"),
        ({"nextToken": "nope"}, "nextToken"),
    ],
)
def test_a_bad_summaries_request_is_refused(
    seller: Seller, params: dict[str, str], wrong: str
) -> None:
    refused = summaries(seller, **params)
    assert refused.status_code == 400
    assert wrong in error_of(refused)["details"]


def test_the_control_route_refuses_negative_or_unknown_quantities(seller: Seller) -> None:
    assert set_fba(seller, "SKU-0001", fulfillable=-1).status_code == 400
    assert set_fba(seller, "SKU-0001", sellable=3).status_code == 400


def test_get_inventory_summaries_has_its_rate_limit(seller: Seller) -> None:
    statuses = [summaries(seller).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert summaries(seller).status_code == 429
    seller.clock.advance(0.5)
    assert summaries(seller).status_code == 200
