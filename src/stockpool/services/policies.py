"""Setting availability policies: a channel's, and a SKU's override of it. Each change moves the
numbers it touches in the same transaction: a channel's, every SKU's; an override, its SKU's."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from stockpool.domain.catalog import channel_code, sku_code
from stockpool.domain.errors import NotFound, UnknownChannel, UnknownSku
from stockpool.domain.policies import Policy
from stockpool.services.ports import Clock, UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class ChannelPolicy:
    channel: str
    policy: Policy  # cancellation_cost is the channel's own


class PolicyService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def put_channel(self, code: str, policy: Policy) -> ChannelPolicy:
        """Replace a channel's policy; its cancellation_cost, if given, becomes the channel's
        (conflict resolution weighs it too). Every SKU's numbers follow."""
        channel_code(code)
        with self._uow() as uow:
            channel = uow.channels.get(code)
            if channel is None:
                raise UnknownChannel(code)
            at = self._clock()
            if policy.cancellation_cost is not None:
                uow.channels.put(
                    dataclasses.replace(channel, cancellation_cost=policy.cancellation_cost), at
                )
            uow.policies.put_channel(code, policy, at)
            uow.changes.everything = uow.changes.config = True
            stored = self._channel(uow, code)
            uow.follow_changes()
            uow.commit()
        return stored

    def get_channel(self, code: str) -> ChannelPolicy:
        with self._uow(write=False) as uow:
            return self._channel(uow, code)

    @staticmethod
    def _channel(uow: UnitOfWork, code: str) -> ChannelPolicy:
        channel = uow.channels.get(code)
        if channel is None:
            raise UnknownChannel(code)
        policy = uow.policies.channel_policies().get(code, Policy())
        return ChannelPolicy(code, dataclasses.replace(policy, cancellation_cost=channel.cost))

    def put_sku(self, sku: str, channel: str, policy: Policy) -> Policy:
        """Replace a SKU's override of a channel's policy (unset fields inherit the channel's);
        an empty one removes the override. The SKU's numbers follow."""
        sku_code(sku)
        channel_code(channel)
        with self._uow() as uow:
            self._check(uow, sku, channel)
            if policy.is_empty():
                uow.policies.delete_sku(sku, channel)
            else:
                uow.policies.put_sku(sku, channel, policy, self._clock())
            uow.changes.skus.add(sku)
            uow.changes.config = True
            uow.follow_changes()
            uow.commit()
        return policy

    def get_sku(self, sku: str, channel: str) -> Policy:
        with self._uow(write=False) as uow:
            self._check(uow, sku, channel)
            return uow.policies.overrides_of_sku(sku).get(channel, Policy())

    def delete_sku(self, sku: str, channel: str) -> None:
        with self._uow() as uow:
            self._check(uow, sku, channel)
            if not uow.policies.delete_sku(sku, channel):
                raise NotFound(f"SKU {sku} has no policy of its own on {channel}.")
            uow.changes.skus.add(sku)
            uow.changes.config = True
            uow.follow_changes()
            uow.commit()

    def overrides_of(self, sku: str) -> dict[str, Policy]:
        with self._uow(write=False) as uow:
            if uow.catalog.get_sku(sku) is None:
                raise UnknownSku(sku)
            return uow.policies.overrides_of_sku(sku)

    @staticmethod
    def _check(uow: UnitOfWork, sku: str, channel: str) -> None:
        if uow.catalog.get_sku(sku) is None:
            raise UnknownSku(sku)
        if uow.channels.get(channel) is None:
            raise UnknownChannel(channel)
