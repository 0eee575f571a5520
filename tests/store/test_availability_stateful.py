"""Random programs of stock moves, orders, cancellations, holds, policies (per channel and per
SKU), listings, pushes, bundles and time passing, on each engine.

After every step: each SKU's recorded numbers are exactly what deciding from scratch gives (the
incremental path never drifts from the full one), and every listing's number - waiting in the
outbox, or else the one last pushed - is its SKU's recorded number on its channel (nothing the
platforms should be told is lost or stale)."""

from __future__ import annotations

import contextlib
import itertools
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from stockpool.domain.catalog import Component, Sku
from stockpool.domain.errors import Conflict, InsufficientStock
from stockpool.domain.listings import Listing
from stockpool.domain.operations import Move, Receive
from stockpool.domain.orders import NewOrder, OrderLine
from stockpool.domain.policies import Policy
from stockpool.domain.reservations import NewReservation
from stockpool.domain.states import State
from stockpool.services.sync import Push
from tests.conftest import ENGINES, FakeClock, fresh_database, make_container, run_machine, seed

SKUS = ("TEE-M-BLK", "MUG-12OZ")
BUNDLE = "GIFT-SET"
LOCATIONS = ("DAL-1", "FBA-US", "NYC-STORE")
CHANNELS = ("shopify", "amazon", "walmart")

policies = st.builds(
    Policy,
    share_percent=st.none() | st.integers(20, 100),
    buffer=st.none() | st.integers(0, 3),
    cap=st.none() | st.integers(0, 15),
    floor=st.none() | st.integers(0, 4),
    ring_fence=st.none() | st.integers(0, 4),
    priority=st.none() | st.integers(1, 3),
    epsilon=st.none() | st.sampled_from([0.001, 0.01, 0.2]),
)


class AvailabilityMachine(RuleBasedStateMachine):
    database: str
    sqlite_template: Path
    tmp: Path
    pg_engine = None
    runs = itertools.count()

    def __init__(self) -> None:
        super().__init__()
        directory = self.tmp / f"availability{next(self.runs)}"
        url = fresh_database(self.database, self.sqlite_template, directory, self.pg_engine)
        self.clock = FakeClock()
        self.container = make_container(url, self.clock, sync_stale_seconds=600)
        seed(self.container)
        self.container.catalog.put_sku(
            Sku(BUNDLE, "Tee and two mugs", None, (Component(SKUS[0], 1), Component(SKUS[1], 2)))
        )
        self.orders: list[int] = []
        self.holds: list[int] = []
        self.numbers = itertools.count()

    def teardown(self) -> None:
        self.container.close()

    @rule(sku=st.sampled_from(SKUS), location=st.sampled_from(LOCATIONS), units=st.integers(1, 8))
    def receive(self, sku, location, units):
        self.container.stock.execute(Receive(sku, location, units), actor="machine")

    @rule(sku=st.sampled_from(SKUS), location=st.sampled_from(LOCATIONS), units=st.integers(1, 3))
    def damage(self, sku, location, units):
        with contextlib.suppress(InsufficientStock):
            move = Move(sku, location, units, State.AVAILABLE, State.DAMAGED)
            self.container.stock.execute(move, actor="machine")

    @rule(
        channel=st.sampled_from(CHANNELS),
        lines=st.lists(
            st.tuples(st.sampled_from((*SKUS, BUNDLE)), st.integers(1, 3)), min_size=1, max_size=2
        ),
    )
    def order(self, channel, lines):
        new = NewOrder(
            channel,
            f"O-{next(self.numbers)}",
            tuple(OrderLine(s, q) for s, q in lines),
            self.clock.now,
        )
        self.orders.append(self.container.intake.ingest(new, actor="machine").order.id)

    @rule(data=st.data())
    def cancel(self, data):
        if self.orders:
            order_id = data.draw(st.sampled_from(self.orders))
            with contextlib.suppress(Conflict):  # cancelled before: nothing left to cancel
                self.container.fulfilment.cancel(order_id, None, actor="machine")

    @rule(channel=st.sampled_from(CHANNELS), sku=st.sampled_from(SKUS), units=st.integers(1, 3))
    def hold(self, channel, sku, units):
        new = NewReservation(
            channel, f"R-{next(self.numbers)}", (OrderLine(sku, units),), timedelta(minutes=20)
        )
        with contextlib.suppress(InsufficientStock):
            self.holds.append(self.container.reservations.reserve(new, actor="m").reservation.id)

    @rule(data=st.data())
    def release(self, data):
        if self.holds:
            with contextlib.suppress(Conflict):
                self.container.reservations.release(
                    data.draw(st.sampled_from(self.holds)), actor="m"
                )

    @rule(channel=st.sampled_from(CHANNELS), policy=policies)
    def channel_policy(self, channel, policy):
        self.container.policies.put_channel(channel, policy)

    @rule(sku=st.sampled_from((*SKUS, BUNDLE)), channel=st.sampled_from(CHANNELS), policy=policies)
    def sku_policy(self, sku, channel, policy):
        self.container.policies.put_sku(sku, channel, policy)

    @rule(channel=st.sampled_from(("amazon", "walmart")), sku=st.sampled_from((*SKUS, BUNDLE)))
    def list_sku(self, channel, sku):
        self.container.listings.put(Listing(channel, f"{channel}-{sku}", sku))

    @rule(channel=st.sampled_from(("amazon", "walmart")), accepted=st.booleans())
    def push(self, channel, accepted):
        pending = self.container.sync.pending(channel, limit=1000)
        if pending:
            self.container.sync.report(
                channel,
                pushes=[Push(p.channel_sku, p.quantity, p.version, ok=accepted) for p in pending],
            )

    @rule(minutes=st.sampled_from([1, 15, 120, 60 * 48]))
    def time_passes(self, minutes):
        """Time passes and the server refreshes: demand decays, unpushed channels go stale."""
        self.clock.advance(minutes=minutes)
        self.container.availability.refresh()

    @invariant()
    def recorded_numbers_are_what_deciding_afresh_gives(self):
        for sku in (*SKUS, BUNDLE):
            explained = self.container.availability.explain(sku)
            for channel in explained.channels:
                assert channel.stored == channel.advertised, (sku, channel.channel)

    @invariant()
    def every_listing_is_told_its_number(self):
        for channel in ("amazon", "walmart"):
            pending = {p.channel_sku: p for p in self.container.sync.pending(channel, limit=1000)}
            for stored in self.container.listings.page(channel, limit=1000):
                listing = stored.listing
                number = self.container.availability.stored(listing.sku)[channel]
                waiting = pending.get(listing.channel_sku)
                told = waiting.quantity if waiting else stored.pushed_quantity
                assert told == number, (listing.channel_sku, told, number)


@pytest.mark.parametrize("database", ENGINES)
def test_availability_follows_every_change(database, request, sqlite_template, tmp_path):
    run_machine(AvailabilityMachine, database, request, sqlite_template, tmp_path, examples=30)
