"""Channels: where orders come from, and what a seller cancellation costs there."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, select

from stockpool.domain.channels import Channel, Platform
from stockpool.domain.connections import Connection as PlatformConnection
from stockpool.domain.connections import ConnectionShown
from stockpool.store.repositories._dialect import put
from stockpool.store.secret_box import SecretBox
from stockpool.store.tables import channel_connections, channels


class ChannelRepository:
    def __init__(self, connection: Connection, secrets: SecretBox) -> None:
        self._connection = connection
        self._secrets = secrets

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

    def connect(self, code: str, connection: PlatformConnection, at: datetime) -> None:
        """Store how to reach the channel's platform, its credentials sealed."""
        values = {
            "url": connection.url,
            "token_url": connection.token_url,
            "credential_keys": sorted(connection.credentials),
            "credentials": self._secrets.seal(dict(connection.credentials)),
            "updated_at": at,
        }
        self.disconnect(code)
        self._connection.execute(channel_connections.insert().values(channel=code, **values))

    def disconnect(self, code: str) -> None:
        self._connection.execute(
            delete(channel_connections).where(channel_connections.c.channel == code)
        )

    def connection(self, code: str) -> PlatformConnection | None:
        """How to reach the channel's platform, credentials opened (for its connector)."""
        row = self._connection_row(code)
        if row is None:
            return None
        credentials = self._secrets.open(row.credentials)
        return PlatformConnection(row.url, credentials, row.token_url)

    def connection_shown(self, code: str) -> ConnectionShown | None:
        """The connection as anyone may see it: which credentials are set, not what they are."""
        row = self._connection_row(code)
        if row is None:
            return None
        return ConnectionShown(row.url, row.token_url, tuple(row.credential_keys), row.updated_at)

    def connections_shown(self) -> dict[str, ConnectionShown]:
        return {
            row.channel: ConnectionShown(
                row.url, row.token_url, tuple(row.credential_keys), row.updated_at
            )
            for row in self._connection.execute(select(channel_connections))
        }

    def _connection_row(self, code: str) -> Row[Any] | None:
        return self._connection.execute(
            select(channel_connections).where(channel_connections.c.channel == code)
        ).first()


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
