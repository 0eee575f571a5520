"""Reservations and their holds (an active one of a pending order counts in holdings)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, select, tuple_, update

from stockpool.domain.reservations import (
    Checkout,
    HeldAt,
    Hold,
    Reservation,
    ReservationStatus,
)
from stockpool.store.repositories.holdings import HeldKey, add_to, move_holdings
from stockpool.store.tables import reservation_holds, reservations


class ReservationRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(
        self,
        *,
        channel: str,
        reference: str | None,
        order_id: int | None,
        fingerprint: str,
        lines: dict[str, Any],
        holds: Sequence[Hold],
        expires_at: datetime,
        at: datetime,
    ) -> int:
        reservation_id: int = self._connection.execute(
            reservations.insert()
            .values(
                channel=channel,
                reference=reference,
                order_id=order_id,
                status=ReservationStatus.ACTIVE.value,
                fingerprint=fingerprint,
                lines=lines,
                expires_at=expires_at,
                created_at=at,
            )
            .returning(reservations.c.id)
        ).scalar_one()
        if holds:
            self._connection.execute(reservation_holds.insert(), _hold_rows(reservation_id, holds))
            if order_id is not None:  # a pending order's units: its channel holds them
                held: dict[HeldKey, int] = {}
                for h in holds:
                    add_to(held, (h.sku, h.location, channel), h.units)
                move_holdings(self._connection, held)
        return reservation_id

    def id_of(self, channel: str, reference: str) -> int | None:
        return self._connection.execute(
            select(reservations.c.id).where(
                reservations.c.channel == channel, reservations.c.reference == reference
            )
        ).scalar_one_or_none()

    def add_checkouts(self, made: Sequence[Checkout], at: datetime) -> list[int]:
        """Store checkouts' reservations (no order behind them) and their holds: two statements
        however many; their ids in the order given."""
        if not made:
            return []
        rows = self._connection.execute(
            reservations.insert().returning(reservations.c.id, sort_by_parameter_order=True),
            [
                {
                    "channel": c.channel,
                    "reference": c.reference,
                    "order_id": None,
                    "status": ReservationStatus.ACTIVE.value,
                    "fingerprint": c.fingerprint,
                    "lines": c.lines,
                    "expires_at": c.expires_at,
                    "created_at": at,
                }
                for c in made
            ],
        )
        ids = [int(row.id) for row in rows]
        holds = [
            row
            for c, reservation_id in zip(made, ids, strict=True)
            for row in _hold_rows(reservation_id, c.holds)
        ]
        if holds:
            self._connection.execute(reservation_holds.insert(), holds)
        return ids

    def ids_of(self, names: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """The reservations made under these (channel, reference) names, in one statement."""
        wanted = sorted(set(names))
        if not wanted:
            return {}
        rows = self._connection.execute(
            select(reservations.c.channel, reservations.c.reference, reservations.c.id).where(
                tuple_(reservations.c.channel, reservations.c.reference).in_(wanted)
            )
        )
        return {(row.channel, row.reference): row.id for row in rows}

    def of_order(self, order_id: int) -> Reservation | None:
        """The newest reservation made for a pending order."""
        reservation_id = self._connection.execute(
            select(reservations.c.id)
            .where(reservations.c.order_id == order_id)
            .order_by(reservations.c.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        return None if reservation_id is None else self.get(reservation_id)

    def get(self, reservation_id: int) -> Reservation | None:
        return self.get_many([reservation_id]).get(reservation_id)

    def get_many(self, reservation_ids: Iterable[int]) -> dict[int, Reservation]:
        """The reservations by id, with their holds: two statements however many."""
        ids = sorted(set(reservation_ids))
        if not ids:
            return {}
        rows = self._connection.execute(select(reservations).where(reservations.c.id.in_(ids)))
        found = {row.id: row for row in rows}
        holds = self.holds(found)
        return {
            row.id: Reservation(
                id=row.id,
                channel=row.channel,
                reference=row.reference,
                order_id=row.order_id,
                status=ReservationStatus(row.status),
                fingerprint=row.fingerprint,
                lines=row.lines,
                expires_at=row.expires_at,
                created_at=row.created_at,
                closed_at=row.closed_at,
                holds=tuple(holds.get(row.id, [])),
            )
            for row in found.values()
        }

    def ids(
        self,
        *,
        channel: str | None,
        status: ReservationStatus | None,
        now: datetime,
        after: int | None,
        limit: int,
    ) -> list[int]:
        """Reservation ids in order; status as it is now: an active one past its expiry is
        expired, swept or not."""
        query = select(reservations.c.id).order_by(reservations.c.id).limit(limit)
        if channel is not None:
            query = query.where(reservations.c.channel == channel)
        active = reservations.c.status == ReservationStatus.ACTIVE.value
        if status == ReservationStatus.ACTIVE:
            query = query.where(active, reservations.c.expires_at > now)
        elif status == ReservationStatus.EXPIRED:
            query = query.where(
                (reservations.c.status == status.value)
                | (active & (reservations.c.expires_at <= now))
            )
        elif status is not None:
            query = query.where(reservations.c.status == status.value)
        if after is not None:
            query = query.where(reservations.c.id > after)
        return list(self._connection.execute(query).scalars())

    def holds(self, reservation_ids: Iterable[int]) -> dict[int, list[Hold]]:
        ids = sorted(set(reservation_ids))
        found: dict[int, list[Hold]] = {i: [] for i in ids}
        if not ids:
            return found
        rows = self._connection.execute(
            select(reservation_holds)
            .where(reservation_holds.c.reservation_id.in_(ids))
            .order_by(
                reservation_holds.c.reservation_id,
                reservation_holds.c.line_no,
                reservation_holds.c.location,
            )
        )
        for r in rows:
            found[r.reservation_id].append(Hold(r.line_no, r.sku, r.location, r.units))
        return found

    def expired(
        self,
        now: datetime,
        *,
        skus: Iterable[str] | None = None,
        after: int = 0,
        limit: int = 1000,
    ) -> dict[int, list[Hold]]:
        """Active reservations past their expiry (those holding any of skus, when given; ids
        after `after`), with all their holds. A plain read: the caller locks the balances, then
        closes them for good."""
        parameters: dict[str, Any] = {"now": now, "after": after, "limit": limit}
        if skus is None:
            query = _EXPIRED
        else:
            wanted = sorted(set(skus))
            if not wanted:
                return {}
            query, parameters["skus"] = _EXPIRED_HOLDING, wanted
        ids = list(self._connection.execute(query, parameters).scalars())
        return self.holds(ids)

    def close(
        self,
        reservation_ids: Iterable[int],
        status: ReservationStatus,
        at: datetime,
    ) -> dict[int, int | None]:
        """Close the reservations that are still active - for EXPIRED only those past their
        expiry, otherwise only those not yet past it - and return them (id: order id). The update
        takes each row's lock and checks again, so of two transactions closing one reservation
        only the first does."""
        ids = sorted(set(reservation_ids))
        if not ids:
            return {}
        still = (
            reservations.c.expires_at <= at
            if status == ReservationStatus.EXPIRED
            else reservations.c.expires_at > at
        )
        rows = self._connection.execute(
            update(reservations)
            .where(
                reservations.c.id.in_(ids),
                reservations.c.status == ReservationStatus.ACTIVE.value,
                still,
            )
            .values(status=status.value, closed_at=at)
            .returning(reservations.c.id, reservations.c.order_id, reservations.c.channel)
        ).all()
        self._release_holdings({r.id: r.channel for r in rows if r.order_id is not None})
        return {r.id: r.order_id for r in rows}

    def _release_holdings(self, channels: dict[int, str]) -> None:
        """Pending orders' reservations closed (by id, with their channels): what they held no
        longer counts in holdings."""
        held: dict[HeldKey, int] = {}
        for reservation_id, holds in self.holds(channels).items():
            for h in holds:
                add_to(held, (h.sku, h.location, channels[reservation_id]), -h.units)
        move_holdings(self._connection, held)

    def holding(self, sku: str, location: str) -> list[HeldAt]:
        """What active reservations hold of sku at location."""
        rows = self._connection.execute(
            select(
                reservations.c.id,
                reservations.c.reference,
                reservations.c.order_id,
                reservations.c.created_at,
                reservation_holds.c.line_no,
                reservation_holds.c.units,
            )
            .join(reservations, reservations.c.id == reservation_holds.c.reservation_id)
            .where(
                reservation_holds.c.sku == sku,
                reservation_holds.c.location == location,
                reservations.c.status == ReservationStatus.ACTIVE.value,
            )
            .order_by(reservations.c.id, reservation_holds.c.line_no)
        )
        return [
            HeldAt(
                r.id, r.order_id if r.reference is None else None, r.line_no, r.units, r.created_at
            )
            for r in rows
        ]

    def shrink(self, reservation_id: int, line_no: int, location: str, units: int) -> None:
        """A hold loses units (a count found them missing); one left with none is removed. A
        pending order's active one holds that much less in holdings too."""
        where = (
            (reservation_holds.c.reservation_id == reservation_id)
            & (reservation_holds.c.line_no == line_no)
            & (reservation_holds.c.location == location)
        )
        shrunk = self._connection.execute(
            update(reservation_holds)
            .where(where, reservation_holds.c.units > units)
            .values(units=reservation_holds.c.units - units)
            .returning(reservation_holds.c.sku)
        ).first()
        if shrunk is None:
            shrunk = self._connection.execute(
                delete(reservation_holds)
                .where(where, reservation_holds.c.units == units)
                .returning(reservation_holds.c.sku)
            ).first()
        holder = self._connection.execute(
            select(reservations.c.channel).where(
                reservations.c.id == reservation_id,
                reservations.c.order_id.is_not(None),
                reservations.c.status == ReservationStatus.ACTIVE.value,
            )
        ).first()
        if shrunk is not None and holder is not None:
            move_holdings(self._connection, {(shrunk.sku, location, holder.channel): -units})

    def reserved_by_balance(self) -> dict[tuple[str, str], int]:
        """Units active reservations hold, per (sku, location): what reserved must be."""
        rows = self._connection.execute(
            select(
                reservation_holds.c.sku,
                reservation_holds.c.location,
                func.sum(reservation_holds.c.units),
            )
            .join(reservations, reservations.c.id == reservation_holds.c.reservation_id)
            .where(reservations.c.status == ReservationStatus.ACTIVE.value)
            .group_by(reservation_holds.c.sku, reservation_holds.c.location)
        )
        return {(sku, location): int(units) for sku, location, units in rows}

    def attach(self, reservation_id: int, order_id: int) -> None:
        """The confirmed reservation became this order."""
        self._connection.execute(
            update(reservations)
            .where(reservations.c.id == reservation_id)
            .values(order_id=order_id)
        )


# Built once: every order and reservation asks this first (lazy expiry), so it is on the hot path.
_EXPIRED = (
    select(reservations.c.id)
    .where(
        reservations.c.status == ReservationStatus.ACTIVE.value,
        reservations.c.expires_at <= bindparam("now"),
        reservations.c.id > bindparam("after"),
    )
    .order_by(reservations.c.id)
    .limit(bindparam("limit"))
)
_EXPIRED_HOLDING = _EXPIRED.where(
    reservations.c.id.in_(
        select(reservation_holds.c.reservation_id).where(
            reservation_holds.c.sku.in_(bindparam("skus", expanding=True))
        )
    )
)


def _hold_rows(reservation_id: int, holds: Iterable[Hold]) -> list[dict[str, Any]]:
    """reservation_holds rows of one reservation."""
    return [
        {
            "reservation_id": reservation_id,
            "line_no": h.line_no,
            "sku": h.sku,
            "location": h.location,
            "units": h.units,
        }
        for h in holds
    ]
