"""Random programs of receive / adjust / move / transfer / count / safety stock / replay, run
against the real store on each engine and against a plain model written here. After every step:
the store agrees with the model, no state is negative, on_hand is the sum of the six physical
states, and `check` rebuilds exactly the stored balances from the ledger."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from stockpool.domain.catalog import Location, LocationKind, Sku
from stockpool.domain.errors import InsufficientStock
from stockpool.domain.movements import Reason
from stockpool.domain.operations import (
    Adjust,
    Count,
    CountLine,
    Move,
    Receive,
    SetSafetyStock,
    Transfer,
)
from stockpool.domain.states import ALL_STATES, PHYSICAL_STATES, State
from tests.conftest import ENGINES, fresh_database, make_container, run_machine

SKUS = ("A", "B")
LOCATIONS = ("L1", "L2")
MANUAL = (State.AVAILABLE, State.QUALITY_CONTROL, State.DAMAGED, State.SAFETY_STOCK)
SHORTFALL_ORDER = (
    State.AVAILABLE,
    State.SAFETY_STOCK,
    State.QUALITY_CONTROL,
    State.DAMAGED,
    State.RESERVED,
    State.COMMITTED,
)

skus = st.sampled_from(SKUS)
locations = st.sampled_from(LOCATIONS)
units = st.integers(1, 8)


class LedgerMachine(RuleBasedStateMachine):
    database: str  # "sqlite" or "postgresql", set per test
    sqlite_template: Path
    tmp: Path
    pg_engine = None
    runs = itertools.count()

    def __init__(self) -> None:
        super().__init__()
        directory = self.tmp / f"run{next(self.runs)}"
        url = fresh_database(self.database, self.sqlite_template, directory, self.pg_engine)
        self.container = make_container(url)
        self.container.catalog.put_skus([Sku(s) for s in SKUS])
        self.container.catalog.put_locations(
            [Location(loc, LocationKind.WAREHOUSE) for loc in LOCATIONS]
        )
        self.model = {(s, loc): dict.fromkeys(ALL_STATES, 0) for s in SKUS for loc in LOCATIONS}
        self.keyed: list[tuple[object, str]] = []

    def teardown(self) -> None:
        self.container.close()

    def run(self, command, changes, key=None):
        """Apply command; changes is what the model says it does, or None if it must be refused."""
        if changes is None:
            with pytest.raises(InsufficientStock):
                self.container.stock.execute(command, actor="machine", idempotency_key=key)
            return
        self.container.stock.execute(command, actor="machine", idempotency_key=key)
        for (sku, location, state), delta in changes:
            self.model[(sku, location)][state] += delta
        if key is not None:
            self.keyed.append((command, key))

    def take(self, sku, location, state, quantity):
        return (
            None
            if self.model[(sku, location)][state] < quantity
            else [((sku, location, state), -quantity)]
        )

    @rule(
        sku=skus,
        location=locations,
        quantity=units,
        state=st.sampled_from(MANUAL[:2]),
        from_incoming=st.booleans(),
        keyed=st.booleans(),
    )
    def receive(self, sku, location, quantity, state, from_incoming, keyed):
        arrive = [((sku, location, state), quantity)]
        changes = arrive
        if from_incoming:
            taken = self.take(sku, location, State.INCOMING, quantity)
            changes = None if taken is None else taken + arrive
        key = f"rcpt-{len(self.keyed)}" if keyed else None
        self.run(Receive(sku, location, quantity, state, from_incoming), changes, key)

    @rule(
        sku=skus,
        location=locations,
        quantity=units,
        state=st.sampled_from((*MANUAL, State.INCOMING)),
        reason=st.sampled_from([Reason.FOUND, Reason.SHRINKAGE, Reason.CORRECTION]),
        sign=st.sampled_from([1, -1]),
    )
    def adjust(self, sku, location, quantity, state, reason, sign):
        if reason == Reason.FOUND:
            sign = 1
        elif reason == Reason.SHRINKAGE:
            sign = -1
        changes = (
            [((sku, location, state), quantity)]
            if sign > 0
            else self.take(sku, location, state, quantity)
        )
        self.run(Adjust(sku, location, sign * quantity, reason, state), changes)

    @rule(sku=skus, location=locations, quantity=units, pair=st.permutations(MANUAL))
    def move(self, sku, location, quantity, pair):
        source, target = pair[0], pair[1]
        taken = self.take(sku, location, source, quantity)
        changes = None if taken is None else [*taken, ((sku, location, target), quantity)]
        self.run(Move(sku, location, quantity, source, target), changes)

    @rule(sku=skus, quantity=units, route=st.permutations(LOCATIONS), state=st.sampled_from(MANUAL))
    def transfer(self, sku, quantity, route, state):
        source, destination = route
        taken = self.take(sku, source, state, quantity)
        changes = (
            None if taken is None else [*taken, ((sku, destination, State.INCOMING), quantity)]
        )
        self.run(Transfer(sku, source, destination, quantity, state), changes)

    @rule(
        location=locations,
        counted=st.lists(
            st.tuples(skus, st.integers(0, 15)), min_size=1, max_size=2, unique_by=lambda t: t[0]
        ),
    )
    def count(self, location, counted):
        changes = []
        for sku, number in counted:
            held = self.model[(sku, location)]
            variance = number - sum(held[s] for s in PHYSICAL_STATES)
            if variance > 0:
                changes.append(((sku, location, State.AVAILABLE), variance))
            missing = -variance
            for state in SHORTFALL_ORDER:
                taken = min(missing, held[state]) if missing > 0 else 0
                if taken:
                    changes.append(((sku, location, state), -taken))
                    missing -= taken
        lines = tuple(CountLine(sku, number) for sku, number in counted)
        self.run(Count(location, lines), changes)

    @rule(sku=skus, location=locations, level=st.integers(0, 10))
    def set_safety_stock(self, sku, location, level):
        held = self.model[(sku, location)]
        change = level - held[State.SAFETY_STOCK]
        changes = (
            None
            if change > held[State.AVAILABLE]
            else [
                ((sku, location, State.AVAILABLE), -change),
                ((sku, location, State.SAFETY_STOCK), change),
            ]
        )
        self.run(SetSafetyStock(sku, location, level), changes)

    @rule(data=st.data())
    def replay_a_keyed_request(self, data):
        if not self.keyed:
            return
        command, key = data.draw(st.sampled_from(self.keyed))
        before = len(self.container.ledger.entries(limit=1000))
        assert self.container.stock.execute(command, actor="machine", idempotency_key=key).replayed
        assert len(self.container.ledger.entries(limit=1000)) == before

    @invariant()
    def store_agrees_with_the_model_and_the_invariants_hold(self):
        for sku in SKUS:
            stored = self.container.catalog.stock(sku).locations
            for location in LOCATIONS:
                expected = self.model[(sku, location)]
                assert all(v >= 0 for v in expected.values())
                balance = stored.get(location)
                actual = {s: balance[s] if balance else 0 for s in ALL_STATES}
                assert actual == expected, (sku, location)
                if balance:
                    assert balance.on_hand == sum(balance[s] for s in PHYSICAL_STATES)

    @invariant()
    def check_rebuilds_the_same_balances_from_the_ledger(self):
        assert self.container.ledger.check() == []


@pytest.mark.parametrize("database", ENGINES)
def test_ledger_invariants_hold_for_random_programs(database, request, sqlite_template, tmp_path):
    run_machine(LedgerMachine, database, request, sqlite_template, tmp_path, examples=40)
