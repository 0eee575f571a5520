"""Channels: where orders come from, what a seller cancellation costs there, and how stockpool
reaches the channel's platform (its connection; credentials never leave but to its connector)."""

from __future__ import annotations

from stockpool.domain.channels import Channel
from stockpool.domain.connections import Connection, ConnectionShown
from stockpool.services.lookups import channel_of
from stockpool.services.ports import Clock, UnitOfWorkFactory


class ChannelService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def put(
        self, channel: Channel, *, connection: Connection | None = None, disconnect: bool = False
    ) -> bool:
        """Create or replace a channel, and (given) connect it or disconnect it, in one
        transaction; True when it is new. Every SKU's numbers follow."""
        if connection is not None:
            connection = connection.for_platform(channel.platform)
        with self._uow() as uow:
            at = self._clock()
            created = uow.channels.put(channel, at)
            if connection is not None:
                uow.channels.connect(channel.code, connection, at)
            elif disconnect:
                uow.channels.disconnect(channel.code)
            uow.changes.everything = uow.changes.config = True
            uow.follow_changes()
            uow.commit()
        return created

    def get(self, code: str) -> Channel:
        with self._uow(write=False) as uow:
            return channel_of(uow, code)

    def list(self) -> list[Channel]:
        with self._uow(write=False) as uow:
            return uow.channels.list()

    def connection_shown(self, code: str) -> ConnectionShown | None:
        """How the channel is connected, as anyone may see it (which credentials are set)."""
        with self._uow(write=False) as uow:
            channel_of(uow, code)
            return uow.channels.connection_shown(code)

    def connections_shown(self) -> dict[str, ConnectionShown]:
        """Every connected channel's connection, as anyone may see it."""
        with self._uow(write=False) as uow:
            return uow.channels.connections_shown()

    def connection(self, code: str) -> Connection | None:
        """How to reach the channel's platform, credentials included: for its connector only."""
        with self._uow(write=False) as uow:
            channel_of(uow, code)
            return uow.channels.connection(code)
