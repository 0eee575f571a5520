"""Count sessions on SQLite and PostgreSQL: lines against the ledger at their moment, posting
the variances (shortfalls through the orders' logic), approval, refusals that write nothing."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from stockpool.domain.balance import Balance
from stockpool.domain.catalog import Sku
from stockpool.domain.count_sessions import CountStatus, LineCounted, NewCount
from stockpool.domain.errors import Conflict, InvalidRequest, NotFound, UnknownLocation, UnknownSku
from stockpool.domain.movements import Reason
from stockpool.domain.operations import Receive
from stockpool.domain.orders import NewOrder, OrderLine, OrderStatus
from tests.conftest import make_container, seed

PLACED = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def on_hand(container, sku, location):
    return container.catalog.stock(sku).locations.get(location, Balance()).on_hand


def open_count(container, location, *skus, actor="alice", **fields):
    return container.counts.open(NewCount(location, skus, **fields), actor=actor).count


def test_a_line_keeps_the_ledger_at_its_moment_and_posting_applies_the_variance(container, seeded):
    tee, mug, dal = seeded.tee, seeded.mug, seeded.dallas
    container.stock.execute(Receive(tee, dal, 10), actor="t")
    count = open_count(container, dal, tee, mug)
    assert count.status == CountStatus.OPEN and count.threshold == 10
    container.counts.add_lines(count.id, [LineCounted(tee, 8)], actor="bob")
    container.stock.execute(Receive(tee, dal, 5), actor="t")  # after the line: counted once
    container.counts.add_lines(count.id, [LineCounted(mug, 0)], actor="carol")
    counted = container.counts.get(count.id)
    assert [(line.sku, line.expected, line.variance) for line in counted.lines] == sorted(
        [(tee, 10, -2), (mug, 0, 0)]
    )
    done = container.counts.submit(count.id, actor="bob")
    assert done.count.status == CountStatus.POSTED and done.count.submitted_by == "bob"
    assert on_hand(container, tee, dal) == 13  # 8 counted + 5 received since
    [entry] = done.posted.movements
    assert (entry.movement.reason, entry.movement.quantity, entry.movement.reference) == (
        Reason.CYCLE_COUNT,
        2,
        f"count {count.id}",
    )
    assert container.ledger.check() == []


def test_a_later_line_replaces_the_earlier_with_its_own_expected(container, seeded):
    tee, dal = seeded.tee, seeded.dallas
    container.stock.execute(Receive(tee, dal, 10), actor="t")
    count = open_count(container, dal, tee)
    container.counts.add_lines(count.id, [LineCounted(tee, 3)], actor="bob")
    container.stock.execute(Receive(tee, dal, 2), actor="t")
    [line] = container.counts.add_lines(count.id, [LineCounted(tee, 12)], actor="carol").count.lines
    assert (line.counted, line.expected, line.counted_by) == (12, 12, "carol")
    container.counts.submit(count.id, actor="bob")
    assert on_hand(container, tee, dal) == 12


def test_a_large_variance_waits_for_another_person_then_posts(container, seeded):
    tee, dal = seeded.tee, seeded.dallas
    container.stock.execute(Receive(tee, dal, 30), actor="t")
    count = open_count(container, dal, tee)
    container.counts.add_lines(count.id, [LineCounted(tee, 15)], actor="bob")
    waiting = container.counts.submit(count.id, actor="bob")
    assert waiting.count.status == CountStatus.AWAITING_APPROVAL and waiting.posted is None
    assert on_hand(container, tee, dal) == 30
    for own in ("alice", "bob"):
        with pytest.raises(Conflict, match="another person approves it"):
            container.counts.approve(count.id, actor=own)
    with pytest.raises(Conflict, match="awaiting_approval: submitting needs an open count"):
        container.counts.submit(count.id, actor="bob")
    with pytest.raises(Conflict, match="adding lines needs an open count"):
        container.counts.add_lines(count.id, [LineCounted(tee, 1)], actor="bob")
    approved = container.counts.approve(count.id, actor="carol")
    assert approved.count.status == CountStatus.POSTED and approved.count.approved_by == "carol"
    assert on_hand(container, tee, dal) == 15
    with pytest.raises(Conflict, match="posted, not awaiting approval"):
        container.counts.approve(count.id, actor="dave")


def test_a_posted_shortfall_takes_committed_units_from_orders(container, seeded):
    tee, dal = seeded.tee, seeded.dallas
    container.stock.execute(Receive(tee, dal, 6), actor="t")
    order = NewOrder("shopify", "S-1", (OrderLine(tee, 6),), PLACED)
    order_id = container.intake.ingest(order, actor="t").order.id
    count = open_count(container, dal, tee)
    container.counts.add_lines(count.id, [LineCounted(tee, 4)], actor="bob")
    done = container.counts.submit(count.id, actor="bob")
    assert [(t.order_id, t.units) for t in done.posted.taken] == [(order_id, 2)]
    assert container.orders.get(order_id).status == OrderStatus.CONFLICT
    assert container.catalog.stock(tee).locations[dal] == Balance(committed=4)
    assert container.ledger.check() == []


def test_refusals_write_nothing(container, seeded):
    tee, dal = seeded.tee, seeded.dallas
    with pytest.raises(UnknownLocation):
        open_count(container, "NOWHERE", tee)
    with pytest.raises(UnknownSku):
        open_count(container, dal, tee, "SOCK-9")
    assert container.counts.list() == []
    count = open_count(container, dal, tee, seeded.mug)
    with pytest.raises(InvalidRequest, match="does not count SOCK-9"):
        container.counts.add_lines(
            count.id, [LineCounted(tee, 1), LineCounted("SOCK-9", 1)], actor="bob"
        )
    with pytest.raises(Conflict, match="not counted yet"):
        container.counts.submit(count.id, actor="bob")
    assert container.counts.get(count.id) == count
    cancelled = container.counts.cancel(count.id, actor="alice").count
    assert cancelled.status == CountStatus.CANCELLED and cancelled.cancelled_by == "alice"
    with pytest.raises(Conflict, match="cancelled"):
        container.counts.add_lines(count.id, [LineCounted(tee, 1)], actor="bob")
    with pytest.raises(NotFound, match="No count 999"):
        container.counts.get(999)
    assert [c.id for c in container.counts.list(status=CountStatus.CANCELLED)] == [count.id]
    assert container.counts.list(status=CountStatus.OPEN) == []


def test_an_idempotency_key_replays_the_opening(container, seeded):
    first = container.counts.open(
        NewCount(seeded.dallas, (seeded.tee,)), actor="a", idempotency_key="k1"
    )
    again = container.counts.open(
        NewCount(seeded.dallas, (seeded.tee,)), actor="a", idempotency_key="k1"
    )
    assert again.replayed and again.count == first.count
    assert len(container.counts.list()) == 1
    with pytest.raises(Conflict):
        container.counts.open(
            NewCount(seeded.dallas, (seeded.mug,)), actor="a", idempotency_key="k1"
        )


def test_the_threshold_is_the_locations_when_the_count_opens(database_url, clock):
    container = make_container(
        database_url, clock, count_approval_units=3, count_approval_units_by_location={"FBA-US": 0}
    )
    try:
        names = seed(container)
        assert open_count(container, names.fba, names.tee).threshold == 0
        assert open_count(container, names.dallas, names.tee).threshold == 3
    finally:
        container.close()


def test_the_value_threshold_is_kept_from_the_opening_and_each_line_its_unit_cost(
    database_url, clock
):
    container = make_container(
        database_url,
        clock,
        count_approval_value=Decimal("100.5"),
        count_approval_value_by_location={"FBA-US": None},
    )
    try:
        names = seed(container)
        container.catalog.put_sku(Sku(names.tee, unit_cost=Decimal("12.3456")))
        assert open_count(container, names.fba, names.tee).value_threshold is None
        count = open_count(container, names.dallas, names.tee, names.mug)
        assert count.value_threshold == Decimal("100.5")
        lines = [LineCounted(names.tee, 9), LineCounted(names.mug, 1)]
        container.counts.add_lines(count.id, lines, actor="bob")
        container.catalog.put_sku(Sku(names.tee, unit_cost=Decimal(1)))  # after: not this count's
        waiting = container.counts.submit(count.id, actor="bob").count
        assert [line.unit_cost for line in waiting.lines] == [None, Decimal("12.3456")]
        assert (waiting.status, waiting.over_thresholds) == (
            CountStatus.AWAITING_APPROVAL,
            ("value",),
        )
        assert (waiting.variance_value, waiting.unpriced) == (Decimal("111.1104"), (names.mug,))
    finally:
        container.close()
