"""Random interleavings of order ingest (confirmed and pending), cancellation, shipment, short
picks, reservations (made, released, confirmed, expired by time and by the sweep), deliveries
expected and landing (short lines wait for them and get them), stock moves, receipts into
quality_control, counts that find fewer units than orders and holds own (they lose them),
returns of shipped units (opened, inspected with every disposition; too many units, a SKU not
ordered, an unknown order: refused) and count sessions (opened, counted line by line while stock
moves, submitted, approved by another person when a line is off by more than the threshold,
cancelled; out-of-turn steps refused), on each engine. Each run starts with an order shipped and a
count session counted. The returns and count-session rules are in orders_machine_returns.py.

After every step: what the balances hold as committed is exactly what the orders' allocations
say, what they hold as reserved is exactly what active reservations hold, incoming lots add up
to the incoming balances, every line adds up (quantity = reserved + committed + short +
shipped + cancelled), no state is negative (so committed + reserved never exceed what is on
hand), the ledger rebuilds the balances, the units an order's returns took back never exceed
what it shipped (per SKU), no return line has more inspected than returned, quality_control at
each place holds at least what its returns still await (less only what counts found missing
there), and a count session's status only moves forward (open -> awaiting_approval -> posted,
or cancelled). Each refused request writes nothing; a posted count session leaves each SKU's
on-hand at what was counted plus what moved there after its line was counted."""

from __future__ import annotations

import contextlib
import itertools
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy import text

from stockpool.domain.errors import Conflict, InsufficientStock
from stockpool.domain.movements import Reason
from stockpool.domain.operations import Adjust, Count, CountLine, Move, Receive
from stockpool.domain.orders import NewOrder, OrderLine
from stockpool.domain.reservations import NewReservation
from stockpool.domain.states import State
from tests.conftest import ENGINES, FakeClock, fresh_database, make_container, run_machine, seed
from tests.store.orders_machine_returns import (
    APPROVAL_UNITS,
    LOCATIONS,
    PLACED,
    SKUS,
    ReturnsAndCounts,
)

CHANNELS = ("shopify", "amazon", "walmart")


