"""The sync worker's rounds on both engines, against a fake platform: single calls and feeds,
feeds followed by another process, backoff and refusals, a number changed mid-push, the lease,
and reconciliation (drift recorded, repaired, alerted when it persists)."""

from __future__ import annotations

import pytest

from stockpool.domain.catalog import Sku
from stockpool.domain.channels import Platform
from stockpool.domain.errors import CircuitOpen, PlatformUnavailable
from stockpool.domain.listings import Listing
from stockpool.domain.operations import Receive
from stockpool.domain.platforms import Outcome
from stockpool.domain.sync_plan import PERSISTENT
from tests.sync.fakes import FakePlatform

TEE, MUG = "TEE-M-BLK", "MUG-12OZ"
DAL = "DAL-1"


def receive(container, sku, units):
    container.stock.execute(Receive(sku, DAL, units), actor="test")


def outbox(container, channel):
    return {p.channel_sku: p for p in container.sync.pending(channel, limit=1000)}


def shown(container, channel, sku):
    return container.availability.stored(sku)[channel]


@pytest.fixture
def walmart(container, seeded, clock):
    """The walmart channel with TEE and MUG listed and stocked; its fake platform."""
    for sku in (TEE, MUG):
        container.listings.put(Listing("walmart", f"W-{sku}", sku, ship_node="NODE-1"))
        receive(container, sku, 40)
    return FakePlatform(Platform.WALMART, clock)


def test_a_round_pushes_every_number_waiting_and_clears_the_outbox(container, walmart):
    sync = container.channel_sync("w1")
    done = sync.run("walmart", walmart.connector())
    assert done.sent == 2 and done.applied == 2
    assert walmart.shows == {f"W-{s}": shown(container, "walmart", s) for s in (TEE, MUG)}
    assert outbox(container, "walmart") == {}
    assert (
        container.listings.get("walmart", f"W-{TEE}").pushed_quantity == walmart.shows[f"W-{TEE}"]
    )
    assert sync.run("walmart", walmart.connector()).sent == 0  # nothing left: nothing sent


def test_a_number_changed_while_it_was_pushed_stays_queued_and_goes_next(container, walmart):
    sync = container.channel_sync("w1")
    before = outbox(container, "walmart")[f"W-{TEE}"].version
    walmart.during_push = lambda: receive(container, TEE, 10)
    sync.run("walmart", walmart.connector())
    walmart.during_push = None
    waiting = outbox(container, "walmart")
    assert set(waiting) == {f"W-{TEE}"} and waiting[f"W-{TEE}"].version == before + 1
    sync.run("walmart", walmart.connector())
    assert walmart.shows[f"W-{TEE}"] == shown(container, "walmart", TEE)
    assert outbox(container, "walmart") == {}


def test_a_failed_push_backs_off_and_a_refused_one_waits_for_a_change(container, walmart, clock):
    sync = container.channel_sync("w1")
    walmart.answer = {f"W-{TEE}": Outcome.FAILED, f"W-{MUG}": Outcome.REFUSED}
    first = sync.run("walmart", walmart.connector())
    assert (first.failed, first.refused) == (1, 1)
    walmart.answer = {}
    assert sync.run("walmart", walmart.connector()).sent == 0  # both wait
    clock.advance(minutes=6)  # past any backoff, not past the refusal's hour
    assert sync.run("walmart", walmart.connector()).sent == 1
    assert f"W-{TEE}" in walmart.shows and f"W-{MUG}" not in walmart.shows
    receive(container, MUG, 1)
    assert sync.run("walmart", walmart.connector()).sent == 1  # a new number goes at once
    assert walmart.shows[f"W-{MUG}"] == shown(container, "walmart", MUG)


def test_an_unavailable_platform_backs_off_the_round_and_fails_the_channel(container, walmart):
    sync = container.channel_sync("w1")
    walmart.down = True
    with pytest.raises(PlatformUnavailable):
        sync.run("walmart", walmart.connector())
    health = container.sync.health("walmart").health
    assert health.status == "failing" and "down" in health.reasons[0]
    assert len(outbox(container, "walmart")) == 2  # nothing lost


