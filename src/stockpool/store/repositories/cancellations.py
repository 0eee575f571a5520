"""Cancellations queued for the platforms: added once per set of units, claimed before each
attempt, and what became of them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select, update

from stockpool.domain.platform_cancellations import (
    CancellationState,
    PlatformCancellation,
    ToCancel,
)
from stockpool.domain.platforms import PlatformOrderLine
from stockpool.store.repositories._dialect import insert
from stockpool.store.repositories._paging import after_key
from stockpool.store.tables import platform_cancellations as table

# Still to send: waiting for a first attempt, or for another after a failed one.
_OPEN = (CancellationState.QUEUED.value, CancellationState.FAILED.value)


class PlatformCancellationRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(
        self,
        *,
        channel: str,
        external_id: str,
        order_id: int,
        to_cancel: ToCancel,
        reason: str,
        at: datetime,
    ) -> int | None:
        """Queue the cancellation, due now; None when the same units were queued already."""
        statement = (
            insert(self._connection, table)
            .values(
                channel=channel,
                external_id=external_id,
                order_id=order_id,
                lines=[
                    {"channel_sku": line.channel_sku, "quantity": line.quantity}
                    for line in to_cancel.lines
                ],
                units=to_cancel.key,
                units_digest=hashlib.sha256(to_cancel.key.encode()).hexdigest(),
                reason=reason[:300],
                state=CancellationState.QUEUED.value,
                attempts=0,
                next_attempt_at=at,
                created_at=at,
                updated_at=at,
            )
            .on_conflict_do_nothing(
                index_elements=[table.c.channel, table.c.external_id, table.c.units_digest]
            )
            .returning(table.c.id)
        )
        added: int | None = self._connection.execute(statement).scalar()
        return added

    def units_of(self, channel: str, external_id: str) -> list[str]:
        """The units each cancellation of the order stands for (see queued_through)."""
        query = select(table.c.units).where(
            table.c.channel == channel, table.c.external_id == external_id
        )
        return list(self._connection.execute(query).scalars())

    def get(self, cancellation_id: int) -> PlatformCancellation | None:
        row = self._connection.execute(select(table).where(table.c.id == cancellation_id)).first()
        return _cancellation(row) if row else None

    def page(
        self,
        *,
        channel: str | None,
        state: CancellationState | None,
        after: int | None,
        limit: int,
    ) -> list[PlatformCancellation]:
        query = select(table)
        if channel is not None:
            query = query.where(table.c.channel == channel)
        if state is not None:
            query = query.where(table.c.state == state.value)
        rows = self._connection.execute(after_key(query, table.c.id, after, limit))
        return [_cancellation(row) for row in rows]

    def due(self, channel: str, now: datetime, limit: int) -> list[PlatformCancellation]:
        """The channel's cancellations to send now: queued or failed, their time come."""
        query = select(table).where(
            table.c.channel == channel,
            table.c.state.in_(_OPEN),
            table.c.next_attempt_at <= now,
        )
        rows = self._connection.execute(after_key(query, table.c.id, None, limit))
        return [_cancellation(row) for row in rows]

    def claim(self, cancellation: PlatformCancellation, retry_at: datetime, at: datetime) -> bool:
        """Take the cancellation for one attempt, unless another sender took it since it was
        read: a conditional update on its attempts (no row lock held while the platform is
        called). Until the attempt is recorded it is not due again before retry_at."""
        result = self._connection.execute(
            update(table)
            .where(
                table.c.id == cancellation.id,
                table.c.attempts == cancellation.attempts,
                table.c.state.in_(_OPEN),
            )
            .values(attempts=table.c.attempts + 1, next_attempt_at=retry_at, updated_at=at)
        )
        return result.rowcount == 1

    def record(
        self, cancellation_id: int, state: CancellationState, detail: str, at: datetime
    ) -> None:
        """What an attempt came to. A cancellation settled meanwhile (a person did it by hand)
        keeps that; a failed one stays due at the time its claim set."""
        values: dict[str, Any] = {"state": state.value, "detail": detail, "updated_at": at}
        if state != CancellationState.FAILED:
            values["next_attempt_at"] = None
        self._connection.execute(
            update(table)
            .where(table.c.id == cancellation_id, table.c.state.in_(_OPEN))
            .values(**values)
        )

    def done_by_hand(self, cancellation_id: int, detail: str, at: datetime) -> None:
        self._connection.execute(
            update(table)
            .where(table.c.id == cancellation_id)
            .values(
                state=CancellationState.DONE.value,
                detail=detail,
                next_attempt_at=None,
                updated_at=at,
            )
        )


def _lines(stored: Iterable[dict[str, Any]]) -> tuple[PlatformOrderLine, ...]:
    return tuple(PlatformOrderLine(line["channel_sku"], int(line["quantity"])) for line in stored)


def _cancellation(row: Row[Any]) -> PlatformCancellation:
    return PlatformCancellation(
        id=row.id,
        channel=row.channel,
        external_id=row.external_id,
        order_id=row.order_id,
        lines=_lines(row.lines),
        reason=row.reason,
        state=CancellationState(row.state),
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        detail=row.detail,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
