"""Channels: where orders come from, and what a seller cancellation costs there."""

from __future__ import annotations

from stockpool.domain.channels import Channel
from stockpool.services.lookups import channel_of
from stockpool.services.ports import Clock, UnitOfWorkFactory


class ChannelService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def put(self, channel: Channel) -> bool:
        """Create or replace a channel; True when it is new. Every SKU's numbers follow."""
        with self._uow() as uow:
            created = uow.channels.put(channel, self._clock())
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
