"""Order intake: every order takes stock from the one pool first, atomically, and what it cannot
take becomes a conflict on record.

Orders that arrive together are decided in one transaction (group commit, see group_commit.py):
every balance any of them could draw on is locked once, up front, in key order; each order is
routed against what the ones before it left; they are written in bulk.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from stockpool.domain.accepted_orders import Order
from stockpool.domain.balance import Balance, BalanceKey, apply_into
from stockpool.domain.bundles import Origin, expand
from stockpool.domain.catalog import Location
from stockpool.domain.channels import Channel
from stockpool.domain.errors import (
    OrderIdReused,
    StockpoolError,
    UnknownChannel,
    UnknownSku,
    WrittenMeanwhile,
)
from stockpool.domain.movements import Movement
from stockpool.domain.orders import (
    IntakeView,
    NewOrder,
    OrderLine,
    OrderStatus,
    order_reference,
    placed_ahead,
)
from stockpool.domain.reservations import Hold, check_ttl, reserving
from stockpool.domain.routing import RoutingDecision, route
from stockpool.services.holds import lock_balances
from stockpool.services.listed_skus import map_listed
from stockpool.services.lookups import order_of
from stockpool.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from stockpool.services.ports.observer import Observer, Unwatched
from stockpool.services.shortfalls import ConflictPolicy, Shortfall, commitments, settle_all


@dataclass(frozen=True, slots=True)
class Ingested:
    """An order as stockpool took it; replayed: it was received before and nothing moved."""

    order: Order
    replayed: bool


Answer = Ingested | StockpoolError
# Confirms the pending order stored under (channel, external_id): see OrderConfirmation.
ConfirmNamed = Callable[[str, str, str], Ingested]


@dataclass(frozen=True, slots=True)
class Fresh:
    """A new order ready to route: where it stands in the batch, its channel, and its lines
    with bundles expanded into their components (origin says which bundle each came from)."""

    index: int
    order: NewOrder
    channel: Channel
    lines: list[OrderLine]
    origin: list[Origin]


@dataclass(frozen=True, slots=True)
class Routed:
    fresh: Fresh
    decision: RoutingDecision


@dataclass(slots=True)
class Unwritten:
    """Orders decided against the locked balances but not written yet, with the movements they
    take: written together, in bulk. current and available follow what each order takes, so
    the next one is decided against what is left."""

    current: dict[BalanceKey, Balance]
    available: dict[BalanceKey, int] = field(init=False)
    routed: list[Routed] = field(default_factory=list)
    movements: list[Movement] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.available = {key: balance.available for key, balance in self.current.items()}

    def take(self, routed: Routed) -> None:
        movements = _taken(routed.fresh.order, routed.decision)
        apply_into(self.current, movements)
        for allocation in routed.decision.allocations:
            self.available[(allocation.sku, allocation.location)] -= allocation.units
        self.routed.append(routed)
        self.movements.extend(movements)

    def write(self, uow: UnitOfWork, at: datetime, actor: str) -> list[tuple[Routed, Order]]:
        """Store the orders and their movements; each order as stored. No ledger idempotency
        key: an order's (channel, external_id) is unique, so these movements are written once."""
        decided = [(r.fresh.order, r.fresh.lines, r.decision, r.fresh.origin) for r in self.routed]
        stored = uow.orders.add_many(decided, at)
        touched = {(m.sku, m.location) for m in self.movements}
        after = {key: self.current[key] for key in touched}
        uow.stock.record(self.movements, after, at=at, actor=actor, entries=False)
        uow.changes.moved(self.movements)
        written = list(zip(self.routed, stored, strict=True))
        self.routed, self.movements = [], []
        return written


