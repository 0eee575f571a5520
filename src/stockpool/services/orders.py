"""Orders: every order takes stock from the one pool first, atomically, and what it cannot take
becomes a conflict on record."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.exc import IntegrityError

from stockpool.domain.balance import apply_into
from stockpool.domain.catalog import Location
from stockpool.domain.channels import Channel
from stockpool.domain.conflicts import Action, Resolution, fallback_action, resolve
from stockpool.domain.errors import (
    Conflict,
    IdempotencyKeyReused,
    InvalidRequest,
    NotFound,
    OrderIdReused,
    UnknownChannel,
    UnknownSku,
)
from stockpool.domain.fulfilment import plan_cancel, plan_ship
from stockpool.domain.movements import Movement, Reason
from stockpool.domain.orders import NewOrder, OrderLine
from stockpool.domain.quantities import positive
from stockpool.domain.routing import Allocation, route
from stockpool.domain.states import State
from stockpool.services.catalog import page_limit
from stockpool.services.ports import Clock, UnitOfWorkFactory
from stockpool.services.stock import check_idempotency_key
from stockpool.store.repositories.orders import StoredConflict, StoredOrder
from stockpool.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Ingested:
    order: StoredOrder
    replayed: bool  # the same order was received before; nothing was moved this time


ConflictPolicy = Literal["auto", "propose"]
AUTO = "policy:auto"  # who decided, when the seller's policy resolves conflicts itself


class OrderService:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, conflict_policy: ConflictPolicy = "auto"
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._policy = conflict_policy

    # Channels

    def put_channel(self, channel: Channel) -> bool:
        """Create or replace a channel; True when it is new."""
        with self._uow() as uow:
            created = uow.channels.put(channel, self._clock())
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
        """Accept an order: commit what the pool holds for it, record the rest as conflicts.

        Idempotent on (channel, external_id): the same order again returns the first result and
        moves nothing; the same id with other lines is refused.
        """
        try:
            with self._uow() as uow:
                earlier = uow.orders.id_of(order.channel, order.external_id)
                if earlier is not None:
                    return _replay(uow, earlier, order)
                stored = self._accept(uow, order, actor)
                uow.commit()
                return Ingested(stored, replayed=False)
        except IntegrityError:
            # Another request stored the same order between our check and our insert.
            with self._uow(write=False) as uow:
                earlier = uow.orders.id_of(order.channel, order.external_id)
                if earlier is None:
                    raise
                return _replay(uow, earlier, order)

    def _accept(self, uow: UnitOfWork, order: NewOrder, actor: str) -> StoredOrder:
        channel = uow.channels.get(order.channel)
        if channel is None:
            raise UnknownChannel(order.channel)
        skus = {line.sku for line in order.lines}
        known = uow.catalog.known_skus(skus)
        unknown = sorted(skus - known)
        if unknown:
            raise UnknownSku(unknown[0])
        eligible = [loc for loc in uow.catalog.list_locations() if loc.serves(channel.code)]
        # Every balance the order could draw on, locked in key order: concurrent orders for the
        # same stock queue here, and each decides against numbers nobody else can change.
        current = uow.stock.lock_existing(skus, (loc.code for loc in eligible))
        available = {key: balance.available for key, balance in current.items()}
        decision = route(order.lines, channel, eligible, available, order.region)
        reference = f"order:{order.channel}:{order.external_id}"
        movements = commitments(decision.allocations, reference)
        balances = dict(current)
        apply_into(balances, movements)
        at = self._clock()
        order_id = uow.orders.add(order, decision, at)
        after = {(m.sku, m.location): balances[(m.sku, m.location)] for m in movements}
        # No ledger idempotency key: the order's own (channel, external_id) is unique, so these
        # movements can only ever be written once.
        uow.stock.record(movements, after, at=at, actor=actor)
        eligible_codes = [loc.code for loc in eligible]
        for line_no, short in enumerate(decision.short):
            if short:
                self._settle(
                    uow, order_id, line_no, eligible_codes, at, proposing=self._policy == "propose"
                )
        stored = uow.orders.get(order_id)
        assert stored is not None
        return stored

    def _settle(
        self,
        uow: UnitOfWork,
        order_id: int,
        line_no: int,
        locations: Sequence[str],
        at: datetime,
        *,
        proposing: bool,
        decided_by: str = AUTO,
        conflict_id: int | None = None,
    ) -> None:
        """Decide who bears a line's shortfall, and record it as a conflict: applied now, or
        (proposing) stored for a person to decide."""
        line, sku, short = uow.orders.line(order_id, line_no)
        holdings = uow.orders.holdings(
            sku, locations, excluding_order=order_id, cost_at_most=line.cost
        )
        resolution = resolve(line, short, holdings, at)
        record = resolution_record(resolution)
        if proposing:
            uow.orders.add_conflict(
                line, sku, short, status="proposed", resolution=record, decided_by=None, at=at
            )
            return
        for take in resolution.takes:
            uow.orders.reassign(take, order_id, line_no)
            uow.orders.add_conflict(
                take.line,
                sku,
                take.units,
                status="resolved",
                decided_by=decided_by,
                at=at,
                resolution={
                    "action": fallback_action(take.line, at).value,
                    "reason": f"{take.units} committed at {take.location} went to {line.channel} "
                    f"order {line.external_id}, which costs more to cancel "
                    f"({line.cost} > {take.line.cost})",
                    "given_to": {"order_id": order_id, "line_no": line_no},
                },
            )
        if conflict_id is None:
            uow.orders.add_conflict(
                line, sku, short, status="resolved", resolution=record, decided_by=decided_by, at=at
            )
        else:
            uow.orders.decide(conflict_id, record, decided_by, at)

    def decide(
        self, conflict_id: int, *, accept: bool, action: Action | None, actor: str
    ) -> StoredConflict:
        """A person's decision on a proposed conflict: accept the proposal (worked out again
        against the stock as it is now) or settle for backorder or cancel without taking units."""
        with self._uow() as uow:
            conflict = uow.orders.conflict(conflict_id)
            if conflict is None:
                raise NotFound(f"No conflict {conflict_id}.")
            if conflict.status != "proposed":
                raise Conflict(
                    f"Conflict {conflict_id} was already decided by {conflict.decided_by}."
                )
            at = self._clock()
            if accept:
                channel = uow.channels.get(conflict.channel)
                assert channel is not None
                eligible = [
                    loc.code for loc in uow.catalog.list_locations() if loc.serves(channel.code)
                ]
                uow.stock.lock_existing([conflict.sku], eligible)  # the same queue ingest uses
                self._settle(
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
            decided = uow.orders.conflict(conflict_id)
            uow.commit()
        assert decided is not None
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
            uow.stock.lock_existing(
                {line.sku for line in order.lines},
                [loc.code for loc in uow.catalog.list_locations()],
            )
            uow.orders.lock(order_id)
            order = self._order(uow, order_id)  # as it is now that nobody else can change it
            plan = plan_cancel if outcome == "cancelled" else plan_ship
            plans = plan(order.lines, order.allocations, wanted)
            reason = Reason.ORDER_CANCELLED if outcome == "cancelled" else Reason.SHIPPED
            target = State.AVAILABLE if outcome == "cancelled" else None
            reference = f"order:{order.channel}:{order.external_id}"
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
        return Ingested(done, replayed=False)

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
            reference = f"order:{order.channel}:{order.external_id}"
            gone = Movement(
                sku, location, missing, State.COMMITTED, None, Reason.SHORT_PICK, reference
            )
            uow.stock.apply([gone], at=at, actor=actor)
            left = missing
            for allocation in held:
                units = min(left, allocation.units)
                if units:
                    uow.orders.uncommit(order_id, allocation.line, location, units)
                    left -= units
            channel = uow.channels.get(order.channel)
            assert channel is not None
            eligible = [loc for loc in locations if loc.serves(channel.code)]
            for line_no in sorted({a.line for a in held}):
                self._reroute(uow, order_id, line_no, channel, eligible, actor, at, reference)
            done = self._order(uow, order_id)
            uow.commit()
        return done

    def _reroute(
        self,
        uow: UnitOfWork,
        order_id: int,
        line_no: int,
        channel: Channel,
        eligible: Sequence[Location],
        actor: str,
        at: datetime,
        reference: str,
    ) -> None:
        """Commit a line's short units wherever the pool still has them; settle the rest."""
        _, sku, short = uow.orders.line(order_id, line_no)
        if not short:
            return
        current = uow.stock.lock_existing([sku], [loc.code for loc in eligible])
        available = {key: balance.available for key, balance in current.items()}
        decision = route([OrderLine(sku, short)], channel, eligible, available)
        movements = commitments(decision.allocations, reference)
        uow.stock.apply(movements, at=at, actor=actor)
        for allocation in decision.allocations:
            uow.orders.commit_more(order_id, line_no, allocation.location, allocation.units)
        if decision.short[0]:
            self._settle(
                uow,
                order_id,
                line_no,
                [loc.code for loc in eligible],
                at,
                proposing=self._policy == "propose",
            )

    @staticmethod
    def _order(uow: UnitOfWork, order_id: int) -> StoredOrder:
        order = uow.orders.get(order_id)
        if order is None:
            raise NotFound(f"No order {order_id}.")
        return order

    def get(self, order_id: int) -> StoredOrder:
        with self._uow(write=False) as uow:
            order = uow.orders.get(order_id)
        if order is None:
            raise NotFound(f"No order {order_id}.")
        return order

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


def commitments(allocations: Sequence[Allocation], reference: str) -> list[Movement]:
    """The ledger movements that commit allocated units: available to committed, in place."""
    return [
        Movement(
            a.sku,
            a.location,
            a.units,
            State.AVAILABLE,
            State.COMMITTED,
            Reason.ORDER_COMMITTED,
            reference,
        )
        for a in allocations
    ]


def resolution_record(resolution: Resolution) -> dict[str, Any]:
    """A resolution as stored and shown: the action, units taken from whom, and why."""
    return {
        "action": resolution.action.value,
        "still_short": resolution.still_short,
        "take": [
            {
                "order_id": t.line.order_id,
                "line_no": t.line.line_no,
                "channel": t.line.channel,
                "external_id": t.line.external_id,
                "location": t.location,
                "units": t.units,
            }
            for t in resolution.takes
        ],
        "reason": resolution.reason,
    }


def _replay(uow: UnitOfWork, order_id: int, order: NewOrder) -> Ingested:
    stored = uow.orders.get(order_id)
    assert stored is not None
    if stored.fingerprint != order.fingerprint():
        raise OrderIdReused(order.channel, order.external_id)
    return Ingested(stored, replayed=True)
