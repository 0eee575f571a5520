"""What the dashboard and the health verdict know of a channel's connection, on both engines:
the lags measured recently (their percentiles; a day kept), and the circuit breaker and
throttling the worker holding the channel's lease reports - and only that worker."""

from __future__ import annotations

import dataclasses
import time

import pytest

from stockpool.domain.catalog import Sku
from stockpool.domain.channels import Platform
from stockpool.domain.errors import CircuitOpen, InvalidRequest, PlatformUnavailable, UnknownChannel
from stockpool.domain.listings import Listing
from stockpool.domain.operations import Receive
from stockpool.domain.sync_health import LagPercentiles, Vitals
from stockpool.entrypoints.worker import ChannelLoop, unavailable_wait
from stockpool.services.sync import Push, Reading
from tests.conftest import make_container, seed
from tests.sandbox.timing import eventually
from tests.sync.fakes import FakePlatform

SKUS = [f"SKU-{n}" for n in range(1, 5)]


@pytest.fixture
def listed(container, seeded):
    container.catalog.put_skus([Sku(code, code) for code in SKUS])
    for code in SKUS:
        container.listings.put(Listing("walmart", f"W-{code}", code))
        container.stock.execute(Receive(code, "DAL-1", 10), actor="test")
    return container


def push_then_read(container, clock, channel_sku, after_seconds):
    """Push the waiting number of channel_sku, and read it shown after_seconds later."""
    waiting = {p.channel_sku: p for p in container.sync.pending("walmart", limit=100)}
    entry = waiting[channel_sku]
    container.sync.report(
        "walmart", pushes=[Push(channel_sku, entry.quantity, entry.version, ok=True)]
    )
    clock.advance(seconds=after_seconds)
    return container.sync.report("walmart", readings=[Reading(channel_sku, entry.quantity)])


def test_the_lags_measured_in_the_last_day_give_the_percentiles(listed, clock):
    assert listed.sync.health("walmart").lag is None
    for code, seconds in zip(SKUS, (2, 4, 6, 300), strict=True):
        clock.advance(seconds=1)  # each change is queued a second after the last reading
        listed.stock.execute(Receive(code, "DAL-1", 1), actor="test")
        assert push_then_read(listed, clock, f"W-{code}", seconds).lag_samples == (seconds,)

    assert listed.sync.health("walmart").lag == LagPercentiles(4.0, 300.0, 4)

    clock.advance(hours=25)  # a day later, one more: the older ones are let go
    listed.stock.execute(Receive(SKUS[0], "DAL-1", 1), actor="test")
    push_then_read(listed, clock, f"W-{SKUS[0]}", 9)
    assert listed.sync.health("walmart").lag == LagPercentiles(9.0, 9.0, 1)
    with listed.engine.connect() as connection:
        kept = connection.exec_driver_sql("SELECT count(*) FROM sync_lags").scalar()
    assert kept == 1


def test_the_circuit_told_by_the_worker_makes_the_channel_failing_until_it_closes(
    container, seeded, clock
):
    sync = container.sync
    sync.vitals("walmart", Vitals("open", 5, 0))
    opened = clock.now
    found = sync.health("walmart")
    assert found.health.status == "failing" and "circuit breaker" in found.health.reasons[0]
    assert (found.row.state.circuit, found.row.state.circuit_since) == ("open", opened)

    clock.advance(seconds=30)  # cooled down: half open, still since it opened
    sync.vitals("walmart", Vitals("half_open", 5, 0))
    state = sync.health("walmart").row.state
    assert (state.circuit, state.circuit_since, state.vitals_at) == ("half_open", opened, clock.now)

    sync.vitals("walmart", Vitals("closed", 0, 0))
    found = sync.health("walmart")
    assert found.health.status == "ok"
    assert (found.row.state.circuit, found.row.state.circuit_since) == ("closed", None)


def test_throttled_answers_add_up_and_the_latest_is_dated(container, seeded, clock):
    container.sync.vitals("amazon", Vitals(throttled=2), throttled_more=2)
    first = clock.now
    clock.advance(minutes=1)
    container.sync.vitals("amazon", Vitals(throttled=2), throttled_more=0)
    state = container.sync.health("amazon").row.state
    assert (state.throttled, state.throttled_at) == (2, first)
    container.sync.vitals("amazon", Vitals(throttled=5), throttled_more=3)
    state = container.sync.health("amazon").row.state
    assert (state.throttled, state.throttled_at) == (5, clock.now)
    assert container.sync.health("amazon").health.status == "ok"  # throttling is not failing


def test_vitals_of_an_unknown_channel_or_negative_throttling_are_refused(container, seeded):
    with pytest.raises(UnknownChannel):
        container.sync.vitals("etsy", Vitals())
    with pytest.raises(InvalidRequest, match="throttled_more"):
        container.sync.vitals("walmart", Vitals(), throttled_more=-1)


def test_only_the_worker_holding_the_lease_tells_the_channels_vitals(database_url, clock):
    container = make_container(database_url, clock, sync_seconds=0.02, reconcile_seconds=0)
    seed(container)
    holder_platform = FakePlatform(Platform.WALMART, clock)
    idle_platform = FakePlatform(Platform.WALMART, clock)
    holder_platform.vitals = Vitals("open", 5, 3)  # each connector of the loop (it has two)

    def loop(platform, worker):
        wired = dataclasses.replace(container, connector_for=lambda code: platform.connector())
        return ChannelLoop(wired, wired.channel_sync(worker), "walmart", ())

    def state():
        row = container.sync.health("walmart").row
        return row.state if row else None

    holder = loop(holder_platform, "w1")
    holder.start()
    try:
        eventually(state, lambda s: s is not None and (s.circuit, s.throttled) == ("open", 6))
        idle = loop(idle_platform, "w2")  # its connectors are closed and never throttled
        idle.start()
        try:
            time.sleep(0.5)  # some 25 of its turns, none holding the lease
            assert (state().circuit, state().throttled) == ("open", 6)
        finally:
            idle.stop()
            idle.join()
        holder_platform.vitals = Vitals("closed", 0, 4)  # one more throttled answer
        eventually(state, lambda s: (s.circuit, s.throttled) == ("closed", 8))
    finally:
        holder.stop()
        holder.join()


def test_a_loop_waits_out_an_open_circuit_exactly_and_doubles_for_failures() -> None:
    assert unavailable_wait(CircuitOpen("open", retry_in=17.5), in_a_row=6) == 17.5
    assert unavailable_wait(CircuitOpen("open", retry_in=0.0), in_a_row=0) > 0  # never spins
    failing = PlatformUnavailable("HTTP 500")
    assert [unavailable_wait(failing, n) for n in (1, 2, 3, 8)] == [1.0, 2.0, 4.0, 60.0]