def test_pushes_an_open_circuit_kept_from_the_platform_are_not_charged_an_attempt(
    container, walmart
):
    """A platform's outage opens its circuit: the numbers it kept from the platform go the moment
    it closes, not after a backoff grown by refusals that never reached the platform."""
    sync = container.channel_sync("w1")
    walmart.circuit_opens_after = 1
    assert sync.run("walmart", walmart.connector()).sent == 1  # the other one was not sent
    assert len(outbox(container, "walmart")) == 1
    walmart.circuit_opens_after = 0
    with pytest.raises(CircuitOpen):
        sync.run("walmart", walmart.connector())
    walmart.circuit_opens_after = None  # closed again; the clock has not moved
    assert sync.run("walmart", walmart.connector()).sent == 1
    assert outbox(container, "walmart") == {}
    assert {code for code, _, _ in walmart.sent} == {f"W-{TEE}", f"W-{MUG}"}


def amazon_catalog(container, clock):
    """30 SKUs listed on amazon and stocked (past Amazon's feed threshold); its fake platform."""
    codes = [f"SKU-{n:03}" for n in range(30)]
    container.catalog.put_skus([Sku(code, code) for code in codes])
    for code in codes:
        container.listings.put(Listing("amazon", f"A-{code}", code))
        receive(container, code, 5)
    return codes, FakePlatform(Platform.AMAZON, clock)


def test_enough_numbers_go_as_one_feed_followed_to_the_end_by_another_worker(
    container, seeded, clock
):
    codes, amazon = amazon_catalog(container, clock)
    first = container.channel_sync("w1")
    submitted = first.run("amazon", amazon.connector())
    assert submitted.feeds_submitted == 1 and submitted.sent == 30 and amazon.calls == 0
    assert first.run("amazon", amazon.connector()).sent == 0  # carried by the feed: not again
    receive(container, codes[0], 1)  # a newer number waits for the feed, not past it
    assert first.run("amazon", amazon.connector()).sent == 0
    assert container.sync.health("amazon").row.state.oldest_feed_id == "feed-1"
    first.let_go("amazon")
    other = container.channel_sync("w2")
    assert other.lease("amazon", 30)
    amazon.feeds_done.add("feed-1")
    finished = other.run("amazon", amazon.connector())
    assert finished.feeds_finished == 1 and finished.applied == 31  # 30 in the feed, then 1
    assert finished.sent == 1  # the newer number, once the feed was done
    assert amazon.shows == {f"A-{c}": shown(container, "amazon", c) for c in codes}
    assert outbox(container, "amazon") == {}
    assert container.sync.health("amazon").row.state.oldest_feed_id is None


def test_a_stuck_feed_is_given_up_on_and_its_numbers_pushed_again(container, seeded, clock):
    _codes, amazon = amazon_catalog(container, clock)
    sync = container.channel_sync("w1")
    assert sync.run("amazon", amazon.connector()).feeds_submitted == 1
    clock.advance(seconds=container.settings.feed_stuck_seconds + 1)  # feed-1 never finishes
    again = sync.run("amazon", amazon.connector())
    assert again.feeds_finished == 1 and again.failed == 30  # given up on...
    clock.advance(seconds=5)  # past the backoff
    resent = sync.run("amazon", amazon.connector())
    assert resent.feeds_submitted == 1 and set(amazon.feeds) == {"feed-1", "feed-2"}
    amazon.feeds_done.add("feed-2")
    clock.advance(seconds=10)
    assert sync.run("amazon", amazon.connector()).applied == 30
    assert outbox(container, "amazon") == {}


def test_a_feed_that_cannot_be_submitted_gives_way_to_single_calls(container, seeded, clock):
    _codes, amazon = amazon_catalog(container, clock)
    amazon.feeds_down = True  # the feed quota is spent; single calls still go
    sync = container.channel_sync("w1")
    with pytest.raises(PlatformUnavailable):
        sync.run("amazon", amazon.connector())
    clock.advance(seconds=5)  # past the backoff
    assert sync.run("amazon", amazon.connector()).applied == 24  # a round of single calls
    assert sync.run("amazon", amazon.connector()).applied == 6
    assert outbox(container, "amazon") == {} and not amazon.feeds


