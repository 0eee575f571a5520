"""Count sessions: open a count, add counted lines (each against the ledger as it is at that
moment), submit, approve, cancel. Posting runs the variances through the stock service's count
path, in the same transaction as the count's status, so a shortfall that touches committed or
reserved units makes order lines short and settles them as a one-shot count does.

Every change to a count locks its row first (see CountSessions), then any balances: a line and a
submission of the same count never interleave, and the lock order is always count, balances.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from stockpool.domain.balance import EMPTY
from stockpool.domain.count_sessions import (
    ApprovalThresholds,
    CountSession,
    CountStatus,
    LineCounted,
    NewCount,
    counted_line,
)
from stockpool.domain.errors import IdempotencyKeyReused, NotFound, UnknownLocation, UnknownSku
from stockpool.services.catalog import page_limit
from stockpool.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from stockpool.services.stock import StockChange, StockService, check_idempotency_key


@dataclass(frozen=True, slots=True)
class CountWrite:
    """A count as a write left it, and the stock change when the write posted it. A replayed
    Idempotency-Key answers with the count as it is now and writes nothing."""

    count: CountSession
    posted: StockChange | None = None
    replayed: bool = field(default=False, compare=False)


class CountService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        stock: StockService,
        thresholds: ApprovalThresholds,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._stock = stock
        self._thresholds = thresholds

    def open(
        self, count: NewCount, *, actor: str, idempotency_key: str | None = None
    ) -> CountWrite:
        """Open a count of count.skus at count.location, with the location's approval thresholds
        (units and value) as they are now."""
        key = check_idempotency_key(idempotency_key)
        with self._uow() as uow:
            at = self._clock()
            earlier = _claim(uow, key, "open_count", count, at)
            if earlier is not None:
                return CountWrite(_count_of(uow, earlier), replayed=True)
            if uow.catalog.get_location(count.location) is None:
                raise UnknownLocation(count.location)
            unknown = sorted(set(count.skus) - uow.catalog.known_skus(count.skus))
            if unknown:
                raise UnknownSku(unknown[0])
            count_id = uow.count_sessions.add(
                count,
                self._thresholds.at(count.location),
                actor,
                at,
                value_threshold=self._thresholds.value_at(count.location),
            )
            _answer(uow, key, count_id)
            opened = _count_of(uow, count_id)
            uow.commit()
        return CountWrite(opened)

    def add_lines(
        self,
        count_id: int,
        lines: Sequence[LineCounted],
        *,
        actor: str,
        idempotency_key: str | None = None,
    ) -> CountWrite:
        """Record counted totals; each keeps the ledger's on-hand of its SKU at this moment as
        its expected, and the SKU's unit cost, and replaces an earlier line of the same SKU."""
        key = check_idempotency_key(idempotency_key)
        with self._uow() as uow:
            at = self._clock()
            earlier = _claim(uow, key, "count_lines", {"count": count_id, "lines": lines}, at)
            if earlier is not None:
                return CountWrite(_count_of(uow, earlier), replayed=True)
            session = _count_of(uow, count_id, lock=True)
            session.check_lines(lines)
            costs = uow.catalog.unit_costs(line.sku for line in lines)
            counted = [
                counted_line(
                    line,
                    _on_hand(uow, line.sku, session.location),
                    actor,
                    at,
                    costs.get(line.sku),
                )
                for line in lines
            ]
            uow.count_sessions.put_lines(count_id, counted, at)
            _answer(uow, key, count_id)
            updated = _count_of(uow, count_id)
            uow.commit()
        return CountWrite(updated)

    def submit(self, count_id: int, *, actor: str) -> CountWrite:
        """Posted now, or waiting for another key's approval when a line's variance is above
        the units threshold or the count's variance value above the value threshold."""
        with self._uow() as uow:
            at = self._clock()
            session = _count_of(uow, count_id, lock=True)
            status = session.after_submit()
            uow.count_sessions.set_status(count_id, status, at, submitted_by=actor)
            posted = None
            if status == CountStatus.POSTED:
                posted = self._stock.apply_in(uow, [session.posting()], at, actor)
            return self._finish(uow, count_id, posted)

    def approve(self, count_id: int, *, actor: str) -> CountWrite:
        """Approve a count waiting for approval, as someone who neither opened nor submitted
        it; it is posted."""
        with self._uow() as uow:
            at = self._clock()
            session = _count_of(uow, count_id, lock=True)
            session.check_approval(actor)
            uow.count_sessions.set_status(count_id, CountStatus.POSTED, at, approved_by=actor)
            posted = self._stock.apply_in(uow, [session.posting()], at, actor)
            return self._finish(uow, count_id, posted)

    def cancel(self, count_id: int, *, actor: str) -> CountWrite:
        """Cancel an open count: nothing is posted."""
        with self._uow() as uow:
            at = self._clock()
            session = _count_of(uow, count_id, lock=True)
            session.check_open("cancelling")
            uow.count_sessions.set_status(count_id, CountStatus.CANCELLED, at, cancelled_by=actor)
            return self._finish(uow, count_id, None)

    def get(self, count_id: int) -> CountSession:
        with self._uow(write=False) as uow:
            return _count_of(uow, count_id)

    def list(
        self, *, status: CountStatus | None = None, after: int | None = None, limit: int = 100
    ) -> list[CountSession]:
        with self._uow(write=False) as uow:
            return uow.count_sessions.page(status=status, after=after, limit=page_limit(limit))

    @staticmethod
    def _finish(uow: UnitOfWork, count_id: int, posted: StockChange | None) -> CountWrite:
        done = CountWrite(_count_of(uow, count_id), posted)
        uow.follow_changes()
        uow.commit()
        return done


def _count_of(uow: UnitOfWork, count_id: int, *, lock: bool = False) -> CountSession:
    found = uow.count_sessions.get(count_id, lock=lock)
    if found is None:
        raise NotFound(f"No count {count_id}; GET /v1/counts lists them.")
    return found


def _on_hand(uow: UnitOfWork, sku: str, location: str) -> int:
    return (uow.stock.balance(sku, location) or EMPTY).on_hand


def _claim(
    uow: UnitOfWork, key: str | None, operation: str, request: Any, at: datetime
) -> int | None:
    """None for a first request (or none keyed); the count a replay of the same request made."""
    if key is None:
        return None
    body = asdict(request) if not isinstance(request, dict) else _plain(request)
    text = json.dumps({"operation": operation, "request": body}, sort_keys=True, default=str)
    fingerprint = hashlib.sha256(text.encode()).hexdigest()
    earlier = uow.idempotency.claim(key, operation, fingerprint, at)
    if earlier is None:
        return None
    if earlier.request_hash != fingerprint or earlier.response is None:
        raise IdempotencyKeyReused(key)
    return int(earlier.response["count_id"])


def _plain(request: dict[str, Any]) -> dict[str, Any]:
    return {
        name: [asdict(item) for item in value] if isinstance(value, list | tuple) else value
        for name, value in request.items()
    }


def _answer(uow: UnitOfWork, key: str | None, count_id: int) -> None:
    if key is not None:
        uow.idempotency.save_response(key, {"count_id": count_id})
