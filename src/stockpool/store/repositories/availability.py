"""The advertised numbers per SKU, the inputs they are decided from (available stock, demand),
the outbox they feed, and the revision that tells processes their cached configuration is old.

Concurrency: a transaction decides a SKU's numbers only while holding its availability row
(PostgreSQL: ``lock`` creates or locks it, in SKU order, after every balance lock the transaction
takes) and reads the stock after that, so it sees what any earlier decider committed. On SQLite
the database write lock (BEGIN IMMEDIATE) already makes deciders take turns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select

from stockpool.domain.demand import Rate
from stockpool.store.repositories._dialect import insert
from stockpool.store.tables import (
    availability,
    availability_revision,
    balances,
    bundle_components,
    demand,
    skus,
    sync_outbox,
)

NONE_YET = ""  # advertised text of a row locked before its first decision

_CHUNK = 500


def encode(numbers: Mapping[str, int]) -> str:
    """Canonical text of a SKU's numbers: channel codes need no escaping (a-z, 0-9, _ and -)."""
    return "{" + ",".join(f'"{code}":{numbers[code]}' for code in sorted(numbers)) + "}"


def decode(text: str | None) -> dict[str, int]:
    if not text:
        return {}
    body = text[1:-1]
    if not body:
        return {}
    pairs = (item.split(":") for item in body.split(","))
    return {code.strip('"'): int(number) for code, number in pairs}


class AvailabilityRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._postgresql = connection.dialect.name == "postgresql"

    # Configuration revision

    def revision(self) -> int:
        return int(self._connection.execute(_REVISION).scalar_one_or_none() or 0)

    def bump_revision(self) -> None:
        statement = insert(self._connection, availability_revision).values(id=1, revision=1)
        self._connection.execute(
            statement.on_conflict_do_update(
                index_elements=[availability_revision.c.id],
                set_={"revision": availability_revision.c.revision + 1},
            )
        )

    # Numbers

    def lock(self, codes: Iterable[str], at: datetime) -> dict[str, str]:
        """The stored numbers (as text) of these SKUs. On PostgreSQL their rows are locked until
        commit, created if new, in SKU order; on SQLite the write lock is already held."""
        wanted = sorted(set(codes))
        found: dict[str, str] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            if self._postgresql:
                statement = insert(self._connection, availability)
                rows = self._connection.execute(
                    statement.on_conflict_do_update(
                        index_elements=[availability.c.sku],
                        set_={"advertised": availability.c.advertised},
                    ).returning(availability.c.sku, availability.c.advertised),
                    [{"sku": code, "advertised": NONE_YET, "computed_at": at} for code in chunk],
                )
            else:
                rows = self._connection.execute(_STORED, {"skus": chunk})
            found.update((sku, advertised) for sku, advertised in rows)
        return found

    def lock_range(self, first: str, last: str, at: datetime) -> dict[str, str]:
        """lock for every SKU from first to last (in code order), and the SKU codes in it."""
        codes = list(
            self._connection.execute(
                select(skus.c.code)
                .where(skus.c.code >= first, skus.c.code <= last)
                .order_by(skus.c.code)
            ).scalars()
        )
        return self.lock(codes, at)

    def write(self, numbers: Mapping[str, str], at: datetime) -> None:
        """Store the numbers (as text) decided for these SKUs."""
        if not numbers:
            return
        statement = insert(self._connection, availability)
        self._connection.execute(
            statement.on_conflict_do_update(
                index_elements=[availability.c.sku],
                set_={
                    "advertised": statement.excluded.advertised,
                    "computed_at": statement.excluded.computed_at,
                },
            ),
            [{"sku": s, "advertised": text, "computed_at": at} for s, text in numbers.items()],
        )

    def stored(self, sku: str) -> tuple[dict[str, int], datetime | None]:
        row = self._connection.execute(
            select(availability.c.advertised, availability.c.computed_at).where(
                availability.c.sku == sku
            )
        ).first()
        if row is None or row.advertised == NONE_YET:
            return {}, None
        return decode(row.advertised), row.computed_at

    def sku_codes(self, *, after: str | None, limit: int) -> list[str]:
        query = select(skus.c.code).order_by(skus.c.code).limit(limit)
        if after is not None:
            query = query.where(skus.c.code > after)
        return list(self._connection.execute(query).scalars())

    # Inputs

    def available(self, codes: Sequence[str]) -> dict[str, dict[str, int]]:
        """Available units of these SKUs, by SKU and location (balances that exist)."""
        found: dict[str, dict[str, int]] = {}
        for start in range(0, len(codes), _CHUNK):
            rows = self._connection.execute(
                _AVAILABLE, {"skus": list(codes[start : start + _CHUNK])}
            )
            for sku, location, units in rows:
                found.setdefault(sku, {})[location] = int(units)
        return found

    def available_range(self, first: str, last: str) -> dict[str, dict[str, int]]:
        found: dict[str, dict[str, int]] = {}
        for sku, location, units in self._connection.execute(
            _AVAILABLE_RANGE, {"first": first, "last": last}
        ):
            found.setdefault(sku, {})[location] = int(units)
        return found

    def demand(self, codes: Sequence[str]) -> dict[tuple[str, str], Rate]:
        found: dict[tuple[str, str], Rate] = {}
        for start in range(0, len(codes), _CHUNK):
            rows = self._connection.execute(_DEMAND, {"skus": list(codes[start : start + _CHUNK])})
            found.update(((r.sku, r.channel), Rate(r.units_per_hour, r.as_of)) for r in rows)
        return found

    def demand_range(self, first: str, last: str) -> dict[tuple[str, str], Rate]:
        rows = self._connection.execute(_DEMAND_RANGE, {"first": first, "last": last})
        return {(r.sku, r.channel): Rate(r.units_per_hour, r.as_of) for r in rows}

    def write_demand(self, rates: Mapping[tuple[str, str], Rate]) -> None:
        if not rates:
            return
        statement = insert(self._connection, demand)
        self._connection.execute(
            statement.on_conflict_do_update(
                index_elements=[demand.c.sku, demand.c.channel],
                set_={
                    "units_per_hour": statement.excluded.units_per_hour,
                    "as_of": statement.excluded.as_of,
                },
            ),
            [
                {"sku": s, "channel": c, "units_per_hour": r.units_per_hour, "as_of": r.as_of}
                for (s, c), r in sorted(rates.items())
            ],
        )

    def bundles_of(self, components: Iterable[str]) -> dict[str, list[str]]:
        """The bundles each of these SKUs is a component of."""
        wanted = sorted(set(components))
        found: dict[str, list[str]] = {}
        for start in range(0, len(wanted), _CHUNK):
            rows = self._connection.execute(_BUNDLES_OF, {"skus": wanted[start : start + _CHUNK]})
            for bundle, component in rows:
                found.setdefault(component, []).append(bundle)
        return found

    # The outbox

    def queue(self, entries: Sequence[tuple[str, str, str, int]], at: datetime) -> None:
        """(channel, channel_sku, sku, quantity): each listing's new number waits to be pushed.
        A listing already waiting keeps its place (queued_at) and takes the newer number."""
        if not entries:
            return
        statement = insert(self._connection, sync_outbox)
        self._connection.execute(
            statement.on_conflict_do_update(
                index_elements=[sync_outbox.c.channel, sync_outbox.c.channel_sku],
                set_={
                    "quantity": statement.excluded.quantity,
                    "sku": statement.excluded.sku,
                    "version": sync_outbox.c.version + 1,
                    "changed_at": statement.excluded.changed_at,
                },
            ),
            [
                {
                    "channel": channel,
                    "channel_sku": channel_sku,
                    "sku": sku,
                    "quantity": quantity,
                    "version": 1,
                    "queued_at": at,
                    "changed_at": at,
                }
                for channel, channel_sku, sku, quantity in sorted(entries)
            ],
        )


def _in(column: Any) -> Any:
    return column.in_(bindparam("skus", expanding=True))


_REVISION = select(availability_revision.c.revision).where(availability_revision.c.id == 1)
_STORED = select(availability.c.sku, availability.c.advertised).where(_in(availability.c.sku))
_AVAILABLE = select(balances.c.sku, balances.c.location, balances.c.available).where(
    _in(balances.c.sku)
)
_AVAILABLE_RANGE = select(balances.c.sku, balances.c.location, balances.c.available).where(
    balances.c.sku >= bindparam("first"), balances.c.sku <= bindparam("last")
)
_DEMAND = select(demand).where(_in(demand.c.sku))
_DEMAND_RANGE = select(demand).where(
    demand.c.sku >= bindparam("first"), demand.c.sku <= bindparam("last")
)
_BUNDLES_OF = select(bundle_components.c.bundle, bundle_components.c.component).where(
    _in(bundle_components.c.component)
)