class OrderIntake:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        confirm_named: ConfirmNamed,
        *,
        conflict_policy: ConflictPolicy,
        pending_hold: timedelta,
        observer: Observer | None = None,
    ) -> None:
        self._uow = uow
        self._observer = observer or Unwatched()
        self._clock = clock
        self._confirm_named = confirm_named
        self._proposing = conflict_policy == "propose"
        self._pending_hold = check_ttl(pending_hold)

    def ingest(self, order: NewOrder, *, actor: str) -> Ingested:
        """Accept an order: commit what the pool holds for it (reserve it, when the channel has
        not confirmed the order yet), and record the rest as conflicts.

        Idempotent on (channel, external_id): the same order again returns the first result and
        moves nothing - except that a pending order sent again as confirmed is confirmed. The
        same id with other lines is refused.
        """
        answer = self.ingest_many([order], actor=actor)[0]
        if isinstance(answer, StockpoolError):
            raise answer
        return answer

    def ingest_many(self, orders: Sequence[NewOrder], *, actor: str) -> list[Answer]:
        """Accept many orders in one transaction (group commit): each gets its own answer, an
        error for one is that order's alone, and every answer stands only once all are
        committed. Orders are decided in the order given."""
        if not orders:
            return []
        answers: list[Answer | None] = []
        for attempt in range(2):
            try:
                with self._uow() as uow:
                    answers = self._accept_many(uow, orders, actor)
                    uow.follow_changes()
                    uow.commit()
                break
            except WrittenMeanwhile:
                # Another request stored one of these orders between our check and our insert;
                # the second attempt finds it and replays it.
                if attempt:
                    raise
        # Pending orders sent again as confirmed are confirmed one at a time, each in its own
        # transaction, after the batch: they lock in their own order.
        final = [
            self._confirm_again(order, actor) if answer is None else answer
            for order, answer in zip(orders, answers, strict=True)
        ]
        self._observer.orders_taken(Counter(map(_outcome, orders, final)))
        return final

    def _confirm_again(self, order: NewOrder, actor: str) -> Answer:
        try:
            return self._confirm_named(order.channel, order.external_id, actor)
        except StockpoolError as error:
            return error

    def _accept_many(
        self, uow: UnitOfWork, orders: Sequence[NewOrder], actor: str
    ) -> list[Answer | None]:
        """Each order's answer: refused, a replay, or accepted; None for a pending order sent
        again as confirmed (confirmed after the batch)."""
        at = self._clock()
        orders, refused = map_listed(uow, orders, at)
        refused.update(placed_ahead(orders, at))
        answers: list[Answer | None] = [None] * len(orders)
        view = uow.intake_view.read(
            {(o.channel, o.external_id) for o in orders},
            {line.sku for order in orders for line in order.lines},
        )
        fresh = self._sort(uow, view, orders, refused, answers)
        if fresh:
            stored = self._accept_fresh(uow, fresh, view.locations, at, actor)
            for item in fresh:
                answers[item.index] = Ingested(stored[item.index], replayed=False)
        first = {(item.order.channel, item.order.external_id): item.index for item in fresh}
        for i, order in enumerate(orders):  # the same order twice in one batch: a replay
            earlier = first.get((order.channel, order.external_id), i)
            if earlier != i:
                answers[i] = _replay_of(answers[earlier], order)
        return answers

    @staticmethod
    def _sort(
        uow: UnitOfWork,
        view: IntakeView,
        orders: Sequence[NewOrder],
        refused: dict[int, StockpoolError],
        answers: list[Answer | None],
    ) -> list[Fresh]:
        """Answer the orders that need no routing (refused, replays of stored ones) in answers;
        the new ones, ready to route."""
        channels, known, bundles, earlier = view.channels, view.known, view.bundles, view.stored
        fresh: list[Fresh] = []
        seen: set[tuple[str, str]] = set()
        for i, order in enumerate(orders):
            name = (order.channel, order.external_id)
            channel = channels.get(order.channel)
            unknown = sorted({line.sku for line in order.lines} - known)
            if i in refused:
                answers[i] = refused[i]
            elif name in earlier:
                answers[i] = _replay_of(Ingested(order_of(uow, earlier[name]), False), order)
            elif name in seen:
                continue  # answered as a replay of the first, once that one is decided
            elif channel is None:
                answers[i] = UnknownChannel(order.channel)
            elif unknown:
                answers[i] = UnknownSku(unknown[0])
            else:
                lines, origin = expand(order.lines, bundles)
                fresh.append(Fresh(i, order, channel, lines, origin))
                seen.add(name)
            if _confirms(order, answers[i]):
                answers[i] = None
        return fresh

    def _accept_fresh(
        self,
        uow: UnitOfWork,
        fresh: Sequence[Fresh],
        locations: Sequence[Location],
        at: datetime,
        actor: str,
    ) -> dict[int, Order]:
        """Route, commit (or reserve) and store new orders, each decided against the balances
        the ones before it left; each as it stands at the end, by its place in the batch."""
        served = {
            item.channel.code: [loc for loc in locations if loc.serves(item.channel.code)]
            for item in fresh
        }
        skus = {line.sku for item in fresh for line in item.lines}
        codes = {loc.code for eligible in served.values() for loc in eligible}
        unwritten = Unwritten(lock_balances(uow, skus, codes, at, actor))
        short: list[tuple[Fresh, int]] = []  # lines of confirmed orders short of stock
        for item in fresh:
            decision = route(
                item.lines,
                item.channel,
                served[item.channel.code],
                unwritten.available,
                item.order.region,
            )
            unwritten.take(Routed(item, decision))
            if item.order.confirmed:
                short += [(item, n) for n, units in enumerate(decision.short) if units]
        stored = self._write(uow, unwritten, at, actor)
        # Taking units from another line moves no stock: the shortfalls are settled after every
        # order was routed, in the batch's order, each against what the ones before it left.
        shortfalls = [
            Shortfall(
                stored[item.index].id, line_no, tuple(loc.code for loc in served[item.channel.code])
            )
            for item, line_no in short
        ]
        places = {stored[item.index].id: item.index for item in fresh}
        settled = settle_all(uow, shortfalls, at, proposing=self._proposing, batch=places)
        again = uow.orders.get_many(settled & set(places))  # this batch's, as they end
        return {i: again.get(order.id, order) for i, order in stored.items()}

    def _write(
        self, uow: UnitOfWork, unwritten: Unwritten, at: datetime, actor: str
    ) -> dict[int, Order]:
        written = unwritten.write(uow, at, actor)
        for routed, order in written:
            new = routed.fresh.order
            for line in routed.fresh.lines:  # demand, as ordered (bundles as their components)
                uow.changes.sold(line.sku, new.channel, line.quantity, new.placed_at)
            for line in new.lines:  # what the platform took off the listing sold from
                uow.changes.sold_listed(
                    new.channel, line.sku, line.channel_sku, line.quantity, new.placed_at
                )
            if not new.confirmed:
                self._hold_for(uow, order, _holds(routed.decision), at)
        return {routed.fresh.index: order for routed, order in written}

    def _hold_for(self, uow: UnitOfWork, order: Order, holds: list[Hold], at: datetime) -> None:
        """The reservation holding a pending order's units until it is confirmed."""
        uow.reservations.add(
            channel=order.channel,
            reference=None,
            order_id=order.id,
            fingerprint=order.fingerprint,
            lines={},  # the order's own lines say what it is made of
            holds=holds,
            expires_at=at + self._pending_hold,
            at=at,
        )


