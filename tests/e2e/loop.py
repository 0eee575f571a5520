"""The loop's scenario, shared by the e2e tests: a catalogue in stockpool, the three sandboxes
connected and discovered, buyers' orders, and what each side says about them."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from tests.e2e.processes import PLATFORMS, Sandboxes, Stockpool
from tests.sandbox.timing import eventually

SKUS = [f"SKU-{n:04d}" for n in range(1, 11)]
RECEIVED = 20  # units of each SKU received at DAL-1: the pool
HOT = SKUS[:2]  # the buyers' orders go to these, so that together they could take the pool twice


def stock_up(stockpool: Stockpool) -> None:
    """SKU-0001..SKU-0010, and DAL-1 receiving RECEIVED of each."""
    stockpool.call("PUT", "/v1/locations/DAL-1", {"kind": "warehouse", "name": "Dallas"})
    for sku in SKUS:
        stockpool.call("PUT", f"/v1/skus/{sku}", {"name": sku})
        receipt = {"sku": sku, "location": "DAL-1", "quantity": RECEIVED}
        stockpool.call("POST", "/v1/stock/receipts", receipt)


def connect(stockpool: Stockpool, sandboxes: Sandboxes, platforms: tuple[str, ...] = PLATFORMS):
    """Each platform a channel of its name, connected by copying its line, listings discovered."""
    for platform in platforms:
        body = {"platform": platform, "connection": sandboxes.connection(platform)}
        stockpool.call("PUT", f"/v1/channels/{platform}", body)
        found = stockpool.call("POST", f"/v1/channels/{platform}/listings:discover")
        if sorted(found["mapped"]) != SKUS:
            raise AssertionError(f"{platform} discovered {found}")


def behind(stockpool: Stockpool, sandboxes: Sandboxes) -> list[str]:
    """Every listing whose platform does not show stockpool's recorded number."""
    shown = {platform: sandboxes.shown(platform) for platform in PLATFORMS}
    late = []
    for sku in SKUS:
        for channel, want in stockpool.recorded(sku).items():
            have = shown[channel].get(sku)
            if want is None or have != want:
                late.append(f"{channel} {sku}: shows {have}, stockpool {want}")
    return late


def converged(stockpool: Stockpool, sandboxes: Sandboxes, seconds: float) -> dict[str, float]:
    """Wait until every channel shows stockpool's numbers; how long each took, and "all"."""
    start = time.monotonic()
    took = dict.fromkeys(PLATFORMS, 0.0)

    def late() -> list[str]:
        found = behind(stockpool, sandboxes)
        for entry in found:
            took[entry.split()[0]] = time.monotonic() - start
        return found

    eventually(late, lambda found: not found, seconds=seconds)
    return took | {"all": time.monotonic() - start}


def timings(took: dict[str, float]) -> str:
    return ", ".join(f"{name} {seconds:.1f}s" for name, seconds in took.items())


def buyers(attempts: int) -> list[tuple[str, str]]:
    """A fixed plan of buyers' orders: (platform, sku), round the platforms; three in four on
    the hot SKUs, the fourth on the others in turn (so the last orders still change numbers)."""
    cold = SKUS[len(HOT) :]
    plan = []
    for n in range(attempts):
        sku = cold[n // 4 % len(cold)] if n % 4 == 3 else HOT[n // 4 % len(HOT)]
        plan.append((PLATFORMS[n % 3], sku))
    return plan


def sold(sandboxes: Sandboxes) -> Counter[str]:
    """Units each SKU sold, all platforms together."""
    total: Counter[str] = Counter()
    for platform in PLATFORMS:
        for item in sandboxes.get(platform, "/listings"):
            total[item["sku"]] += item["sold"]
    return total


EXTERNAL_ID = {
    "shopify": lambda order: str(order["id"]),
    "amazon": lambda order: order["orderId"],
    "walmart": lambda order: str(order["purchaseOrderId"]),
}


def placed(sandboxes: Sandboxes, platform: str) -> list[str]:
    """The ids of the orders a platform recorded."""
    return [EXTERNAL_ID[platform](order) for order in sandboxes.get(platform, "/orders")]


def ingested(stockpool: Stockpool, platform: str) -> list[str]:
    return [order["external_id"] for order in stockpool.orders(platform)]


def all_ingested(stockpool: Stockpool, sandboxes: Sandboxes, seconds: float = 30) -> None:
    """Wait until stockpool holds every order each platform recorded."""

    def missing() -> dict[str, set[str]]:
        return {
            platform: set(placed(sandboxes, platform)) - set(ingested(stockpool, platform))
            for platform in PLATFORMS
        }

    eventually(missing, lambda gaps: not any(gaps.values()), seconds=seconds)


def committed(stockpool: Stockpool, sku: str) -> int:
    return int(stockpool.call("GET", f"/v1/skus/{sku}/stock")["totals"]["committed"])


def held_by_orders(stockpool: Stockpool) -> Counter[str]:
    """Units stockpool's orders from the platforms hold, by SKU: committed, or short (in
    conflict: sold by a platform with no unit to commit)."""
    total: Counter[str] = Counter()
    for platform in PLATFORMS:
        for order in stockpool.orders(platform):
            for line in order["lines"]:
                total[line["sku"]] += line["committed"] + line["short"]
    return total


def pushes(sandboxes: Sandboxes, platform: str, after: int = 0) -> list[dict[str, Any]]:
    """The platform calls that carried numbers (single or bulk), faulted or not."""
    found = []
    for request in sandboxes.get(platform, "/requests", after=after):
        method, path = request["method"], request["path"]
        if platform == "shopify":
            carries = path.endswith("graphql.json") and "inventorySetQuantities" in request["body"]
        elif platform == "amazon":
            carries = (method == "PATCH" and path.startswith("/listings/")) or (
                method == "POST" and path.endswith("/feeds")
            )
        else:
            carries = (method == "PUT" and path == "/v3/inventory") or (
                method == "POST" and path == "/v3/feeds"
            )
        if carries:
            found.append(request)
    return found