def test_one_worker_holds_a_channel_until_it_lets_go_or_its_lease_lapses(container, seeded, clock):
    one, two = container.channel_sync("w1"), container.channel_sync("w2")
    assert one.lease("walmart", 30) and one.lease("walmart", 30)  # renewed
    assert not two.lease("walmart", 30)
    assert two.lease("amazon", 30)  # another channel is free
    one.let_go("walmart")
    assert two.lease("walmart", 30) and not one.lease("walmart", 30)
    clock.advance(seconds=31)  # w2 died: its lease lapses
    assert one.lease("walmart", 30)


def test_drift_is_recorded_repaired_and_alerted_when_it_persists(container, walmart, clock):
    sync, reconcile = container.channel_sync("w1"), container.reconciliation
    sync.run("walmart", walmart.connector())
    clock.advance(seconds=20)  # the lag it measures: readings within 40 s may still differ
    assert reconcile.step("walmart", walmart.connector()).in_sync == 2
    walmart.shows[f"W-{TEE}"] = 999  # edited by hand in Seller Center
    walmart.frozen.add(f"W-{TEE}")  # and our pushes do not stick
    for reading in range(1, PERSISTENT + 1):
        clock.advance(minutes=2)  # past the grace after the last push
        page = reconcile.step("walmart", walmart.connector())
        assert page.drift == 1 and page.in_sync == 1
        assert f"W-{TEE}" in outbox(container, "walmart")  # the repair is queued
        sync.run("walmart", walmart.connector())
        (drift,) = reconcile.drifting("walmart")
        assert drift.readings == reading and drift.shown == 999
    health = container.sync.health("walmart").health
    assert health.status == "failing" and "another number than pushed" in health.reasons[0]
    walmart.frozen.clear()
    clock.advance(minutes=2)
    page = reconcile.step("walmart", walmart.connector())
    assert page.drift == 1  # still 999: repaired once more, and this time it sticks
    sync.run("walmart", walmart.connector())
    clock.advance(minutes=2)
    assert reconcile.step("walmart", walmart.connector()).in_sync == 2
    assert reconcile.drifting("walmart") == []
    assert container.sync.health("walmart").health.status == "ok"


def test_a_reading_soon_after_a_push_is_not_drift(container, walmart, clock):
    sync, reconcile = container.channel_sync("w1"), container.reconciliation
    walmart.frozen.add(f"W-{TEE}")  # the platform shows it late
    sync.run("walmart", walmart.connector())
    page = reconcile.step("walmart", walmart.connector())
    assert (page.on_its_way, page.drift) == (1, 0)
    clock.advance(minutes=1)  # past the grace: it should show by now
    assert reconcile.step("walmart", walmart.connector()).drift == 1


def test_a_listing_showing_fewer_is_a_sale_not_in_yet_until_the_orders_say_otherwise(
    container, walmart, clock
):
    sync, reconcile = container.channel_sync("w1"), container.reconciliation
    sync.run("walmart", walmart.connector())
    clock.advance(minutes=5)  # the pushes had long shown
    walmart.sell(f"W-{TEE}")  # its order not yet polled
    for _ in range(2):  # no poll since: fewer is a sale on its way in, never pushed back
        clock.advance(minutes=5)
        page = reconcile.step("walmart", walmart.connector())
        assert (page.on_its_way, page.drift) == (1, 0) and outbox(container, "walmart") == {}
    clock.advance(seconds=1)
    container.platform_orders.poll("walmart", walmart.connector())  # the sale comes in
    assert reconcile.step("walmart", walmart.connector()).in_sync == 2
    # Fewer with no sale behind it (edited by hand): once the orders were read after a reading
    # that showed it, and it still shows fewer, it is drift, and repaired.
    walmart.shows[f"W-{TEE}"] -= 1
    clock.advance(minutes=5)
    assert reconcile.step("walmart", walmart.connector()).on_its_way == 1
    clock.advance(seconds=1)
    container.platform_orders.poll("walmart", walmart.connector())
    clock.advance(minutes=5)
    assert reconcile.step("walmart", walmart.connector()).drift == 1
    assert f"W-{TEE}" in outbox(container, "walmart")


def test_a_pass_is_due_once_per_interval_across_workers(container, seeded, clock):
    reconcile = container.reconciliation
    assert reconcile.due("walmart") and not reconcile.due("walmart")
    clock.advance(seconds=reconcile.every.total_seconds())
    assert reconcile.due("walmart")