def _outcome(order: NewOrder, answer: Answer) -> tuple[str, str]:
    """The order's channel and what became of it, as metrics count it (a channel stockpool does
    not know is counted as "unknown": whoever sends orders must not choose the series)."""
    if isinstance(answer, UnknownChannel):
        return "unknown", "refused"
    if isinstance(answer, StockpoolError):
        return order.channel, "refused"
    return order.channel, "replayed" if answer.replayed else "new"


def _taken(order: NewOrder, decision: RoutingDecision) -> list[Movement]:
    """What an order takes from available: committed, or reserved while it is pending."""
    reference = order_reference(order.channel, order.external_id)
    if order.confirmed:
        return commitments(decision.allocations, reference)
    return reserving(_holds(decision), reference)


def _holds(decision: RoutingDecision) -> list[Hold]:
    return [Hold(a.line, a.sku, a.location, a.units) for a in decision.allocations]


def _replay_of(first: Answer | None, order: NewOrder) -> Answer | None:
    """The answer to an order received again: the first one's, unless its lines differ."""
    if not isinstance(first, Ingested):
        return first
    if first.order.fingerprint != order.fingerprint():
        return OrderIdReused(order.channel, order.external_id)
    return Ingested(first.order, replayed=True)


def _confirms(order: NewOrder, answer: Answer | None) -> bool:
    """Whether order, sent again, confirms the pending order stored under its name."""
    return (
        isinstance(answer, Ingested)
        and order.confirmed
        and answer.order.status == OrderStatus.PENDING
    )
