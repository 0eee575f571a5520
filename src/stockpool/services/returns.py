"""Returns: units a buyer sent back, received into quality_control against their shipped order,
then inspected into available, damaged, or out of stock. Each is one transaction: the receipt
with the return's rows, an inspection's movement with its row.

Lock order, as every stock writer's: the balances moved first (the guarded update takes them,
in SKU order), then the order's row (opening) or the return's (inspecting), so that two returns
of one order, or two inspections of one return, are decided one after the other.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from stockpool.domain.balance import EMPTY
from stockpool.domain.errors import (
    Conflict,
    IdempotencyKeyReused,
    InsufficientStock,
    MovementRejected,
    NotFound,
    StockpoolError,
    UnknownLocation,
)
from stockpool.domain.movements import Movement
from stockpool.domain.returns import (
    RESTOCK_ON_RECEIPT,
    Disposition,
    Inspection,
    NewReturn,
    Return,
    ReturnStatus,
    check_returnable,
    inspections_on_receipt,
    plan_inspection,
    receipt,
)
from stockpool.services.backorders import fill_backorders
from stockpool.services.catalog import page_limit
from stockpool.services.lookups import channel_of, order_of
from stockpool.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from stockpool.services.stock import check_idempotency_key


@dataclass(frozen=True, slots=True)
class ReturnView:
    """A return as the QC queue shows it: how long it has waited, and whether too long."""

    found: Return
    age: timedelta
    overdue: bool


@dataclass(frozen=True, slots=True)
class Returned:
    """A return after it was opened or inspected; replayed: the same request (by its
    Idempotency-Key) was applied before, and nothing moved this time."""

    view: ReturnView
    replayed: bool


class ReturnService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, overdue_after: timedelta) -> None:
        self._uow = uow
        self._clock = clock
        self._overdue_after = overdue_after

    def open(self, new: NewReturn, *, actor: str, idempotency_key: str | None = None) -> Returned:
        """Receive a return into quality_control at its location, against its order: refused
        (and nothing written) for an unknown order, or more units than the order shipped."""
        key = check_idempotency_key(idempotency_key)
        with self._uow() as uow:
            at = self._clock()
            if key is not None:
                earlier = _replayed(uow, key, "return", _fingerprint(asdict(new)), at)
                if earlier is not None:
                    return Returned(self._view(_return_of(uow, earlier)), replayed=True)
            channel_of(uow, new.channel)
            if (taken := _reported(uow, new)) is not None:
                return Returned(self._view(_return_of(uow, taken)), replayed=True)
            order_id = uow.orders.id_of(new.channel, new.external_id)
            if order_id is None:
                raise NotFound(f"No order {new.external_id} from {new.channel}.")
            if uow.catalog.get_location(new.location) is None:
                raise UnknownLocation(new.location)
            if new.platform_return_id is None:  # a platform's: decided under the lock alone,
                # where the same return taken meanwhile is told apart (a replay, not too many)
                check_returnable(new, order_of(uow, order_id).lines, uow.returns.returned(order_id))
            uow.stock.lock((sku, new.location) for sku, _ in new.lines)
            uow.orders.lock(order_id)
            # Decided again now that no other return of the order can change what it took back
            # (a platform's return taken meanwhile, by its webhook and its poll at once: once).
            if (taken := _reported(uow, new)) is not None:
                return Returned(self._view(_return_of(uow, taken)), replayed=True)
            check_returnable(new, order_of(uow, order_id).lines, uow.returns.returned(order_id))
            return_id = uow.returns.add(new, order_id, at)
            _apply(uow, receipt(new, return_id), at, actor)
            _restock_on_receipt(uow, new, return_id, at)
            if key is not None:
                uow.idempotency.save_response(key, {"return_id": return_id})
            done = _return_of(uow, return_id)
            uow.follow_changes()
            uow.commit()
        return Returned(self._view(done), replayed=False)

    def inspect(
        self,
        return_id: int,
        inspection: Inspection,
        *,
        actor: str,
        idempotency_key: str | None = None,
    ) -> Returned:
        """Inspect units of a return: they leave quality_control for available (restock, which
        fills backorders first), damaged, or out of stock (dispose, return_to_vendor)."""
        key = check_idempotency_key(idempotency_key)
        try:
            with self._uow() as uow:
                at = self._clock()
                if key is not None:
                    body = {"return_id": return_id, **asdict(inspection)}
                    fingerprint = _fingerprint(body)
                    earlier = _replayed(uow, key, "return_inspection", fingerprint, at)
                    if earlier is not None:
                        return Returned(self._view(_return_of(uow, earlier)), replayed=True)
                movement = plan_inspection(_return_of(uow, return_id), inspection)
                _apply(uow, [movement], at, actor)
                uow.returns.lock(return_id)
                # Decided again now that no other inspection of it can change it.
                movement = plan_inspection(_return_of(uow, return_id), inspection)
                uow.returns.inspect(return_id, inspection, actor=actor, at=at)
                if inspection.disposition == Disposition.RESTOCK:
                    fill_backorders(uow, [(movement.sku, movement.location)], at, actor)
                if key is not None:
                    uow.idempotency.save_response(key, {"return_id": return_id})
                done = _return_of(uow, return_id)
                uow.follow_changes()
                uow.commit()
        except MovementRejected as rejected:
            raise self._explain(rejected.movement) from None
        return Returned(self._view(done), replayed=False)

    def get(self, return_id: int) -> ReturnView:
        with self._uow(write=False) as uow:
            return self._view(_return_of(uow, return_id))

    def listed(
        self, status: ReturnStatus | None = None, *, after: int | None = None, limit: int = 100
    ) -> list[ReturnView]:
        """Returns oldest first (a status's: the QC queue is awaiting_inspection), after an id."""
        with self._uow(write=False) as uow:
            found = uow.returns.page(status=status, after=after, limit=page_limit(limit))
        return [self._view(r) for r in found]

    def _view(self, found: Return) -> ReturnView:
        now = self._clock()
        return ReturnView(found, found.age(now), found.overdue(now, self._overdue_after))

    def _explain(self, movement: Movement | None) -> StockpoolError:
        """Why the store refused a movement out of quality_control: someone moved those units."""
        if movement is None:
            return Conflict("Stock changed while this request was applied; send it again.")
        with self._uow(write=False) as uow:
            balance = uow.stock.balance(movement.sku, movement.location) or EMPTY
        try:
            balance.apply(movement)
        except InsufficientStock as short:
            return short
        return Conflict("Stock changed while this request was applied; send it again.")


def _replayed(
    uow: UnitOfWork, key: str, operation: str, fingerprint: str, at: datetime
) -> int | None:
    """The return a replayed key answered with; None for a key seen the first time."""
    earlier = uow.idempotency.claim(key, operation, fingerprint, at)
    if earlier is None:
        return None
    if earlier.request_hash != fingerprint or earlier.response is None:
        raise IdempotencyKeyReused(key)
    return int(earlier.response["return_id"])


def _reported(uow: UnitOfWork, new: NewReturn) -> int | None:
    """The return opened before for the same return the platform reported, if any."""
    if new.platform_return_id is None:
        return None
    return uow.returns.reported(new.channel, new.platform_return_id)


def _apply(uow: UnitOfWork, movements: Sequence[Movement], at: datetime, actor: str) -> None:
    """Apply movements in (sku, location) order: the order balances are locked in."""
    ordered = sorted(movements, key=lambda m: (m.sku, m.location))
    uow.stock.apply(ordered, at=at, actor=actor)
    uow.changes.moved(ordered)


def _restock_on_receipt(uow: UnitOfWork, new: NewReturn, return_id: int, at: datetime) -> None:
    """Lines of SKUs restocked on receipt skip the QC queue: inspected as restock at once, in
    the receipt's transaction (the balances are locked already), recorded as an inspection so
    the QC history and the ledger show both steps; restocked units fill backorders first."""
    restocked = uow.catalog.restocked_on_receipt(sku for sku, _ in new.lines)
    inspections = inspections_on_receipt(new, restocked)
    if not inspections:
        return
    received = _return_of(uow, return_id)
    movements = [plan_inspection(received, inspection) for inspection in inspections]
    _apply(uow, movements, at, RESTOCK_ON_RECEIPT)
    for inspection in inspections:
        uow.returns.inspect(return_id, inspection, actor=RESTOCK_ON_RECEIPT, at=at)
    fill_backorders(uow, [(m.sku, m.location) for m in movements], at, RESTOCK_ON_RECEIPT)


def _return_of(uow: UnitOfWork, return_id: int) -> Return:
    found = uow.returns.get(return_id)
    if found is None:
        raise NotFound(f"No return {return_id}.")
    return found


def _fingerprint(body: object) -> str:
    text = json.dumps(body, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()
