"""What `stockpool demo` sets up, through the served API and the sandboxes' control routes: the
sample catalogue, the three channels connected and their listings discovered, and the buyers.

The sandboxes list SKU-0001…SKU-0012 (discovery maps them by code). Every platform shows 5 of each
at start, a number from before stockpool ran: until stockpool's own numbers land (Shopify 2 s,
Walmart 6 s, Amazon 8 s later) the platforms promise more of the hot SKU than the shelf holds.
That is the gap the product exists for, and where the demo's first conflict comes from."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

from stockpool.domain.errors import InvalidRequest
from stockpool.entrypoints.cli.demo_processes import PLATFORMS

SHOWN_AT_START = 5
DELAYS = {"shopify": 2, "amazon": 8, "walmart": 6}  # propagation, seconds
# What a seller cancellation costs on each channel: the conflict gives the scarce units to the
# costliest line (Amazon counts cancellations against the seller's metrics).
CANCELLATION_COSTS = {"shopify": 10, "walmart": 60, "amazon": 100}
HOT = "SKU-0001"  # 2 units for 3 marketplaces showing 5: a conflict in the first seconds
RUSH_ORDERS = 3
LOCATIONS = {
    "DAL-1": {"kind": "warehouse", "name": "Dallas warehouse", "priority": 10},
    "RNO-1": {"kind": "warehouse", "name": "Reno warehouse", "priority": 20},
    "FBA-US": {
        "kind": "marketplace_fulfilled",
        "name": "Amazon FBA (US)",
        "channels": ["amazon"],
        "priority": 30,
    },
}
# sku: (name, units at DAL-1, RNO-1, FBA-US)
CATALOGUE: dict[str, tuple[str, int, int, int]] = {
    "SKU-0001": ("Trail runner, size 9, limited colour", 2, 0, 0),
    "SKU-0002": ("Trail runner, size 10", 3, 1, 0),
    "SKU-0003": ("Merino tee, M, black", 12, 8, 6),
    "SKU-0004": ("Merino tee, L, black", 10, 6, 4),
    "SKU-0005": ("Rain shell, M, olive", 6, 4, 0),
    "SKU-0006": ("Rain shell, L, olive", 5, 5, 0),
    "SKU-0007": ("Hiking sock, 3-pack", 30, 20, 12),
    "SKU-0008": ("Water bottle, 750 ml", 18, 10, 8),
    "SKU-0009": ("Headlamp, 300 lm", 8, 0, 5),
    "SKU-0010": ("Daypack, 22 l", 4, 6, 0),
    "SKU-0011": ("Camp mug, enamel", 15, 10, 0),
    "SKU-0012": ("Trekking poles, pair", 3, 3, 2),
}
SKUS = sorted(CATALOGUE)
# Each platform's buyers shop the hot SKUs and a few others (a buyer picks among those shown).
BUYERS_SKUS = {
    "shopify": ["SKU-0001", "SKU-0002", "SKU-0003", "SKU-0005", "SKU-0007", "SKU-0011"],
    "amazon": ["SKU-0001", "SKU-0002", "SKU-0004", "SKU-0008", "SKU-0009", "SKU-0012"],
    "walmart": ["SKU-0001", "SKU-0002", "SKU-0006", "SKU-0007", "SKU-0010", "SKU-0011"],
}
BUYERS_PER_MINUTE = 4.0  # per platform, at --pace 1


def sandbox_args() -> list[str]:
    """`stockpool sandbox` options for the demo: any free ports, the catalogue listed."""
    ports = [f"--{platform}-port=0" for platform in PLATFORMS]
    delays = [f"--delay={platform}={seconds}" for platform, seconds in DELAYS.items()]
    return [*ports, f"--seed-skus={len(SKUS)}", f"--shown={SHOWN_AT_START}", *delays]


@dataclass
class Api:
    """The served API with the demo's admin key, and a client on each sandbox."""

    stockpool: httpx.Client
    sandboxes: dict[str, httpx.Client]

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        response = self.stockpool.request(method, path, json=body, params=params or None)
        if not response.is_success:
            raise InvalidRequest(f"{method} {path}: {response.status_code} {response.text}")
        return response.json() if response.content else None

    def control(self, platform: str, method: str, route: str, body: Any = None) -> Any:
        response = self.sandboxes[platform].request(method, f"/_sandbox{route}", json=body)
        if response.status_code == 409:
            return None
        if not response.is_success:
            raise InvalidRequest(f"{platform} sandbox {route}: {response.text}")
        return response.json() if response.content else None

    def close(self) -> None:
        self.stockpool.close()
        for client in self.sandboxes.values():
            client.close()


