"""What `stockpool demo` prints while it runs: a short line every few seconds (orders per
channel, conflicts, the hot SKU on every side) and each conflict once, as it is decided."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from rich.markup import escape

from stockpool.entrypoints.cli.demo_processes import PLATFORMS
from stockpool.entrypoints.cli.demo_scenario import HOT, SHOWN_AT_START, Api
from stockpool.entrypoints.cli.output import console


def every_page(api: Api, path: str, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page = api.call("GET", path, limit=500, **params, **({"cursor": cursor} if cursor else {}))
        found += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return found


@dataclass
class Watch:
    """What the demo has seen so far; `tick` prints what changed and the live line."""

    api: Api
    orders: Counter[str] = field(default_factory=Counter)
    conflicts_told: set[int] = field(default_factory=set)
    conflicts: Counter[str] = field(default_factory=Counter)
    moved: dict[str, set[str]] = field(default_factory=lambda: {p: set() for p in PLATFORMS})

    def tick(self, elapsed: float) -> None:
        for platform in PLATFORMS:
            self.orders[platform] = len(every_page(self.api, "/v1/orders", channel=platform))
            for listing in self.api.control(platform, "GET", "/listings") or []:
                if listing["shown"] != SHOWN_AT_START or listing.get("pushes"):
                    self.moved[platform].add(listing["sku"])
        for conflict in every_page(self.api, "/v1/conflicts"):
            if conflict["status"] == "resolved" and conflict["id"] not in self.conflicts_told:
                self.conflicts_told.add(conflict["id"])
                self.conflicts[str((conflict["resolution"] or {}).get("action"))] += 1
                console.print(describe_conflict(conflict), highlight=False)
        console.print(self.line(elapsed), highlight=False, soft_wrap=True)

    def line(self, elapsed: float) -> str:
        orders = ", ".join(f"{p} {self.orders[p]}" for p in PLATFORMS)
        conflicts = sum(self.conflicts.values())
        return (
            f"[dim]{elapsed:5.0f}s[/] orders: {orders} | conflicts decided: {conflicts} | "
            f"{HOT}: {self.hot()}"
        )

    def hot(self) -> str:
        """The hot SKU as stockpool decides it per channel, and as each platform shows it."""
        answer = self.api.call("GET", f"/v1/skus/{HOT}/availability")
        decided = {item["channel"]: item["recorded"] for item in answer["channels"]}
        shown = []
        for platform in PLATFORMS:
            listing = self.api.control(platform, "GET", f"/listings/{HOT}") or {}
            shown.append(f"{platform} shows {listing.get('shown')} (sent {decided.get(platform)})")
        return ", ".join(shown)

    def summary(self) -> str:
        orders = " ".join(f"{p}={self.orders[p]}" for p in PLATFORMS)
        moved = " ".join(f"{p}={len(self.moved[p])}" for p in PLATFORMS)
        actions = " ".join(f"{a}={n}" for a, n in sorted(self.conflicts.items())) or "none"
        return (
            f"summary: orders {orders}; conflicts decided {sum(self.conflicts.values())} "
            f"({actions}); listings moved {moved}"
        )


def describe_conflict(conflict: dict[str, Any]) -> str:
    """One conflict in a sentence: whose line was short, what was decided and why."""
    resolution = conflict["resolution"] or {}
    return escape(
        f"conflict {conflict['id']}: {conflict['channel']} order {conflict['external_id']} was "
        f"{conflict['short']} short of {conflict['sku']} -> {resolution.get('action')}: "
        f"{resolution.get('reason', '')} ({conflict['decided_by']})"
    )
