"""The returns and count-session rules of the orders state machine (test_orders_stateful.py),
with their invariants: a mixin, so that each module stays readable.

Every run starts with an order shipped (so that returns have something to take back) and a count
session whose line is counted (so that all that follows moves stock under it). The model is
small: what each order's returns took back per SKU, which returns exist, what counts took out of
quality_control, and each count session's status and lines (counted, and the on-hand the machine
read just before sending the line). Everything else is read back from the store's services."""

from __future__ import annotations

import contextlib
import itertools
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

from stockpool.bootstrap import Container
from stockpool.domain.count_sessions import CountStatus, LineCounted, NewCount
from stockpool.domain.errors import Conflict, InsufficientStock, InvalidRequest, NotFound
from stockpool.domain.movements import LedgerEntry, Reason
from stockpool.domain.operations import Adjust, Receive
from stockpool.domain.orders import NewOrder, OrderLine
from stockpool.domain.returns import Disposition, Inspection, NewReturn, ReturnStatus
from stockpool.domain.states import State
from stockpool.services.stock import StockChange

SKUS = ("TEE-M-BLK", "MUG-12OZ")
LOCATIONS = ("DAL-1", "FBA-US", "NYC-STORE")
PEOPLE = ("ann", "bob", "cy")
PLACED = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
APPROVAL_UNITS = 2  # a count line off by more waits for approval (the machine's setting)

# Where a count session may go from each status (staying is allowed).
FORWARD = {
    CountStatus.OPEN: set(CountStatus),
    CountStatus.AWAITING_APPROVAL: {CountStatus.AWAITING_APPROVAL, CountStatus.POSTED},
    CountStatus.POSTED: {CountStatus.POSTED},
    CountStatus.CANCELLED: {CountStatus.CANCELLED},
}


@dataclass
class Session:
    """A count session as the machine expects it."""

    location: str
    skus: tuple[str, ...]
    opened_by: str
    status: CountStatus = CountStatus.OPEN
    submitted_by: str | None = None
    lines: dict[str, tuple[int, int]] = field(default_factory=dict)  # sku: (counted, expected)


def on_hand(container: Container, sku: str, location: str, state: State | None = None) -> int:
    found = container.catalog.stock(sku).locations.get(location)
    if found is None:
        return 0
    return found.on_hand if state is None else found[state]


