"""Issue 14's returns case, end to end, with stockpool served (its worker embedded) and the three
sandbox marketplaces in their own processes: a unit a buyer returns on Shopify (a refund that
restocks shipped units) is received into quality_control by the refunds/create webhook; until
it is inspected no channel shows it; inspected as damaged it never becomes available; inspected
as restock, every channel's number rises and reaches the sandboxes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.loop import SKUS, connect, converged, stock_up
from tests.e2e.processes import PLATFORMS, Sandboxes, Stockpool
from tests.sandbox.timing import eventually

CONVERGE_SECONDS = 60


def post(sandboxes: Sandboxes, platform: str, path: str, body: Any) -> Any:
    response = sandboxes.clients[platform].post(f"/_sandbox{path}", json=body)
    if not response.is_success:
        raise AssertionError(f"{path}: {response.status_code} {response.text}")
    return response.json()


def stock(stockpool: Stockpool, sku: str) -> dict[str, int]:
    found = stockpool.call("GET", f"/v1/skus/{sku}/stock")["locations"]
    [dallas] = [at for at in found if at["location"] == "DAL-1"]
    return dallas


def shown(sandboxes: Sandboxes, sku: str) -> dict[str, int]:
    return {platform: sandboxes.shown(platform)[sku] for platform in PLATFORMS}


def pools(stockpool: Stockpool, sku: str) -> dict[str, int]:
    """The units each channel's number is decided from: available where it sells."""
    answer = stockpool.call("GET", f"/v1/skus/{sku}/availability")
    return {item["channel"]: item["pool"]["eligible"] for item in answer["channels"]}


# On PostgreSQL only (~55 s): the engines' differences are proven by the store's tests; this one
# proves the loop, webhook to sandboxes.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_unit_returned_on_shopify_is_sellable_only_once_inspected_as_restock(
    processes, database_url
):
    sandboxes = processes.sandboxes(len(SKUS), seed=14)
    stockpool = processes.stockpool(database_url)
    stock_up(stockpool)
    connect(stockpool, sandboxes)
    converged(stockpool, sandboxes, CONVERGE_SECONDS)
    sku = SKUS[4]
    sold = post(sandboxes, "shopify", "/orders", {"sku": sku, "quantity": 2})
    external_id = str(sold["id"])
    [order] = eventually(
        lambda: [o for o in stockpool.orders("shopify") if o["external_id"] == external_id],
        seconds=30,
    )
    stockpool.call("POST", f"/v1/orders/{order['id']}/shipments")  # the warehouse ships it
    post(sandboxes, "shopify", f"/shopify/orders/{external_id}/fulfill", {})
    converged(stockpool, sandboxes, CONVERGE_SECONDS)
    pool, on_hand = pools(stockpool, sku), stock(stockpool, sku)["on_hand"]

    refund = {"line_items": [{"sku": sku, "quantity": 2}], "restock": True}
    post(sandboxes, "shopify", f"/shopify/orders/{external_id}/refund", refund)
    [received] = eventually(
        lambda: stockpool.call("GET", "/v1/returns", status="awaiting_inspection")["items"],
        seconds=30,
    )
    assert (received["channel"], received["order_external_id"]) == ("shopify", external_id)
    assert received["platform_return_id"] and received["location"] == "DAL-1"
    assert stock(stockpool, sku)["quality_control"] == 2
    assert stock(stockpool, sku)["on_hand"] == on_hand + 2
    # Shopify restocked the units itself; stockpool shows none of them until inspected: each
    # channel's number is decided from the same units as before (the numbers themselves may
    # move as the measured sync lag does), and every platform shows stockpool's.
    converged(stockpool, sandboxes, CONVERGE_SECONDS)
    assert pools(stockpool, sku) == pool
    assert shown(sandboxes, sku) == stockpool.recorded(sku)

    inspections = f"/v1/returns/{received['id']}/inspections"
    stockpool.call("POST", inspections, {"sku": sku, "quantity": 1, "disposition": "damaged"})
    converged(stockpool, sandboxes, CONVERGE_SECONDS)
    assert pools(stockpool, sku) == pool
    assert (stock(stockpool, sku)["damaged"], stock(stockpool, sku)["quality_control"]) == (1, 1)

    before = stockpool.recorded(sku)
    stockpool.call("POST", inspections, {"sku": sku, "quantity": 1, "disposition": "restock"})
    assert pools(stockpool, sku) == {channel: units + 1 for channel, units in pool.items()}
    after = eventually(
        lambda: stockpool.recorded(sku),
        lambda numbers: all(numbers[c] > before[c] for c in PLATFORMS),
        seconds=30,
    )
    converged(stockpool, sandboxes, CONVERGE_SECONDS)
    assert shown(sandboxes, sku) == after
    assert stockpool.call("GET", f"/v1/returns/{received['id']}")["status"] == "inspected"
    # Shopify's refund webhook and the returns poll name one return: it is taken once.
    assert len(stockpool.call("GET", "/v1/returns")["items"]) == 1
