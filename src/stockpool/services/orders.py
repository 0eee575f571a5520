"""Orders: every order takes stock from the one pool first, atomically, and what it cannot take
becomes a conflict on record."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from stockpool.domain.balance import Balance, BalanceKey, apply_into
from stockpool.domain.bundles import Component, Origin, expand
from stockpool.domain.catalog import Location
from stockpool.domain.channels import Channel
from stockpool.domain.conflicts import Action, Take
from stockpool.domain.errors import (
    Conflict,
    IdempotencyKeyReused,
    InvalidRequest,
    NotFound,
    OrderIdReused,
    StockpoolError,
    UnknownChannel,
    UnknownSku,
    UnmappedChannelSku,
)
from stockpool.domain.fulfilment import plan_cancel, plan_ship
from stockpool.domain.movements import Movement, Reason
from stockpool.domain.orders import NewOrder, OrderLine, OrderStatus, order_reference, placed_ahead
from stockpool.domain.quantities import positive
from stockpool.domain.reservations import (
    Hold,
    ReservationStatus,
    check_ttl,
    confirming,
    effective_status,
    reserving,
)
from stockpool.domain.routing import Allocation, RoutingDecision, route
from stockpool.domain.states import State
from stockpool.domain.times import happened
from stockpool.services.backorders import fill_freed
from stockpool.services.catalog import page_limit
from stockpool.services.holds import end_hold, lock_balances, record_decided
from stockpool.services.missing_stock import lose_committed
from stockpool.services.ports import Clock, UnitOfWorkFactory
from stockpool.services.reservations import parse_lines
from stockpool.services.shortfalls import ConflictPolicy, commitments, reroute, settle
from stockpool.services.stock import check_idempotency_key
from stockpool.store.repositories.orders import StoredConflict, StoredOrder
from stockpool.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Ingested:
    order: StoredOrder
    replayed: bool  # the same order was received before; nothing was moved this time


class OrderService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        conflict_policy: ConflictPolicy,
        pending_hold: timedelta,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._policy = conflict_policy
        self._proposing = conflict_policy == "propose"
        self._pending_hold = check_ttl(pending_hold)

    # Channels

    def put_channel(self, channel: Channel) -> bool:
        """Create or replace a channel; True when it is new."""
        with self._uow() as uow:
            created = uow.channels.put(channel, self._clock())
            uow.changes.everything = uow.changes.config = True  # every SKU's numbers for it
            uow.commit()
        return created

    def get_channel(self, code: str) -> Channel:
        with self._uow(write=False) as uow:
            channel = uow.channels.get(code)
        if channel is None:
            raise UnknownChannel(code)
        return channel

    def list_channels(self) -> list[Channel]:
        with self._uow(write=False) as uow:
            return uow.channels.list()

    # Orders

    def ingest(self, order: NewOrder, *, actor: str) -> Ingested:
        """Accept an order: commit what the pool holds for it (reserve it, when the channel has
        not confirmed the order yet), and record the rest as conflicts.

        Idempotent on (channel, external_id): the same order again returns the first result and
        moves nothing - except that a pending order sent again as confirmed is confirmed. The
        same id with other lines is refused.
        """
        result = self.ingest_many([order], actor=actor)[0]
        if isinstance(result, StockpoolError):
            raise result
        return result

    def ingest_many(
        self, orders: Sequence[NewOrder], *, actor: str
    ) -> list[Ingested | StockpoolError]:
        """Accept many orders in one transaction (group commit): each gets its own result, an
        error for one is that order's alone, and every result stands only once all are
        committed. Orders are decided in the order given."""
        if not orders:
            return []
        results: list[Ingested | StockpoolError | None] = []
        for attempt in range(2):
            try:
                with self._uow() as uow:
                    results = self._accept_many(uow, orders, actor)
                    uow.commit()
                break
            except IntegrityError:
                # Another request stored one of these orders between our check and our insert;
                # the second attempt finds it and replays it.
                if attempt:
                    raise
        # Pending orders sent again as confirmed are confirmed one at a time, each in its own
        # transaction, after the batch: they lock in their own order.
        done: list[Ingested | StockpoolError] = []
        for order, result in zip(orders, results, strict=True):
            if result is None:
                try:
                    result = self._confirm_replay(order, actor)
                except StockpoolError as error:
                    result = error
            done.append(result)
        return done

    def _accept_many(
        self, uow: UnitOfWork, orders: Sequence[NewOrder], actor: str
    ) -> list[Ingested | StockpoolError | None]:
        results: list[Ingested | StockpoolError | None] = [None] * len(orders)
        orders, refused = self._map_listed(uow, orders)
        refused.update(placed_ahead(orders, self._clock()))
        channels = {c.code: c for c in uow.channels.list()}
        wanted = {line.sku for order in orders for line in order.lines}
        known = uow.catalog.known_skus(wanted)
        bundles = uow.catalog.components(known)
        locations = uow.catalog.list_locations()
        earlier = uow.orders.ids_of({(o.channel, o.external_id) for o in orders})
        fresh: list[tuple[int, NewOrder, Channel, list[OrderLine], list[Origin]]] = []
        first_in_batch: dict[tuple[str, str], int] = {}
        for i, order in enumerate(orders):
            name = (order.channel, order.external_id)
            channel = channels.get(order.channel)
            unknown = sorted({line.sku for line in order.lines} - known)
            if i in refused:
                results[i] = refused[i]
            elif name in earlier:
                results[i] = _replay(uow, earlier[name], order)
            elif name in first_in_batch:
                continue  # the same order twice in one batch: answered as a replay below
            elif channel is None:
                results[i] = UnknownChannel(order.channel)
            elif unknown:
                results[i] = UnknownSku(unknown[0])
            else:
                lines, origin = expand(order.lines, bundles)
                fresh.append((i, order, channel, lines, origin))
                first_in_batch[name] = i
            if _confirms(order, results[i]):
                results[i] = None  # confirmed after the batch
        at = self._clock()
        if fresh:
            self._accept_fresh(uow, fresh, locations, results, actor, at)
        for i, order in enumerate(orders):
            first = first_in_batch.get((order.channel, order.external_id))
            if first is not None and first != i:
                stored = results[first]
                if isinstance(stored, Ingested):
                    results[i] = _replay_of(stored.order, order)
                else:
                    results[i] = stored
        return results

    def _map_listed(
        self, uow: UnitOfWork, orders: Sequence[NewOrder]
    ) -> tuple[list[NewOrder], dict[int, StockpoolError]]:
        """Orders whose lines name channel SKUs, with those mapped to our SKUs by their listings.
        An order naming a channel SKU no listing maps is refused, and the SKU reported."""
        wanted: dict[str, set[str]] = {}
        for order in orders:
            wanted.setdefault(order.channel, set()).update(order.listed())
        if not any(wanted.values()):
            return list(orders), {}
        mapping = {
            channel: uow.listings.map_channel_skus(channel, codes)
            for channel, codes in wanted.items()
            if codes and uow.channels.get(channel) is not None
        }
        mapped: list[NewOrder] = []
        refused: dict[int, StockpoolError] = {}
        sightings: dict[str, list[tuple[str, str]]] = {}
        for i, order in enumerate(orders):
            codes = order.listed()
            if not codes or order.channel not in mapping:
                mapped.append(order)  # nothing to map, or an unknown channel (refused later)
                continue
            skus = mapping[order.channel]
            missing = sorted({code for code in codes if code not in skus})
            if missing:
                refused[i] = UnmappedChannelSku(order.channel, missing)
                sightings.setdefault(order.channel, []).extend(
                    (code, order.external_id) for code in missing
                )
                mapped.append(order)
            else:
                mapped.append(order.mapped(skus))
        at = self._clock()
        for channel, seen in sightings.items():
            uow.listings.unmapped_seen(channel, seen, at)
        return mapped, refused

    def _accept_fresh(
        self,
        uow: UnitOfWork,
        fresh: Sequence[tuple[int, NewOrder, Channel, list[OrderLine], list[Origin]]],
        locations: Sequence[Location],
        results: list[Ingested | StockpoolError | None],
        actor: str,
        at: datetime,
    ) -> None:
        """Route, commit (or reserve) and store new orders, deciding each against the balances
        the ones before it left. Every balance any of them could draw on is locked once, up
        front, in key order: concurrent batches queue there, and each decides against numbers
        nobody else can change."""
        served = {
            channel.code: [loc for loc in locations if loc.serves(channel.code)]
            for _, _, channel, _, _ in fresh
        }
        skus = {line.sku for _, _, _, lines, _ in fresh for line in lines}
        codes = {loc.code for eligible in served.values() for loc in eligible}
        current = lock_balances(uow, skus, codes, at, actor)
        available = {key: balance.available for key, balance in current.items()}
        waiting: list[tuple[int, NewOrder, list[OrderLine], RoutingDecision, list[Origin]]] = []
        movements: list[Movement] = []
        built: dict[int, int] = {}  # result index: order id
        stored: dict[int, StoredOrder] = {}  # order id: the order as stored
        changed: set[int] = set()  # order ids changed since they were stored (conflicts)

        def flush() -> list[int]:
            added = uow.orders.add_many([(o, ls, d, og) for _, o, ls, d, og in waiting], at)
            ids = [order.id for order in added]
            stored.update((order.id, order) for order in added)
            touched = {(m.sku, m.location) for m in movements}
            # No ledger idempotency key: an order's (channel, external_id) is unique, so these
            # movements can only ever be written once.
            uow.stock.record(
                movements, {k: current[k] for k in touched}, at=at, actor=actor, entries=False
            )
            for order_id, (i, order, _, decision, _) in zip(ids, waiting, strict=True):
                built[i] = order_id
                if not order.confirmed:
                    self._hold_for(uow, order_id, order, decision, at)
            waiting.clear()
            movements.clear()
            return ids

        for i, order, channel, lines, origin in fresh:
            eligible = served[channel.code]
            decision = route(lines, channel, eligible, available, order.region)
            reference = order_reference(order.channel, order.external_id)
            taken = (
                commitments(decision.allocations, reference)
                if order.confirmed
                else reserving(_holds(decision), reference)
            )
            apply_into(current, taken)
            for allocation in decision.allocations:
                available[(allocation.sku, allocation.location)] -= allocation.units
            movements.extend(taken)
            waiting.append((i, order, lines, decision, origin))
            if order.confirmed and any(decision.short):
                # Settling reads what other orders hold, so everything decided so far is stored
                # first. Taking units from another line moves no stock: balances stay as decided.
                order_id = flush()[-1]
                codes_here = [loc.code for loc in eligible]
                for line_no, short in enumerate(decision.short):
                    if short:
                        changed |= settle(
                            uow, order_id, line_no, codes_here, at, proposing=self._proposing
                        )
        if waiting:
            flush()
        for i, order_id in built.items():
            if order_id in changed:
                results[i] = Ingested(self._order(uow, order_id), replayed=False)
            else:
                results[i] = Ingested(stored[order_id], replayed=False)

    def _hold_for(
        self,
        uow: UnitOfWork,
        order_id: int,
        order: NewOrder,
        decision: RoutingDecision,
        at: datetime,
    ) -> None:
        """The reservation holding a pending order's units until it is confirmed."""
        uow.reservations.add(
            channel=order.channel,
            reference=None,
            order_id=order_id,
            fingerprint=order.fingerprint(),
            lines={},  # the order's own lines say what it is made of
            holds=_holds(decision),
            expires_at=at + self._pending_hold,
            at=at,
        )

    # Confirming held stock

    def confirm(self, order_id: int, *, actor: str) -> StoredOrder:
        """The channel confirmed a pending order: its reserved units become committed where they
        are held, and units it no longer holds (its hold expired) are routed again, as for a new
        order, conflicts included. Confirming a confirmed order changes nothing."""
        with self._uow() as uow:
            done = self._confirm(uow, order_id, actor)
            uow.commit()
        return done

    def _confirm_replay(self, order: NewOrder, actor: str) -> Ingested:
        with self._uow() as uow:
            order_id = uow.orders.id_of(order.channel, order.external_id)
            if order_id is None:
                raise NotFound(f"No order {order.external_id} on channel {order.channel}.")
            done = self._confirm(uow, order_id, actor)
            uow.commit()
        return Ingested(done, replayed=False)

    def _confirm(self, uow: UnitOfWork, order_id: int, actor: str) -> StoredOrder:
        order = self._order(uow, order_id)
        channel = self._channel(uow, order.channel)
        eligible = [loc for loc in uow.catalog.list_locations() if loc.serves(channel.code)]
        at = self._clock()
        # Balances first (this may expire the order's own hold), then the order row.
        current = lock_balances(
            uow, {line.sku for line in order.lines}, (loc.code for loc in eligible), at, actor
        )
        uow.orders.lock(order_id)
        order = self._order(uow, order_id)
        if order.status != OrderStatus.PENDING:
            return order
        reference = order_reference(order.channel, order.external_id)
        reservation = uow.reservations.of_order(order_id)
        held = None
        if reservation is not None:
            held = end_hold(uow, reservation.id, ReservationStatus.CONFIRMED, current, at, actor)
        holds = held or []
        movements = confirming(holds, reference)
        record_decided(uow, current, movements, at, actor)
        uow.orders.confirm(order_id, holds)
        for line_no, line in enumerate(self._order(uow, order_id).lines):
            if line.short:
                reroute(uow, order_id, line_no, channel, eligible, at, actor, self._policy)
        return self._order(uow, order_id)

    def confirm_reservation(
        self,
        reservation_id: int,
        *,
        external_id: str | None,
        placed_at: datetime | None,
        ship_by: datetime | None,
        region: str | None,
        actor: str,
    ) -> Ingested:
        """A checkout's reservation became an order: its held units become the order's committed
        units, where they are held. The order is named (channel, external_id) like any other, by
        default the reservation's reference, so the same order arriving from the channel later
        is a replay. Confirming again with the same external id returns the order."""
        with self._uow() as uow:
            reservation = uow.reservations.get(reservation_id)
            if reservation is None:
                raise NotFound(f"No reservation {reservation_id}.")
            if reservation.reference is None:
                raise Conflict(
                    f"Reservation {reservation_id} holds pending order {reservation.order_id}; "
                    f"confirm the order (POST /v1/orders/{reservation.order_id}/confirm)."
                )
            at = self._clock()
            name = external_id if external_id is not None else reservation.reference
            requested, lines, origin = parse_lines(reservation.lines)
            order = NewOrder(
                reservation.channel,
                name,
                tuple(requested),
                happened(placed_at, "placed_at", at) if placed_at else at,
                ship_by,
                region,
            )
            earlier = uow.orders.id_of(order.channel, order.external_id)
            if earlier is not None and (
                reservation.status == ReservationStatus.CONFIRMED
                and earlier == reservation.order_id
            ):
                return Ingested(self._order(uow, earlier), replayed=True)
            if earlier is not None:
                raise OrderIdReused(order.channel, order.external_id)
            status = effective_status(reservation.status, reservation.expires_at, at)
            if status != ReservationStatus.ACTIVE:
                raise Conflict(
                    f"Reservation {reservation_id} is {status.value}: its stock is no longer "
                    "held. Send the order itself (POST /v1/orders) to take stock again."
                )
            channel = self._channel(uow, reservation.channel)
            eligible = [loc for loc in uow.catalog.list_locations() if loc.serves(channel.code)]
            # Every balance a short line could be routed to, locked up front with the held ones.
            current = lock_balances(
                uow,
                {line.sku for line in lines},
                {h.location for h in reservation.holds} | {loc.code for loc in eligible},
                at,
                actor,
            )
            holds = end_hold(uow, reservation_id, ReservationStatus.CONFIRMED, current, at, actor)
            if holds is None:
                raise Conflict(f"Reservation {reservation_id} changed meanwhile; read it again.")
            decision = held_decision(
                holds, lines, f"held by reservation {reservation_id} ({reservation.reference})"
            )
            order_id = uow.orders.add(order, lines, decision, at, origin)
            movements = confirming(holds, order_reference(order.channel, name))
            record_decided(uow, current, movements, at, actor)
            uow.reservations.attach(reservation_id, order_id)
            # A count that found held units missing shrank the hold: those lines are routed
            # again, as for a new order.
            for line_no, short in enumerate(decision.short):
                if short:
                    reroute(uow, order_id, line_no, channel, eligible, at, actor, self._policy)
            done = self._order(uow, order_id)
            uow.commit()
        return Ingested(done, replayed=False)

    def decide(
        self, conflict_id: int, *, accept: bool, action: Action | None, actor: str
    ) -> StoredConflict:
        """A person's decision on a proposed conflict: accept the proposal (worked out again
        against the stock as it is now) or settle for backorder or cancel without taking units."""
        with self._uow() as uow:
            conflict = self._conflict(uow, conflict_id)
            if conflict.status != "proposed":
                raise Conflict(
                    f"Conflict {conflict_id} was already decided by {conflict.decided_by}."
                )
            at = self._clock()
            if accept:
                channel = self._channel(uow, conflict.channel)
                eligible = [
                    loc.code for loc in uow.catalog.list_locations() if loc.serves(channel.code)
                ]
                uow.stock.lock_existing([conflict.sku], eligible)  # the same queue ingest uses
                settle(
                    uow,
                    conflict.order_id,
                    conflict.line_no,
                    eligible,
                    at,
                    proposing=False,
                    decided_by=actor,
                    conflict_id=conflict_id,
                )
            else:
                if action is None or action == Action.REALLOCATED:
                    raise InvalidRequest(
                        "Without accepting the proposal, choose action backorder or cancel."
                    )
                uow.orders.decide(
                    conflict_id,
                    {
                        "action": action.value,
                        "reason": f"decided by {actor} instead of the proposal",
                    },
                    actor,
                    at,
                )
            decided = self._conflict(uow, conflict_id)
            uow.commit()
        return decided

    def cancel(
        self,
        order_id: int,
        wanted: Mapping[str, int] | None,
        *,
        actor: str,
        idempotency_key: str | None = None,
    ) -> Ingested:
        """Cancel units of an order (per SKU, or all that is open): committed units go back to
        available at their locations; short units simply stop being owed."""
        return self._fulfil(order_id, wanted, "cancelled", actor, idempotency_key)

    def ship(
        self,
        order_id: int,
        wanted: Mapping[str, int] | None,
        *,
        actor: str,
        idempotency_key: str | None = None,
    ) -> Ingested:
        """Ship committed units of an order (per SKU, or all): they leave on hand."""
        return self._fulfil(order_id, wanted, "shipped", actor, idempotency_key)

    def _fulfil(
        self,
        order_id: int,
        wanted: Mapping[str, int] | None,
        outcome: str,
        actor: str,
        idempotency_key: str | None,
    ) -> Ingested:
        key = check_idempotency_key(idempotency_key)
        operation = f"order_{outcome}"
        with self._uow() as uow:
            at = self._clock()
            if key is not None:
                fingerprint = hashlib.sha256(
                    json.dumps([order_id, sorted((wanted or {}).items())]).encode()
                ).hexdigest()
                earlier = uow.idempotency.claim(key, operation, fingerprint, at)
                if earlier is not None:
                    if earlier.request_hash != fingerprint:
                        raise IdempotencyKeyReused(key)
                    return Ingested(self._order(uow, order_id), replayed=True)
            order = self._order(uow, order_id)
            # Balances first, then the order row: the order every stock writer locks in.
            current = lock_balances(
                uow,
                {line.sku for line in order.lines},
                [loc.code for loc in uow.catalog.list_locations()],
                at,
                actor,
            )
            uow.orders.lock(order_id)
            order = self._order(uow, order_id)  # as it is now that nobody else can change it
            freed: set[BalanceKey] = set()
            if order.status == OrderStatus.PENDING:
                freed |= self._end_pending(uow, order, wanted, outcome, current, at, actor)
                order = self._order(uow, order_id)
            if wanted is not None:
                wanted = _by_component(wanted, uow.catalog.components(wanted))
            plan = plan_cancel if outcome == "cancelled" else plan_ship
            plans = plan(order.lines, order.allocations, wanted)
            reason = Reason.ORDER_CANCELLED if outcome == "cancelled" else Reason.SHIPPED
            target = State.AVAILABLE if outcome == "cancelled" else None
            reference = order_reference(order.channel, order.external_id)
            movements = [
                Movement(p.sku, r.location, r.units, State.COMMITTED, target, reason, reference)
                for p in plans
                for r in p.releases
            ]
            uow.stock.apply(movements, at=at, actor=actor)
            uow.orders.apply_plan(order_id, plans, outcome)
            if key is not None:
                uow.idempotency.save_response(key, {"order_id": order_id})
            done = self._order(uow, order_id)
            uow.commit()
        freed |= {(m.sku, m.location) for m in movements if m.to_state == State.AVAILABLE}
        fill_freed(self._uow, freed, self._clock, actor)
        return Ingested(done, replayed=False)

    def _end_pending(
        self,
        uow: UnitOfWork,
        order: StoredOrder,
        wanted: Mapping[str, int] | None,
        outcome: str,
        current: dict[BalanceKey, Balance],
        at: datetime,
        actor: str,
    ) -> set[BalanceKey]:
        """Before a pending order is cancelled: give back what it holds (its units become short,
        and the cancellation then cancels them); the balances given back to. A pending order is
        neither shipped nor cut."""
        if outcome != "cancelled":
            raise Conflict(
                f"Order {order.id} is pending: confirm it before shipping "
                f"(POST /v1/orders/{order.id}/confirm)."
            )
        if wanted is not None:
            raise Conflict(
                f"Order {order.id} is pending: cancel it whole (send no lines), or confirm it "
                "first to cancel some of its units."
            )
        reservation = uow.reservations.of_order(order.id)
        if reservation is None:
            return set()
        held = end_hold(uow, reservation.id, ReservationStatus.RELEASED, current, at, actor)
        return {(h.sku, h.location) for h in held or ()}

    def short_pick(
        self, order_id: int, sku: str, location: str, missing: int, *, actor: str
    ) -> StoredOrder:
        """The picker found fewer units than were committed here: the missing ones leave on hand
        (reason short_pick), and the line takes them from another location if one has them,
        else the shortfall is settled as any conflict is."""
        positive(missing, "missing")
        with self._uow() as uow:
            order = self._order(uow, order_id)
            locations = uow.catalog.list_locations()
            uow.stock.lock_existing(
                {line.sku for line in order.lines}, [loc.code for loc in locations]
            )
            uow.orders.lock(order_id)
            order = self._order(uow, order_id)
            held = [a for a in order.allocations if a.sku == sku and a.location == location]
            if sum(a.units for a in held) < missing:
                raise Conflict(
                    f"Order {order_id}: {sum(a.units for a in held)} of {sku} committed at "
                    f"{location}, {missing} reported missing."
                )
            at = self._clock()
            reference = order_reference(order.channel, order.external_id)
            gone = Movement(
                sku, location, missing, State.COMMITTED, None, Reason.SHORT_PICK, reference
            )
            uow.stock.apply([gone], at=at, actor=actor)
            left, takes = missing, []
            for allocation in held:
                units = min(left, allocation.units)
                if units:
                    line = uow.orders.line(order_id, allocation.line)[0]
                    takes.append(Take(line, location, units))
                    left -= units
            lose_committed(uow, takes, at, actor, self._policy)
            done = self._order(uow, order_id)
            uow.commit()
        return done

    @staticmethod
    def _channel(uow: UnitOfWork, code: str) -> Channel:
        channel = uow.channels.get(code)
        if channel is None:
            raise UnknownChannel(code)
        return channel

    @staticmethod
    def _conflict(uow: UnitOfWork, conflict_id: int) -> StoredConflict:
        conflict = uow.orders.conflict(conflict_id)
        if conflict is None:
            raise NotFound(f"No conflict {conflict_id}.")
        return conflict

    @staticmethod
    def _order(uow: UnitOfWork, order_id: int) -> StoredOrder:
        order = uow.orders.get(order_id)
        if order is None:
            raise NotFound(f"No order {order_id}.")
        return order

    def get(self, order_id: int) -> StoredOrder:
        with self._uow(write=False) as uow:
            return self._order(uow, order_id)

    def list(
        self,
        *,
        channel: str | None = None,
        status: str | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> list[StoredOrder]:
        with self._uow(write=False) as uow:
            ids = uow.orders.ids(
                channel=channel, status=status, after=after, limit=page_limit(limit)
            )
            return [order for i in ids if (order := uow.orders.get(i)) is not None]

    def conflicts(
        self, *, status: str | None = None, after: int | None = None, limit: int = 100
    ) -> Sequence[StoredConflict]:
        with self._uow(write=False) as uow:
            return uow.orders.conflicts(status=status, after=after, limit=page_limit(limit))


def held_decision(
    holds: Sequence[Hold], lines: Sequence[OrderLine], reason: str
) -> RoutingDecision:
    """Where a reservation's held units are, as the routing of the order it becomes; a line
    holding fewer units than it asks for is short by the difference."""
    held = [0] * len(lines)
    for hold in holds:
        held[hold.line_no] += hold.units
    allocations = tuple(Allocation(h.line_no, h.sku, h.location, h.units) for h in holds)
    short = tuple(line.quantity - units for line, units in zip(lines, held, strict=True))
    return RoutingDecision(allocations, short, (), reason)


def _by_component(
    wanted: Mapping[str, int], bundles: Mapping[str, Sequence[Component]]
) -> dict[str, int]:
    """Units asked for per SKU, with bundles counted as their components."""
    lines, _ = expand([OrderLine(sku, units) for sku, units in wanted.items()], bundles)
    by_sku: dict[str, int] = {}
    for line in lines:
        by_sku[line.sku] = by_sku.get(line.sku, 0) + line.quantity
    return by_sku


def _holds(decision: RoutingDecision) -> list[Hold]:
    return [Hold(a.line, a.sku, a.location, a.units) for a in decision.allocations]


def _replay(uow: UnitOfWork, order_id: int, order: NewOrder) -> Ingested | StockpoolError:
    return _replay_of(OrderService._order(uow, order_id), order)


def _replay_of(stored: StoredOrder, order: NewOrder) -> Ingested | StockpoolError:
    if stored.fingerprint != order.fingerprint():
        return OrderIdReused(order.channel, order.external_id)
    return Ingested(stored, replayed=True)


def _confirms(order: NewOrder, result: Ingested | StockpoolError | None) -> bool:
    """Whether order, sent again, confirms the pending order stored under its name."""
    return (
        isinstance(result, Ingested)
        and order.confirmed
        and result.order.status == OrderStatus.PENDING
    )
