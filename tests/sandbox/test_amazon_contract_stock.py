"""Acceptance: the Amazon sandbox's Reports 2021-06-30 and FBA Inventory v1 answers fit Amazon's
published models (reports_2021-06-30.json, fbaInventory.json in specs/amazon), and its default
rate limits (the sandbox's and the connector's) are the models' usage plans."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from stockpool.channels.amazon.calls import DEFAULT_RATE_LIMITS as CONNECTOR_LIMITS
from stockpool.sandbox.amazon.returns import REPORT_TYPE
from stockpool.sandbox.amazon.sandbox import DEFAULT_RATE_LIMITS
from tests.sandbox.amazon_contract import Contract, model_path, specs_dir
from tests.sandbox.amazon_support import MARKETPLACE, Seller, Serve, open_seller

REPORTS_MODEL, INVENTORY_MODEL = "reports_2021-06-30.json", "fbaInventory.json"
OPERATIONS = {
    REPORTS_MODEL: ("createReport", "getReport", "getReportDocument"),
    INVENTORY_MODEL: ("getInventorySummaries",),
}
SP_API = ("/reports/", "/fba/")


def contract_with(model: str) -> Contract:
    found = specs_dir()
    if found is None:
        pytest.skip("Amazon's models are not in the specs folder (STOCKPOOL_SPECS_DIR)")
    return Contract(found)


@pytest.fixture
def seller(serve: Serve) -> Iterator[Seller]:
    with open_seller(
        serve, report_queue_seconds=1, report_processing_seconds=1, inventory_page_size=1
    ) as found:
        yield found


def assert_fits(contract: Contract, seller: Seller) -> set[int]:
    answers = [a for a in seller.answers if a.request.url.path.startswith(SP_API)]
    problems = [problem for answer in answers for problem in contract.check_exchange(answer)]
    assert problems == []
    return {answer.status_code for answer in answers}


def test_reports_traffic_fits_the_model(seller: Seller) -> None:
    contract = contract_with(REPORTS_MODEL)
    with seller.sandbox.lock:
        order = seller.sandbox.place_order("SKU-0001", 2)
    assert order is not None
    httpx.post(f"{seller.url}/_sandbox/amazon/orders/{order['orderId']}/ship")
    httpx.post(
        f"{seller.url}/_sandbox/amazon/orders/{order['orderId']}/return",
        json={"lines": [{"sku": "SKU-0001", "quantity": 1}], "reason": "CR-DEFECTIVE"},
    )
    start = (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    spec = {"reportType": REPORT_TYPE, "marketplaceIds": [MARKETPLACE], "dataStartTime": start}
    report_id = seller.http.post("/reports/2021-06-30/reports", json=spec).json()["reportId"]
    seller.http.get(f"/reports/2021-06-30/reports/{report_id}")
    seller.clock.advance(2)
    done = seller.http.get(f"/reports/2021-06-30/reports/{report_id}").json()
    seller.http.get(f"/reports/2021-06-30/documents/{done['reportDocumentId']}")
    seller.http.post("/reports/2021-06-30/reports", json={**spec, "reportType": "GET_NOPE"})
    seller.http.get("/reports/2021-06-30/reports/424242")
    seller.http.get("/reports/2021-06-30/documents/amzn1.spdoc.nope")
    assert assert_fits(contract, seller) == {200, 202, 400, 404}


def test_inventory_traffic_fits_the_model(seller: Seller) -> None:
    contract = contract_with(INVENTORY_MODEL)
    for sku in ("SKU-0001", "SKU-0002"):
        httpx.put(f"{seller.url}/_sandbox/amazon/fba/{sku}", json={"fulfillable": 3, "expired": 1})
    query = {
        "granularityType": "Marketplace",
        "granularityId": MARKETPLACE,
        "marketplaceIds": MARKETPLACE,
    }
    first = seller.http.get("/fba/inventory/v1/summaries", params={**query, "details": "true"})
    token = first.json()["pagination"]["nextToken"]
    seller.http.get("/fba/inventory/v1/summaries", params={**query, "nextToken": token})
    seller.clock.advance(1)
    seller.http.get("/fba/inventory/v1/summaries", params={**query, "granularityId": "X"})
    assert assert_fits(contract, seller) == {200, 400}


@pytest.mark.parametrize("model", [REPORTS_MODEL, INVENTORY_MODEL])
def test_default_rate_limits_are_the_models_usage_plans(model: str) -> None:
    contract = contract_with(model)
    spec = json.loads(model_path(contract.directory, model).read_text())
    plans = {}
    for methods in spec["paths"].values():
        for declared in methods.values():
            if isinstance(declared, dict) and "operationId" in declared:
                found = re.search(r"\|\s*([\d.]+)\s*\|\s*(\d+)\s*\|", declared["description"])
                if found:
                    plans[declared["operationId"]] = (float(found[1]), float(found[2]))
    for operation in OPERATIONS[model]:
        assert DEFAULT_RATE_LIMITS[operation] == plans[operation], operation
        assert CONNECTOR_LIMITS[operation] == plans[operation], operation
