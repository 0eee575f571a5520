"""Snapshots racing each other and counts at the same location on PostgreSQL: they apply one at
a time in as_of order, and never deadlock with a count (both lock balances, then the location)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest

from stockpool.domain.operations import Count, CountLine, Receive
from stockpool.domain.snapshots import Snapshot, SnapshotRow
from stockpool.services.snapshots import SnapshotApplied
from tests.store.test_concurrency_postgresql import race

pytestmark = pytest.mark.postgresql

THREADS = 12


def test_snapshots_and_counts_racing_at_one_location_apply_in_as_of_order(pg):
    container, names = pg
    fba = container.catalog.get_location(names.fba)
    container.catalog.put_location(replace(fba, snapshot_max_age_seconds=3600))
    for sku in (names.tee, names.mug):
        container.stock.execute(Receive(sku, names.fba, 20), actor="t")
    base = container.clock() - timedelta(hours=1)

    def attempt(i: int) -> object:
        if i % 3 == 2:
            count = Count(names.fba, (CountLine(names.tee, 10 + i), CountLine(names.mug, i)))
            return container.stock.execute(count, actor=f"counter-{i}")
        rows = (SnapshotRow(names.mug, i), SnapshotRow(names.tee, i))
        snapshot = Snapshot(names.fba, f"F-{i}", base + timedelta(minutes=i), rows)
        return container.snapshots.apply(snapshot, actor=f"3pl-{i}")

    results = race(THREADS, attempt)
    outcomes = Counter(type(r).__name__ for r in results)
    assert set(outcomes) <= {"SnapshotApplied", "SnapshotOutOfOrder", "StockChange"}, results
    newest = max(i for i in range(THREADS) if i % 3 != 2)
    assert isinstance(results[newest], SnapshotApplied)  # nothing is newer: never refused
    applied = container.snapshots.history(names.fba, 100)
    assert applied[0].reference == f"F-{newest}"
    assert all(isinstance(results[int(a.reference[2:])], SnapshotApplied) for a in applied)
    assert outcomes["SnapshotApplied"] == len(applied)
    assert container.ledger.check() == []
