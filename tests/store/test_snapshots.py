"""Snapshots applied through the real store, on SQLite and PostgreSQL alike: the difference from
the ledger as of the snapshot is posted, once, and units missing are taken from orders as a
count takes them."""

from datetime import timedelta

import pytest

from stockpool.domain.balance import Balance
from stockpool.domain.errors import SnapshotOutOfOrder, SnapshotReferenceReused, UnknownSkus
from stockpool.domain.movements import Reason
from stockpool.domain.operations import Adjust, Receive
from stockpool.domain.orders import OrderStatus
from stockpool.domain.snapshots import Snapshot, SnapshotRow
from stockpool.domain.states import State
from tests.store.test_missing_stock import line_of, order


def stock_at(container, sku, location):
    return container.catalog.stock(sku).locations.get(location, Balance())


def snapshot(location, reference, as_of, *rows, partial=False):
    return Snapshot(location, reference, as_of, tuple(rows), partial)


def ledger_length(container):
    return len(container.ledger.entries(limit=1000))


def test_a_snapshot_posts_its_difference_and_leaves_later_movements_alone(container, seeded, clock):
    tee, fba = seeded.tee, seeded.fba
    container.stock.execute(Receive(tee, fba, 10), actor="t")
    as_of = clock.advance(hours=1)
    clock.advance(hours=1)  # shipped after the 3PL's file was cut: in the ledger, not the file
    container.stock.execute(Adjust(tee, fba, -3, Reason.WRITE_OFF), actor="t")
    clock.advance(hours=1)
    done = container.snapshots.apply(
        snapshot(fba, "FBA-0601", as_of, SnapshotRow(tee, 8)), actor="t"
    )
    assert not done.replayed and done.snapshot.movements == 1
    assert done.snapshot.result["lines"] == [
        {"sku": tee, "expected": 10, "reported": 8, "unreconciled": 0, "variance": -2}
    ]
    [posted] = done.snapshot.result["movements"]
    assert (posted["reason"], posted["reference"], posted["quantity"]) == (
        "snapshot_reconcile",
        "FBA-0601",
        2,
    )
    assert stock_at(container, tee, fba) == Balance(available=5)
    assert container.ledger.check() == []
    [listed] = container.snapshots.history(fba)
    assert (listed.reference, listed.as_of, listed.applied_at) == ("FBA-0601", as_of, clock.now)
    with container.uow(write=False) as uow:
        assert uow.catalog.snapshots()[fba] == as_of


def test_the_same_snapshot_twice_changes_nothing_and_an_older_or_altered_one_is_refused(
    container, seeded, clock
):
    tee, fba = seeded.tee, seeded.fba
    as_of = clock.advance(hours=1)
    first = snapshot(fba, "F-1", as_of, SnapshotRow(tee, 4))
    container.snapshots.apply(first, actor="t")
    written = ledger_length(container)
    again = container.snapshots.apply(first, actor="t")
    assert again.replayed and again.snapshot.result == container.snapshots.history(fba)[0].result
    with pytest.raises(SnapshotReferenceReused, match="new reference"):
        container.snapshots.apply(snapshot(fba, "F-1", as_of, SnapshotRow(tee, 5)), actor="t")
    older = snapshot(fba, "F-0", as_of - timedelta(minutes=1), SnapshotRow(tee, 9))
    with pytest.raises(SnapshotOutOfOrder, match=r"2026-11-28T09:59:00Z.*2026-11-28T10:00:00Z"):
        container.snapshots.apply(older, actor="t")
    assert ledger_length(container) == written
    assert len(container.snapshots.history(fba)) == 1
    assert stock_at(container, tee, fba) == Balance(available=4)


def test_a_snapshot_naming_an_unknown_sku_writes_nothing(container, seeded, clock):
    rows = (SnapshotRow(seeded.tee, 4), SnapshotRow("NOPE-1", 1), SnapshotRow("NOPE-2", 1))
    with pytest.raises(UnknownSkus, match="'NOPE-1', 'NOPE-2'"):
        container.snapshots.apply(snapshot(seeded.fba, "F-1", clock.now, *rows), actor="t")
    assert ledger_length(container) == 0
    assert container.snapshots.history(seeded.fba) == []


def test_a_full_snapshot_counts_what_it_leaves_out_at_zero_a_partial_one_leaves_it(
    container, seeded, clock
):
    tee, mug, fba = seeded.tee, seeded.mug, seeded.fba
    container.stock.execute(Receive(tee, fba, 3), actor="t")
    container.stock.execute(Receive(mug, fba, 2), actor="t")
    partial = snapshot(fba, "F-1", clock.advance(hours=1), SnapshotRow(tee, 1), partial=True)
    container.snapshots.apply(partial, actor="t")
    assert (stock_at(container, tee, fba), stock_at(container, mug, fba)) == (
        Balance(available=1),
        Balance(available=2),
    )
    container.snapshots.apply(
        snapshot(fba, "F-2", clock.advance(hours=1), SnapshotRow(tee, 1)), actor="t"
    )
    assert stock_at(container, mug, fba) == Balance()
    assert container.ledger.check() == []


def test_reported_states_are_reconciled_each_and_the_rest_of_on_hand_as_available(
    container, seeded, clock
):
    tee, fba = seeded.tee, seeded.fba
    container.stock.execute(Receive(tee, fba, 10), actor="t")
    row = SnapshotRow(tee, 10, ((State.DAMAGED, 3),))
    container.snapshots.apply(snapshot(fba, "F-1", clock.advance(hours=1), row), actor="t")
    assert stock_at(container, tee, fba) == Balance(available=7, damaged=3)


def test_a_shortfall_below_committed_takes_the_units_from_orders_as_a_count_does(
    container, seeded, clock
):
    tee, fba = seeded.tee, seeded.fba
    container.stock.execute(Receive(tee, fba, 6), actor="t")
    placed = container.intake.ingest(order("amazon", "A-1", tee, 5), actor="t").order
    container.snapshots.apply(
        snapshot(fba, "F-1", clock.advance(hours=1), SnapshotRow(tee, 3)), actor="t"
    )
    assert stock_at(container, tee, fba) == Balance(committed=3)
    line = line_of(container, placed.id)
    assert (line.committed, line.short) == (3, 2)
    assert container.orders.get(placed.id).status == OrderStatus.CONFLICT
    assert container.ledger.check() == []


def test_a_large_snapshot_reports_progress_as_it_posts(container, seeded, clock, monkeypatch):
    monkeypatch.setattr("stockpool.services.snapshots.RECORD_CHUNK", 1)  # a chunk per balance
    tee, mug, fba = seeded.tee, seeded.mug, seeded.fba
    as_of = clock.advance(minutes=1)
    reported: list[int] = []
    rows = (SnapshotRow(tee, 4), SnapshotRow(mug, 6, ((State.DAMAGED, 1),)))
    container.snapshots.apply(
        snapshot(fba, "BIG", as_of, *rows), actor="t", progress=reported.append
    )
    assert reported == [1, 2, 2]  # each chunk posted, then done
    assert stock_at(container, mug, fba) == Balance(available=5, damaged=1)
    assert container.ledger.check() == []
