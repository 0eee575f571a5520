"""Reservations: hold stock for a checkout, release it, and sweep holds that expired.

A reservation holds every unit it asks for or none (409): a checkout needs to know. Confirming
one turns it into an order (OrderService.confirm_reservation).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from stockpool.domain.bundles import Origin
from stockpool.domain.errors import (
    Conflict,
    InvariantBroken,
    MovementRejected,
    NotFound,
    StockpoolError,
    WrittenMeanwhile,
)
from stockpool.domain.orders import OrderLine
from stockpool.domain.reservations import (
    NewReservation,
    Reservation,
    ReservationStatus,
    check_ttl,
    effective_status,
)
from stockpool.services.backorders import fill_freed
from stockpool.services.catalog import page_limit
from stockpool.services.holds import end_hold, end_holds, lock_balances
from stockpool.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from stockpool.services.reservation_batch import Answer, Reserved, hold_many

log = logging.getLogger("stockpool.reservations")

SWEEP_BATCH = 500  # reservations expired per transaction by a sweep


class ReservationService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, default_ttl: timedelta) -> None:
        """default_ttl: Settings.reservation_ttl_seconds (its one default lives there)."""
        self._uow = uow
        self._clock = clock
        self.default_ttl = check_ttl(default_ttl)

    def reserve(self, new: NewReservation, *, actor: str) -> Reserved:
        """Hold every unit new asks for, at locations serving its channel, or refuse (409).
        Idempotent on (channel, reference): the same lines again return the first reservation."""
        answer = self.reserve_many([new], actor=actor)[0]
        if isinstance(answer, StockpoolError):
            raise answer
        return answer

    def reserve_many(self, news: Sequence[NewReservation], *, actor: str) -> list[Answer]:
        """Many reservations in one transaction (group commit), decided in the order given:
        each gets its own answer, an error for one is that one's alone, and every answer
        stands only once all are committed."""
        if not news:
            return []
        for attempt in range(2):
            try:
                with self._uow() as uow:
                    answers = hold_many(uow, news, self._clock(), actor)
                    uow.follow_changes()
                    uow.commit()
                return answers
            except WrittenMeanwhile:
                # Another request stored one of these names after they were looked up: the
                # second attempt finds it and replays it.
                if attempt:
                    raise
        raise InvariantBroken("reserve_many left its attempts without an answer.")

    def release(self, reservation_id: int, *, actor: str) -> Reservation:
        """Give a reservation's units back to available. Releasing one that is no longer
        active (released, expired) returns it as it is; a confirmed one cannot be released."""
        with self._uow() as uow:
            reservation = self._get(uow, reservation_id)
            at = self._clock()
            status = effective_status(reservation.status, reservation.expires_at, at)
            if status == ReservationStatus.CONFIRMED:
                raise Conflict(
                    f"Reservation {reservation_id} was confirmed as order "
                    f"{reservation.order_id}; cancel the order instead."
                )
            if reservation.order_id is not None and reservation.reference is None:
                raise Conflict(
                    f"Reservation {reservation_id} holds pending order {reservation.order_id}; "
                    f"cancel the order instead (POST /v1/orders/{reservation.order_id}/cancel)."
                )
            # Locking expires it if its time is up, and a concurrent release finds it closed.
            current = lock_balances(
                uow,
                {h.sku for h in reservation.holds},
                {h.location for h in reservation.holds},
                at,
                actor,
            )
            released = end_hold(uow, reservation_id, ReservationStatus.RELEASED, current, at, actor)
            done = self._get(uow, reservation_id)
            uow.follow_changes()
            uow.commit()
        if released:
            fill_freed(self._uow, ((h.sku, h.location) for h in released), self._clock, actor)
        return done

    def sweep(self, *, actor: str = "system:sweep", limit: int = 10_000) -> int:
        """Release every reservation past its expiry (in batches); how many were released.

        A batch that fails is swept again one reservation at a time: one whose balance
        disagrees with it (see `stockpool check`) is logged and skipped, and never keeps the
        others' stock held."""
        released, after = 0, 0
        while released < limit:
            with self._uow(write=False) as uow:
                batch = min(SWEEP_BATCH, limit - released)
                expired = sorted(uow.reservations.expired(self._clock(), after=after, limit=batch))
            if not expired:
                break
            try:
                released += self._expire(expired, actor)
            except (StockpoolError, MovementRejected, InvariantBroken):
                released += sum(self._expire_alone(i, actor) for i in expired)
            after = expired[-1]
            if len(expired) < batch:
                break
        return released

    def _expire(self, reservation_ids: Sequence[int], actor: str) -> int:
        with self._uow() as uow:
            at = self._clock()
            holds = [h for held in uow.reservations.holds(reservation_ids).values() for h in held]
            current = uow.stock.lock_existing({h.sku for h in holds}, {h.location for h in holds})
            closed = end_holds(uow, reservation_ids, ReservationStatus.EXPIRED, current, at, actor)
            uow.follow_changes()
            uow.commit()
        freed = {(h.sku, h.location) for held in closed.values() for h in held}
        fill_freed(self._uow, freed, self._clock, actor)
        return len(closed)

    def _expire_alone(self, reservation_id: int, actor: str) -> int:
        try:
            return self._expire([reservation_id], actor)
        except (StockpoolError, MovementRejected, InvariantBroken):
            log.exception(
                "reservation %d cannot be released: its balance disagrees with it; "
                "run `stockpool check`",
                reservation_id,
            )
            return 0

    def now(self, reservation: Reservation) -> Reservation:
        """The reservation with the status it has now: past its expiry, an active one is
        expired, whether or not the sweep has closed it yet."""
        status = effective_status(reservation.status, reservation.expires_at, self._clock())
        return dataclasses.replace(reservation, status=status)

    def get(self, reservation_id: int) -> Reservation:
        with self._uow(write=False) as uow:
            return self.now(self._get(uow, reservation_id))

    def list(
        self,
        *,
        channel: str | None = None,
        status: str | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> Sequence[Reservation]:
        wanted = ReservationStatus(status) if status is not None else None
        with self._uow(write=False) as uow:
            ids = uow.reservations.ids(
                channel=channel,
                status=wanted,
                now=self._clock(),
                after=after,
                limit=page_limit(limit),
            )
            return [self.now(r) for i in ids if (r := uow.reservations.get(i)) is not None]

    @staticmethod
    def _get(uow: UnitOfWork, reservation_id: int) -> Reservation:
        reservation = uow.reservations.get(reservation_id)
        if reservation is None:
            raise NotFound(f"No reservation {reservation_id}.")
        return reservation


def parse_lines(record: dict[str, Any]) -> tuple[list[OrderLine], list[OrderLine], list[Origin]]:
    """lines_record, read back: requested, expanded lines, and their origins."""
    requested = [OrderLine(sku, quantity) for sku, quantity in record["requested"]]
    lines = [OrderLine(sku, quantity) for sku, quantity, _, _ in record["lines"]]
    origin: list[Origin] = [
        (bundle, bundle_line) if bundle is not None else None
        for _, _, bundle, bundle_line in record["lines"]
    ]
    return requested, lines, origin
