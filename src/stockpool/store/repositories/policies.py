"""Availability policies: one per channel, and SKUs' overrides of them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, func, select

from stockpool.domain.policies import Policy
from stockpool.store.repositories._dialect import insert
from stockpool.store.tables import channel_policies, sku_policies

CHANNEL_FIELDS = ("share_percent", "buffer", "cap", "floor", "ring_fence", "priority", "epsilon")
SKU_FIELDS = (*CHANNEL_FIELDS, "cancellation_cost")


class PolicyRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def put_channel(self, channel: str, policy: Policy, at: datetime) -> None:
        """Replace the channel's policy (its cancellation cost is the channel's own)."""
        values = {name: getattr(policy, name) for name in CHANNEL_FIELDS}
        self._upsert(channel_policies, {"channel": channel}, values, at)

    def channel_policies(self) -> dict[str, Policy]:
        rows = self._connection.execute(select(channel_policies))
        return {row.channel: _policy(row, CHANNEL_FIELDS) for row in rows}

    def put_sku(self, sku: str, channel: str, policy: Policy, at: datetime) -> None:
        values = {name: getattr(policy, name) for name in SKU_FIELDS}
        self._upsert(sku_policies, {"sku": sku, "channel": channel}, values, at)

    def delete_sku(self, sku: str, channel: str) -> bool:
        result = self._connection.execute(
            delete(sku_policies).where(sku_policies.c.sku == sku, sku_policies.c.channel == channel)
        )
        return bool(result.rowcount)

    def sku_overrides(self, skus: Iterable[str]) -> dict[tuple[str, str], Policy]:
        """The overrides of these SKUs, by (sku, channel)."""
        wanted = sorted(set(skus))
        found: dict[tuple[str, str], Policy] = {}
        for start in range(0, len(wanted), 500):
            rows = self._connection.execute(_OVERRIDES, {"skus": wanted[start : start + 500]})
            found.update(((r.sku, r.channel), _policy(r, SKU_FIELDS)) for r in rows)
        return found

    def overrides_of_sku(self, sku: str) -> dict[str, Policy]:
        return {channel: p for (_, channel), p in self.sku_overrides([sku]).items()}

    def count_overrides(self) -> int:
        return int(
            self._connection.execute(select(func.count()).select_from(sku_policies)).scalar_one()
        )

    def _upsert(
        self, table: Any, key: dict[str, str], values: dict[str, Any], at: datetime
    ) -> None:
        statement = insert(self._connection, table).values(**key, **values, updated_at=at)
        self._connection.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c[name] for name in key], set_={**values, "updated_at": at}
            )
        )


def _policy(row: Row[Any], names: tuple[str, ...]) -> Policy:
    return Policy(**{name: getattr(row, name) for name in names})


_OVERRIDES = select(sku_policies).where(sku_policies.c.sku.in_(bindparam("skus", expanding=True)))