class ReturnsAndCounts:
    """Rules and invariants for returns (opened against shipped orders, inspected) and count
    sessions (opened, counted line by line, submitted, approved, cancelled)."""

    # Kept by the orders machine: its container, its orders, those a shipment was accepted for.
    container: Container
    orders: list[int]
    shipped: set[int]

    def __init__(self) -> None:
        super().__init__()
        self.returned: Counter[tuple[int, str]] = Counter()  # (order, sku): units returned
        self.return_ids: list[int] = []
        self.taken_from_qc: Counter[tuple[str, str]] = Counter()  # by counts, per (sku, location)
        self.sessions: dict[int, Session] = {}
        self.seen_status: dict[int, CountStatus] = {}
        self.rmas = itertools.count()

    def counted(self, change: StockChange | None) -> None:
        """Note what a count (one-shot or a session's posting) took out of quality_control."""
        entries: list[LedgerEntry] = change.movements if change else []
        for entry in entries:
            moved = entry.movement
            if moved.from_state == State.QUALITY_CONTROL and moved.reason == Reason.CYCLE_COUNT:
                self.taken_from_qc[(moved.sku, moved.location)] += moved.quantity

    def written(self) -> tuple[object, ...]:
        """What a refused request must leave as it was: the newest ledger line (no movement, so
        no balance: the ledger check rebuilds them), every return and every count session."""
        return (
            self.container.ledger.entries(limit=1, newest_first=True),
            [view.found for view in self.container.returns.listed(limit=1000)],
            self.container.counts.list(limit=1000),
        )

    def refused(self, errors: type[Exception] | tuple[type[Exception], ...], act) -> None:
        """act is refused with one of errors, and writes nothing."""
        before = self.written()
        try:
            act()
        except errors:
            pass
        else:
            raise AssertionError(f"expected {errors} to be raised")
        assert self.written() == before

    # Returns

    @initialize(tee=st.integers(1, 3), mug=st.integers(0, 2))
    def a_shipped_order(self, tee, mug):
        """An order shipped before anything else happens, so that returns have something to
        take back from the first step."""
        lines = [
            OrderLine(sku, units) for sku, units in zip(SKUS, (tee, mug), strict=True) if units
        ]
        receipts = [Receive(line.sku, LOCATIONS[0], line.quantity) for line in lines]
        self.container.stock.execute_all(receipts, actor="machine")
        new = NewOrder("shopify", "SHIPPED-1", tuple(lines), PLACED)
        order = self.container.intake.ingest(new, actor="machine").order
        self.container.fulfilment.ship(order.id, None, actor="machine")
        self.orders.append(order.id)
        self.shipped.add(order.id)

    @precondition(lambda self: self.shipped)
    @rule(data=st.data())
    def open_return(self, data):
        """Units back of a shipped order, into quality_control: refused when a SKU was not
        ordered, when more would come back than shipped (earlier returns counted), and for an
        order nobody knows."""
        order = self.container.orders.get(data.draw(st.sampled_from(sorted(self.shipped))))
        location = data.draw(st.sampled_from(LOCATIONS))
        shipped: Counter[str] = Counter()
        for line in order.lines:
            shipped[line.sku] += line.shipped
        left = {sku: shipped[sku] - self.returned[(order.id, sku)] for sku in shipped}
        may = sorted(sku for sku, units in left.items() if units > 0)
        if not may or data.draw(st.integers(0, 3)) == 0:
            # One more than may still come back (of a SKU not ordered: one), perhaps with one
            # that may: the return is refused whole.
            over = data.draw(st.sampled_from(SKUS))
            lines = ((over, left.get(over, 0) + 1),)
            lines += tuple((sku, 1) for sku in may if sku != over and data.draw(st.booleans()))
        else:
            skus = data.draw(st.lists(st.sampled_from(may), min_size=1, unique=True))
            lines = tuple((sku, data.draw(st.integers(1, left[sku]))) for sku in skus)
        skus = [sku for sku, _ in lines]
        unknown = data.draw(st.integers(0, 9)) == 0
        external_id = "NO-SUCH-ORDER" if unknown else order.external_id
        new = NewReturn(order.channel, external_id, location, lines, "too small")
        act = lambda: self.container.returns.open(new, actor="desk")  # noqa: E731
        if unknown:
            self.refused(NotFound, act)
            return
        if any(units > left.get(sku, 0) for sku, units in lines):
            self.refused((Conflict, InvalidRequest), act)
            return
        qc = {sku: on_hand(self.container, sku, location, State.QUALITY_CONTROL) for sku in skus}
        found = act().view.found
        assert found.order_id == order.id and found.awaiting == sum(u for _, u in lines)
        for sku, units in lines:
            self.returned[(order.id, sku)] += units
            after = on_hand(self.container, sku, location, State.QUALITY_CONTROL)
            assert after == qc[sku] + units
        self.return_ids.append(found.id)

    @precondition(lambda self: self.return_ids)
    @rule(data=st.data())
    def inspect(self, data):
        """Units awaiting inspection leave quality_control; more than await, or than
        quality_control still holds there (a count may have found them missing), are refused."""
        waiting = self.container.returns.listed(ReturnStatus.AWAITING_INSPECTION, limit=1000)
        if not waiting or data.draw(st.integers(0, 4)) == 0:  # one more than awaits
            found = self.container.returns.get(data.draw(st.sampled_from(self.return_ids))).found
            line = data.draw(st.sampled_from(found.lines))
            units = line.awaiting + 1
        else:
            found = data.draw(st.sampled_from(waiting)).found
            line = data.draw(st.sampled_from([x for x in found.lines if x.awaiting]))
            units = data.draw(st.integers(1, line.awaiting))
        disposition = data.draw(st.sampled_from(Disposition))
        reference = (
            f"RMA-{next(self.rmas)}" if disposition == Disposition.RETURN_TO_VENDOR else None
        )
        inspection = Inspection(line.sku, units, disposition, reference)
        act = lambda: self.container.returns.inspect(found.id, inspection, actor="qc")  # noqa: E731
        qc = on_hand(self.container, line.sku, found.location, State.QUALITY_CONTROL)
        if units > line.awaiting:
            self.refused(Conflict, act)
            return
        if units > qc:
            self.refused(InsufficientStock, act)
            return
        before = on_hand(self.container, line.sku, found.location)
        after = act().view.found
        [inspected] = [x.inspected for x in after.lines if x.sku == line.sku]
        assert inspected == line.inspected + units
        assert (
            on_hand(self.container, line.sku, found.location, State.QUALITY_CONTROL) == qc - units
        )
        gone = disposition in (Disposition.DISPOSE, Disposition.RETURN_TO_VENDOR)
        assert on_hand(self.container, line.sku, found.location) == before - (units if gone else 0)

    @invariant()
    def returns_stay_within_what_shipped_and_wait_in_quality_control(self):
        if not self.return_ids:
            return
        returned: Counter[tuple[int, str]] = Counter()
        awaiting: Counter[tuple[str, str]] = Counter()
        for view in self.container.returns.listed(limit=1000):
            for line in view.found.lines:
                assert 0 <= line.inspected <= line.quantity
                returned[(view.found.order_id, line.sku)] += line.quantity
                awaiting[(line.sku, view.found.location)] += line.awaiting
        assert returned == self.returned  # refused returns wrote nothing
        for order_id in {order_id for order_id, _ in returned}:
            shipped: Counter[str] = Counter()
            for order_line in self.container.orders.get(order_id).lines:
                shipped[order_line.sku] += order_line.shipped
            for (returned_of, sku), units in returned.items():
                assert returned_of != order_id or units <= shipped[sku]
        stock = {sku: self.container.catalog.stock(sku).locations for sku, _ in awaiting}
        for (sku, location), units in awaiting.items():
            held = stock[sku].get(location)
            qc = held.quality_control if held else 0
            # Counts that found units missing may have taken them from quality_control.
            assert qc + self.taken_from_qc[(sku, location)] >= units, (sku, location)

    # Count sessions

    def counts_in(self, *statuses: CountStatus) -> list[int]:
        return [i for i, s in sorted(self.sessions.items()) if s.status in statuses]

    @initialize(data=st.data(), location=st.sampled_from(LOCATIONS), sku=st.sampled_from(SKUS))
    def a_count_under_way(self, data, location, sku):
        """A count session open from the start, its line counted at once: all that follows
        moves stock under it."""
        self.open_count(location, [sku], PEOPLE[0])
        self.send_lines(data, max(self.sessions), (sku,))

    @precondition(
        lambda self: len(self.counts_in(CountStatus.OPEN, CountStatus.AWAITING_APPROVAL)) < 2
    )
    @rule(
        location=st.sampled_from(LOCATIONS),
        skus=st.lists(st.sampled_from(SKUS), min_size=1, max_size=2, unique=True),
        actor=st.sampled_from(PEOPLE),
    )
    def open_count(self, location, skus, actor):
        """A count of some SKUs at a location (at most two counts under way at once, so that
        they get counted, submitted and approved)."""
        opened = self.container.counts.open(NewCount(location, tuple(skus)), actor=actor).count
        assert opened.status == CountStatus.OPEN and opened.threshold == APPROVAL_UNITS
        self.sessions[opened.id] = Session(location, tuple(skus), actor)

    @precondition(lambda self: self.counts_in(CountStatus.OPEN))
    @rule(data=st.data())
    def count_lines(self, data):
        """A counter's totals of one SKU or all of a count (a SKU again: its line replaced)."""
        count_id = data.draw(st.sampled_from(self.counts_in(CountStatus.OPEN)))
        skus = self.sessions[count_id].skus
        self.send_lines(data, count_id, data.draw(st.sampled_from((skus, *((s,) for s in skus)))))

    def send_lines(self, data: st.DataObject, count_id: int, skus: tuple[str, ...]) -> None:
        """Totals a few units off, either way, that the count keeps against the ledger's on-hand
        at this moment."""
        session = self.sessions[count_id]
        off_by, actor = data.draw(st.integers(-5, 5)), data.draw(st.sampled_from(PEOPLE))
        expected = {sku: on_hand(self.container, sku, session.location) for sku in skus}
        lines = [LineCounted(sku, max(0, expected[sku] + off_by)) for sku in skus]
        stored = self.container.counts.add_lines(count_id, lines, actor=actor).count.lines
        for line in lines:
            [kept] = [x for x in stored if x.sku == line.sku]
            assert (kept.counted, kept.expected) == (line.counted, expected[line.sku])
            session.lines[line.sku] = (line.counted, expected[line.sku])

    @precondition(lambda self: self.counts_in(CountStatus.OPEN, CountStatus.AWAITING_APPROVAL))
    @rule(data=st.data())
    def a_count_goes_on(self, data):
        """A count under way takes its next step, or stock moves under it: units arrive or go
        missing at a place it has counted (posting must count them once). The next step: an
        uncounted SKU is counted (or the count submitted anyway: refused), a counted count
        submitted (posted, or left awaiting approval when a line is off by more than the
        threshold), one awaiting approval approved (refused for its opener or submitter); now and
        then an open one is cancelled."""
        under_way = self.counts_in(CountStatus.OPEN, CountStatus.AWAITING_APPROVAL)
        count_id = data.draw(st.sampled_from(under_way))
        session = self.sessions[count_id]
        actor, step = data.draw(st.sampled_from(PEOPLE)), data.draw(st.integers(0, 7))
        submit = lambda: self.container.counts.submit(count_id, actor=actor)  # noqa: E731
        uncounted = tuple(sku for sku in session.skus if sku not in session.lines)
        if step < 3 and session.lines:
            self.stock_moves(
                data, session.location, data.draw(st.sampled_from(sorted(session.lines)))
            )
        elif session.status == CountStatus.AWAITING_APPROVAL:
            approve = lambda: self.container.counts.approve(count_id, actor=actor)  # noqa: E731
            if actor in (session.opened_by, session.submitted_by):
                self.refused(Conflict, approve)
            else:
                self.post(session, approve)
        elif step == 3:
            done = self.container.counts.cancel(count_id, actor=actor)
            assert done.count.status == CountStatus.CANCELLED and done.posted is None
            session.status = CountStatus.CANCELLED
        elif uncounted and step == 4:
            self.refused(Conflict, submit)
        elif uncounted:
            self.send_lines(data, count_id, uncounted[:1])
        elif any(abs(c - e) > APPROVAL_UNITS for c, e in session.lines.values()):
            done = submit()
            assert done.count.status == CountStatus.AWAITING_APPROVAL and done.posted is None
            session.status, session.submitted_by = CountStatus.AWAITING_APPROVAL, actor
        else:
            self.post(session, submit)

    def stock_moves(self, data: st.DataObject, location: str, sku: str) -> None:
        """Units arrive, or go missing from available (if there are so many)."""
        units = data.draw(st.sampled_from((3, 2, 1, -1, -2)))
        command = (
            Receive(sku, location, units)
            if units > 0
            else Adjust(sku, location, units, Reason.SHRINKAGE)
        )
        with contextlib.suppress(InsufficientStock):  # fewer available than go missing
            self.container.stock.execute(command, actor="machine")

    def post(self, session: Session, act) -> None:
        """act posts the session: each SKU's on-hand is then what was counted plus what moved
        there since its line was counted (a shortfall stops at nothing on hand)."""
        before = {sku: on_hand(self.container, sku, session.location) for sku in session.skus}
        done = act()
        assert done.count.status == CountStatus.POSTED
        self.counted(done.posted)
        for sku, (counted, expected) in session.lines.items():
            moved_since = before[sku] - expected
            assert on_hand(self.container, sku, session.location) == max(0, counted + moved_since)
        session.status = CountStatus.POSTED

    @precondition(lambda self: self.sessions)
    @rule(data=st.data(), action=st.sampled_from(("line", "submit", "approve", "cancel")))
    def count_out_of_turn(self, data, action):
        """A line, submission or cancellation of a count no longer open, or an approval of one
        not awaiting it: refused, nothing written."""
        valid = CountStatus.AWAITING_APPROVAL if action == "approve" else CountStatus.OPEN
        wrong = [i for i, s in sorted(self.sessions.items()) if s.status != valid]
        if not wrong:
            return
        count_id = data.draw(st.sampled_from(wrong))
        counts = self.container.counts
        sku = self.sessions[count_id].skus[0]
        acts = {
            "line": lambda: counts.add_lines(count_id, [LineCounted(sku, 1)], actor="dan"),
            "submit": lambda: counts.submit(count_id, actor="dan"),
            "approve": lambda: counts.approve(count_id, actor="dan"),
            "cancel": lambda: counts.cancel(count_id, actor="dan"),
        }
        self.refused(Conflict, acts[action])

    @invariant()
    def count_sessions_only_move_forward(self):
        for found in self.container.counts.list(limit=1000):
            seen = self.seen_status.get(found.id, CountStatus.OPEN)
            assert found.status in FORWARD[seen], (found.id, seen, found.status)
            assert found.status == self.sessions[found.id].status
            self.seen_status[found.id] = found.status
