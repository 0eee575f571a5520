"""Units stockpool cancels go back out to the platform: queued in the settlement's own
transaction (once per set of units), never for a cancellation the platform reported, sent per
channel with what became of each, on SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta

import pytest

from stockpool.domain.conflicts import Action
from stockpool.domain.errors import NotFound, PlatformUnavailable
from stockpool.domain.listings import Listing
from stockpool.domain.operations import Receive
from stockpool.domain.orders import NewOrder, OrderLine
from stockpool.domain.platform_cancellations import CancellationState
from stockpool.domain.platforms import (
    Cancellation,
    CancellationOutcome,
    PlatformOrder,
    PlatformOrderLine,
    PlatformOrderState,
)
from tests.conftest import make_container, seed
from tests.store.test_concurrency_postgresql import race

PLACED = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
LATE = PLACED + timedelta(minutes=5)  # a ship-by the test clock has passed: short units cancel


def order(channel, external_id, sku, quantity, **fields):
    return NewOrder(channel, external_id, (OrderLine(sku, quantity),), PLACED, **fields)


def queued(container):
    return [(c.external_id, c.lines, c.state) for c in container.cancellations.listed()]


def test_a_line_settled_as_cancel_is_queued_once_and_more_units_only_for_themselves(
    container, seeded, clock
):
    tee, dallas = seeded.tee, seeded.dallas
    container.listings.put(Listing("walmart", "WM-TEE", tee))
    container.stock.execute(Receive(tee, dallas, 1), actor="dock")
    clock.advance(hours=1)
    placed = container.intake.ingest(order("walmart", "PO-1", tee, 3, ship_by=LATE), actor="t")
    wanted = ("PO-1", (PlatformOrderLine("WM-TEE", 2),), CancellationState.QUEUED)
    assert queued(container) == [wanted]
    [row] = container.cancellations.listed()
    assert "policy:auto" in row.reason and row.order_id == placed.order.id
    # The picker finds the committed unit missing: the line is settled as cancel again, and
    # only that unit is new. Cancelling the whole order in stockpool then adds nothing.
    container.fulfilment.short_pick(placed.order.id, tee, dallas, 1, actor="picker")
    container.fulfilment.cancel(placed.order.id, None, actor="seller")
    assert queued(container) == [
        wanted,
        ("PO-1", (PlatformOrderLine("WM-TEE", 1),), CancellationState.QUEUED),
    ]
    assert container.ledger.check() == []


def test_a_cancellation_the_platform_reported_queues_nothing_one_made_in_stockpool_does(
    container, seeded
):
    tee, dallas = seeded.tee, seeded.dallas
    container.listings.put(
        Listing("shopify", "SH-TEE", tee, inventory_item_id="1", location_id="2")
    )
    container.stock.execute(Receive(tee, dallas, 5), actor="dock")
    reported = PlatformOrder(
        "1001", PlatformOrderState.OPEN, (PlatformOrderLine("SH-TEE", 2),), PLACED, PLACED
    )
    container.platform_orders.take("shopify", [reported])
    cancelled = PlatformOrder(
        "1001", PlatformOrderState.CANCELLED, reported.lines, PLACED, PLACED + timedelta(minutes=1)
    )
    [answer] = container.platform_orders.take("shopify", [cancelled])
    assert container.orders.get(answer.order.id).lines[0].cancelled == 2
    assert queued(container) == []
    mine = container.intake.ingest(order("shopify", "1002", tee, 2), actor="t").order
    container.fulfilment.cancel(mine.id, {tee: 1}, actor="seller")
    container.fulfilment.cancel(mine.id, {tee: 1}, actor="seller")
    assert [(c.external_id, c.lines) for c in container.cancellations.listed()] == [
        ("1002", (PlatformOrderLine("SH-TEE", 1),)),
        ("1002", (PlatformOrderLine("SH-TEE", 1),)),
    ]
    manual = container.intake.ingest(order("manual", "M-1", tee, 1), actor="t").order
    container.fulfilment.cancel(manual.id, None, actor="seller")
    assert len(container.cancellations.listed()) == 2  # a manual channel has no platform


def test_a_person_deciding_cancel_queues_the_units(database_url, clock):
    container = make_container(database_url, clock, conflict_policy="propose")
    try:
        names = seed(container)
        container.intake.ingest(order("amazon", "AMZ-1", names.tee, 2), actor="t")
        [proposed] = container.conflicts.list(status="proposed")
        assert container.cancellations.listed() == []
        container.conflicts.decide(proposed.id, accept=False, action=Action.CANCEL, actor="ann")
        [row] = container.cancellations.listed(CancellationState.QUEUED, channel="amazon")
        assert row.lines == (PlatformOrderLine(names.tee, 2),) and "ann" in row.reason
    finally:
        container.close()


class Platform:
    """A connector's cancel, answering as told and recording what it was asked."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.asked = []

    def cancel(self, external_id, lines):
        self.asked.append(external_id)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_sending_records_each_outcome_and_tries_failures_again_later(container, seeded, clock):
    clock.advance(hours=1)
    for n in (1, 2, 3):
        container.intake.ingest(order("walmart", f"PO-{n}", seeded.tee, 1, ship_by=LATE), actor="t")
    first = Platform(
        Cancellation(CancellationOutcome.DONE, "cancelled"),
        Cancellation(CancellationOutcome.MANUAL, "do it in Seller Center"),
        PlatformUnavailable("circuit open"),
    )
    assert container.cancellations.send("walmart", first) == 3
    states = {c.external_id: c.state for c in container.cancellations.listed()}
    assert states == {
        "PO-1": CancellationState.DONE,
        "PO-2": CancellationState.MANUAL,
        "PO-3": CancellationState.FAILED,
    }
    again = Platform(Cancellation(CancellationOutcome.DONE, "cancelled"))
    assert container.cancellations.send("walmart", again) == 0  # not due yet: backing off
    assert container.cancellations.send("amazon", again) == 0  # another channel's
    clock.advance(hours=1)
    assert container.cancellations.send("walmart", again) == 1
    assert again.asked == ["PO-3"]
    [failed] = container.cancellations.listed(CancellationState.DONE, after=1, limit=1)
    assert failed.attempts == 2 and failed.external_id == "PO-3"
    # A person does the manual one by hand; saying so again changes nothing.
    manual = container.cancellations.listed(CancellationState.MANUAL)[0]
    done = container.cancellations.done(manual.id, actor="ann")
    assert done.state == CancellationState.DONE and "ann" in done.detail
    assert container.cancellations.done(manual.id, actor="bob").detail == done.detail
    with pytest.raises(NotFound):
        container.cancellations.done(999, actor="ann")


@pytest.mark.postgresql
def test_senders_racing_on_one_channel_send_each_cancellation_once(pg):
    container, names = pg
    for n in range(12):
        container.intake.ingest(order("walmart", f"PO-{n}", names.tee, 1, ship_by=LATE), actor="t")
    asked = []  # list.append is atomic: the threads share it

    class Walmart:
        def cancel(self, external_id, lines):
            asked.append(external_id)
            return Cancellation(CancellationOutcome.DONE, "cancelled")

    results = race(4, lambda i: container.cancellations.send("walmart", Walmart()))
    assert sum(results) == 12 and sorted(asked) == sorted(f"PO-{n}" for n in range(12))
    assert {c.state for c in container.cancellations.listed()} == {CancellationState.DONE}
