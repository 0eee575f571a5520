"""Channels: where orders come from, and what a seller cancellation costs there."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select

from stockpool.domain.channels import Channel, Platform
from stockpool.store.repositories._dialect import put
from stockpool.store.tables import channels


class ChannelRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def put(self, channel: Channel, at: datetime) -> bool:
        """Create or replace a channel; True when it is new."""
        values = {
            "platform": channel.platform.value,
            "name": channel.name,
            "cancellation_cost": channel.cost,
            "split_allowed": channel.split_allowed,
            "updated_at": at,
        }
        return put(self._connection, channels, "code", channel.code, values, at)

    def get(self, code: str) -> Channel | None:
        row = self._connection.execute(select(channels).where(channels.c.code == code)).first()
        return _channel(row) if row else None

    def list(self) -> list[Channel]:
        return [_channel(r) for r in self._connection.execute(_ALL_CHANNELS)]


def _channel(row: Row[Any]) -> Channel:
    return Channel(
        code=row.code,
        platform=Platform(row.platform),
        name=row.name,
        cancellation_cost=row.cancellation_cost,
        split_allowed=bool(row.split_allowed),
    )


# Built once: order ingest runs it on every transaction.
_ALL_CHANNELS = select(channels).order_by(channels.c.code)