class OrdersMachine(ReturnsAndCounts, RuleBasedStateMachine):
    database: str
    sqlite_template: Path
    tmp: Path
    pg_engine = None
    runs = itertools.count()

    def __init__(self) -> None:
        super().__init__()
        directory = self.tmp / f"orders{next(self.runs)}"
        url = fresh_database(self.database, self.sqlite_template, directory, self.pg_engine)
        self.clock = FakeClock()
        self.container = make_container(
            url,
            self.clock,
            reservation_ttl_seconds=600,
            pending_order_hold_seconds=600,
            count_approval_units=APPROVAL_UNITS,
        )
        seed(self.container)
        self.orders: list[int] = []
        self.shipped: set[int] = set()  # orders a shipment was accepted for
        self.reservations: list[int] = []
        self.numbers = itertools.count()

    def teardown(self) -> None:
        self.container.close()

    @rule(
        sku=st.sampled_from(SKUS),
        location=st.sampled_from(LOCATIONS),
        units=st.integers(1, 6),
        state=st.sampled_from((State.AVAILABLE, State.AVAILABLE, State.QUALITY_CONTROL)),
    )
    def receive(self, sku, location, units, state):
        self.container.stock.execute(Receive(sku, location, units, state), actor="machine")

    @rule(sku=st.sampled_from(SKUS), location=st.sampled_from(LOCATIONS), units=st.integers(1, 4))
    def damage_or_lose(self, sku, location, units):
        for command in (
            Move(sku, location, units, State.AVAILABLE, State.DAMAGED),
            Adjust(sku, location, -units, Reason.SHRINKAGE),
        ):
            with contextlib.suppress(InsufficientStock):
                self.container.stock.execute(command, actor="machine")

    @rule(
        channel=st.sampled_from(CHANNELS),
        lines=st.lists(st.tuples(st.sampled_from(SKUS), st.integers(1, 5)), min_size=1, max_size=2),
        confirmed=st.booleans(),
    )
    def order(self, channel, lines, confirmed):
        number = next(self.numbers)
        new = NewOrder(
            channel,
            f"O-{number}",
            tuple(OrderLine(s, q) for s, q in lines),
            PLACED,
            confirmed=confirmed,
        )
        placed = self.container.intake.ingest(new, actor="machine").order
        self.orders.append(placed.id)
        assert self.container.intake.ingest(new, actor="machine").replayed

    @rule(data=st.data())
    def confirm_order(self, data):
        if self.orders:
            self.container.confirmation.confirm(data.draw(st.sampled_from(self.orders)), actor="m")

    @rule(
        channel=st.sampled_from(CHANNELS),
        lines=st.lists(st.tuples(st.sampled_from(SKUS), st.integers(1, 4)), min_size=1, max_size=2),
        minutes=st.integers(1, 30),
    )
    def reserve(self, channel, lines, minutes):
        new = NewReservation(
            channel,
            f"R-{next(self.numbers)}",
            tuple(OrderLine(s, q) for s, q in lines),
            timedelta(minutes=minutes),
        )
        with contextlib.suppress(InsufficientStock):
            made = self.container.reservations.reserve(new, actor="machine")
            self.reservations.append(made.reservation.id)

    @rule(data=st.data(), confirm=st.booleans())
    def release_or_confirm(self, data, confirm):
        if not self.reservations:
            return
        reservation_id = data.draw(st.sampled_from(self.reservations))
        with contextlib.suppress(Conflict):  # already confirmed, released or expired
            if confirm:
                made = self.container.confirmation.confirm_reservation(
                    reservation_id,
                    external_id=None,
                    placed_at=None,
                    ship_by=None,
                    region=None,
                    actor="m",
                )
                self.orders.append(made.order.id)
            else:
                self.container.reservations.release(reservation_id, actor="m")

    @rule(
        sku=st.sampled_from(SKUS),
        location=st.sampled_from(LOCATIONS),
        units=st.integers(1, 5),
        hours=st.one_of(st.none(), st.integers(1, 48)),
    )
    def expect_a_delivery(self, sku, location, units, hours):
        eta = None if hours is None else self.clock.now + timedelta(hours=hours)
        command = Adjust(sku, location, units, Reason.PURCHASE_ORDER, State.INCOMING, "PO", eta)
        self.container.stock.execute(command, actor="buyer")

    @rule(sku=st.sampled_from(SKUS), location=st.sampled_from(LOCATIONS), units=st.integers(1, 5))
    def a_delivery_lands(self, sku, location, units):
        with contextlib.suppress(InsufficientStock):  # more than is incoming there
            self.container.stock.execute(
                Receive(sku, location, units, from_incoming=True), actor="dock"
            )

    @rule(
        sku=st.sampled_from(SKUS),
        location=st.sampled_from(LOCATIONS),
        share=st.floats(0, 1.2),
    )
    def count(self, sku, location, share):
        """A count finding anything from nothing to a little more than the ledger expects."""
        on_hand = self.container.catalog.stock(sku).locations.get(location)
        expected = on_hand.on_hand if on_hand else 0
        counted = int(expected * share)
        command = Count(location, (CountLine(sku, counted),))
        self.counted(self.container.stock.execute(command, actor="counter"))

    @rule(minutes=st.integers(0, 40))
    def time_passes(self, minutes):
        self.clock.advance(minutes=minutes)

    @rule()
    def sweep(self):
        self.container.reservations.sweep()

    @rule(data=st.data(), ship=st.booleans(), everything=st.booleans())
    def cancel_or_ship(self, data, ship, everything):
        if not self.orders:
            return
        order_id = data.draw(st.sampled_from(self.orders))
        wanted = (
            None if everything else {data.draw(st.sampled_from(SKUS)): data.draw(st.integers(1, 3))}
        )
        act = self.container.fulfilment.ship if ship else self.container.fulfilment.cancel
        try:
            act(order_id, wanted, actor="machine")
            if ship:
                self.shipped.add(order_id)
        except Conflict:
            pass  # more than the order has open or committed: refused, nothing written
        except Exception as error:  # an SKU not in the order
            assert "not in this order" in str(error)

    @rule(data=st.data())
    def short_pick(self, data):
        held = [
            (order_id, a)
            for order_id in self.orders
            for a in self.container.orders.get(order_id).allocations
        ]
        if not held:
            return
        order_id, allocation = data.draw(st.sampled_from(held))
        missing = data.draw(st.integers(1, allocation.units))
        self.container.fulfilment.short_pick(
            order_id, allocation.sku, allocation.location, missing, actor="picker"
        )

    @invariant()
    def committed_stock_is_exactly_what_orders_hold(self):
        with self.container.engine.connect() as connection:
            by_balance = dict(
                connection.execute(
                    text(
                        "SELECT sku || '@' || location, committed FROM balances WHERE committed > 0"
                    )
                ).all()
            )
            by_orders = dict(
                connection.execute(
                    text(
                        "SELECT l.sku || '@' || a.location, SUM(a.units) FROM allocations a "
                        "JOIN order_lines l ON l.order_id = a.order_id AND l.line_no = a.line_no "
                        "GROUP BY l.sku, a.location"
                    )
                ).all()
            )
            committed_per_line = connection.execute(
                text(
                    "SELECT COUNT(*) FROM order_lines l WHERE l.committed != COALESCE((SELECT "
                    "SUM(units) FROM allocations a WHERE a.order_id = l.order_id "
                    "AND a.line_no = l.line_no), 0)"
                )
            ).scalar_one()
        assert {k: int(v) for k, v in by_balance.items()} == {
            k: int(v) for k, v in by_orders.items()
        }
        assert committed_per_line == 0

    @invariant()
    def reserved_stock_is_exactly_what_active_reservations_hold(self):
        with self.container.engine.connect() as connection:
            by_balance = connection.execute(
                text("SELECT sku, location, reserved FROM balances WHERE reserved > 0")
            ).all()
            by_holds = connection.execute(
                text(
                    "SELECT h.sku, h.location, SUM(h.units) FROM reservation_holds h JOIN "
                    "reservations r ON r.id = h.reservation_id WHERE r.status = 'active' "
                    "GROUP BY h.sku, h.location"
                )
            ).all()
            pending_lines_off = connection.execute(
                text(
                    "SELECT COUNT(*) FROM order_lines l WHERE l.reserved != COALESCE((SELECT "
                    "SUM(h.units) FROM reservation_holds h JOIN reservations r ON "
                    "r.id = h.reservation_id WHERE r.order_id = l.order_id AND "
                    "r.reference IS NULL AND r.status = 'active' AND h.line_no = l.line_no), 0)"
                )
            ).scalar_one()
        as_dict = lambda rows: {(sku, loc): int(units) for sku, loc, units in rows}  # noqa: E731
        assert as_dict(by_balance) == as_dict(by_holds)
        assert pending_lines_off == 0

    @invariant()
    def incoming_lots_add_up_to_the_incoming_balances(self):
        with self.container.engine.connect() as connection:
            lots = connection.execute(
                text("SELECT sku, location, SUM(units) FROM inbound GROUP BY sku, location")
            ).all()
            balances = connection.execute(
                text("SELECT sku, location, incoming FROM balances WHERE incoming > 0")
            ).all()
        as_dict = lambda rows: {(sku, loc): int(units) for sku, loc, units in rows}  # noqa: E731
        assert as_dict(lots) == as_dict(balances)

    @invariant()
    def the_ledger_rebuilds_the_balances(self):
        assert self.container.ledger.check() == []


@pytest.mark.parametrize("database", ENGINES)
def test_order_invariants_hold_for_random_interleavings(
    database, request, sqlite_template, tmp_path
):
    run_machine(OrdersMachine, database, request, sqlite_template, tmp_path, examples=60)
