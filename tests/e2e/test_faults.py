"""Faults on all three platforms while the loop runs and stock keeps changing: a 429 storm, 5xx
bursts and timeouts, Shopify's webhooks duplicated and reordered, Amazon's feeds stuck. Once the
faults stop, every channel converges, `stockpool check` passes, every order is taken once, and the
pushes stay bounded by the changes (coalescing). SQLite only in `make test` (~40 s): what it
proves is the worker's and the connectors' behaviour, which the engine does not change."""

from __future__ import annotations

import time

import pytest

from tests.e2e.loop import (
    SKUS,
    all_ingested,
    connect,
    converged,
    ingested,
    placed,
    pushes,
    stock_up,
    timings,
)
from tests.e2e.processes import PLATFORMS, Processes, Sandboxes, Stockpool, paced

HOT = SKUS[2]  # every stock change goes to this one: its pushes must coalesce
CHANGES = 30  # receipts of one unit, over CHANGE_SECONDS
CHANGE_SECONDS = 8
STORM_SECONDS = 3
CONVERGE_BOUND = 90  # seconds after the faults stop: a circuit opened by them cools down (30 s)
FAULTS = {"throttle_rate": 1, "error_rate": 0.3, "timeout_rate": 0.1, "timeout_seconds": 2}
SHOPIFY_FAULTS = {"webhook_duplicate_rate": 0.5, "webhook_reorder": True}
CLEAR = {
    "throttle_rate": 0,
    "error_rate": 0,
    "timeout_rate": 0,
    "webhook_duplicate_rate": 0,
    "webhook_reorder": False,
    "stuck_feeds": False,
}


def fault(sandboxes: Sandboxes) -> None:
    for platform in PLATFORMS:
        extra = {"shopify": SHOPIFY_FAULTS, "amazon": {"stuck_feeds": True}}.get(platform, {})
        sandboxes.put(platform, "/faults", FAULTS | extra)


def change(stockpool: Stockpool, sandboxes: Sandboxes, n: int) -> None:
    """One stock change on the hot SKU; every fifth step a buyer on Shopify or Walmart too."""
    if n == STORM_SECONDS * CHANGES // CHANGE_SECONDS:  # the 429 storm ends
        for platform in PLATFORMS:
            sandboxes.put(platform, "/faults", {"throttle_rate": 0})
    stockpool.call("POST", "/v1/stock/receipts", {"sku": HOT, "location": "DAL-1", "quantity": 1})
    if n % 5 == 0:
        sandboxes.order(("shopify", "walmart")[n // 5 % 2], SKUS[3])


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_after_faults_every_channel_converges_and_pushes_stay_bounded(
    processes: Processes, database_url
):
    sandboxes = processes.sandboxes(len(SKUS), seed=7)
    stockpool = processes.stockpool(database_url, poll_seconds=3)
    stock_up(stockpool)
    connect(stockpool, sandboxes)
    converged(stockpool, sandboxes, seconds=60)
    marks = {p: max((r["id"] for r in sandboxes.get(p, "/requests")), default=0) for p in PLATFORMS}

    fault(sandboxes)
    paced([lambda n=n: change(stockpool, sandboxes, n) for n in range(CHANGES)], CHANGE_SECONDS)
    for platform in PLATFORMS:
        sandboxes.put(platform, "/faults", CLEAR)
    cleared = time.monotonic()
    took = converged(stockpool, sandboxes, seconds=CONVERGE_BOUND)
    all_ingested(stockpool, sandboxes)
    ingested_in = time.monotonic() - cleared

    for platform in PLATFORMS:
        ids = ingested(stockpool, platform)
        assert sorted(ids) == sorted(placed(sandboxes, platform)), platform
    check = stockpool.cli("check")
    assert check.returncode == 0, check.stdout + check.stderr
    print(
        f"\nfaults cleared: converged in {timings(took)}, every order in by {ingested_in:.1f}s; "
        f"{CHANGES} changes to {HOT}"
    )
    for platform in PLATFORMS:
        sent = pushes(sandboxes, platform, after=marks[platform])
        taken = [r for r in sent if r["fault"] is None and r["status"] < 300]
        print(f"  {platform}: {len(sent)} push calls, {len(taken)} taken")
        assert len(taken) <= CHANGES, platform