def open_api(url: str, secret: str, lines: dict[str, dict[str, Any]]) -> Api:
    headers = {"Authorization": f"Bearer {secret}"}
    return Api(
        stockpool=httpx.Client(base_url=url, headers=headers, timeout=30),
        sandboxes={
            name: httpx.Client(base_url=line["url"], timeout=30) for name, line in lines.items()
        },
    )


def stock_up(api: Api) -> None:
    """Channels (with their cancellation costs), locations, SKUs and the stock received."""
    for platform in PLATFORMS:
        body = {"platform": platform, "cancellation_cost": CANCELLATION_COSTS[platform]}
        api.call("PUT", f"/v1/channels/{platform}", body)
    for code, location in LOCATIONS.items():
        api.call("PUT", f"/v1/locations/{code}", location)
    for sku, (name, *units) in CATALOGUE.items():
        api.call("PUT", f"/v1/skus/{sku}", {"name": name})
        for at, quantity in zip(LOCATIONS, units, strict=True):
            if quantity:
                receipt = {
                    "sku": sku,
                    "location": at,
                    "quantity": quantity,
                    "reference": "demo:opening",
                }
                api.call("POST", "/v1/stock/receipts", receipt)
        # What Amazon's fulfilment centres hold agrees with FBA-US, so the worker's reading
        # of FBA stock finds nothing to correct.
        api.control("amazon", "PUT", f"/amazon/fba/{sku}", {"fulfillable": units[2]})


def connect(api: Api, lines: dict[str, dict[str, Any]]) -> None:
    """Each channel connected by copying its sandbox's line, its listings discovered."""
    for platform in PLATFORMS:
        line = lines[platform]
        connection: dict[str, Any] = {"url": line["url"], "credentials": line["credentials"]}
        if line.get("token_url"):
            connection["token_url"] = line["token_url"]
        body = {
            "platform": platform,
            "cancellation_cost": CANCELLATION_COSTS[platform],
            "connection": connection,
        }
        api.call("PUT", f"/v1/channels/{platform}", body)
        found = api.call("POST", f"/v1/channels/{platform}/listings:discover")
        if sorted(found["mapped"]) != SKUS:
            raise InvalidRequest(f"{platform}: discovery mapped {found['mapped']}, not {SKUS}")


def rush(api: Api) -> list[str]:
    """Three buyers order the hot SKU while the platforms still show the 5 they showed before
    stockpool's number reached them: 3 orders for 2 units. One per marketplace, Shopify's first
    (cheapest to cancel: it is the line that gives way); should Shopify already show stockpool's
    number, the slow platforms take its place. The platforms that took an order, in turn."""
    took: list[str] = []
    for platform in ("shopify", "walmart", "amazon", "walmart", "amazon"):
        if len(took) == RUSH_ORDERS:
            break
        if api.control(platform, "POST", "/orders", {"sku": HOT, "quantity": 1}) is not None:
            took.append(platform)
        time.sleep(0.5)
    return took


def start_buyers(api: Api, pace: float) -> None:
    for platform, skus in BUYERS_SKUS.items():
        body = {"rate_per_minute": BUYERS_PER_MINUTE * pace, "skus": skus}
        api.control(platform, "PUT", "/buyers", body)


def stop_buyers(api: Api) -> None:
    for platform in PLATFORMS:
        api.control(platform, "PUT", "/buyers", {"rate_per_minute": 0})
