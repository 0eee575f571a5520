"""The advertised numbers per SKU: locked, read with what they are decided from, and written;
and the revision that tells processes their cached configuration is old. The rest of what
uow.availability offers is in modules of its own: the demand rows (demand), the range reads of a
full recompute (availability_ranges), the sync outbox queue (outbox), a channel's own sales as its
platform lowered them (listed_sales).

Concurrency: a transaction decides a SKU's numbers only while holding its availability row
(PostgreSQL: ``lock`` creates or locks it, in SKU order, after every balance lock the transaction
takes) and reads the stock after that, so it sees what any earlier decider committed. On SQLite
the database write lock (BEGIN IMMEDIATE) already makes deciders take turns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select

from stockpool.domain.advertised import decode
from stockpool.store.repositories._cursor import marks
from stockpool.store.repositories._dialect import insert
from stockpool.store.repositories.availability_ranges import RangeReads
from stockpool.store.repositories.demand import DemandRows
from stockpool.store.repositories.inputs_query import Held, Inputs, by_sku, inputs_query, parsed
from stockpool.store.repositories.listed_sales import ListedSales
from stockpool.store.repositories.outbox import OutboxQueue
from stockpool.store.repositories.shrinkage import ShrinkageRows
from stockpool.store.tables import (
    availability,
    availability_revision,
    balances,
    bundle_components,
    holdings,
)

NONE_YET = ""  # advertised text of a row locked before its first decision

_CHUNK = 500


class AvailabilityRepository(DemandRows, RangeReads, OutboxQueue, ListedSales, ShrinkageRows):
    @property
    def postgresql(self) -> bool:
        """Whether deciders lock their rows (PostgreSQL) or the whole database is theirs."""
        return self._postgresql

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

    # Locks

    def lock(self, codes: Iterable[str], at: datetime) -> dict[str, str]:
        """The stored numbers (as text) of these SKUs. On PostgreSQL their rows are locked until
        commit, created if new, in SKU order; on SQLite the write lock is already held."""
        return self.lock_reading_revision(codes, at)[1]

    def lock_reading_revision(
        self, codes: Iterable[str], at: datetime
    ) -> tuple[int, dict[str, str]]:
        """lock, and the configuration revision, in one round trip per 500 SKUs."""
        wanted = sorted(set(codes))
        found: dict[str, str] = {}
        revision = None
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            if not self._postgresql:
                rows = self._fetch(
                    f"SELECT sku, advertised FROM availability WHERE sku IN ({marks(chunk)})",
                    chunk,
                )
                found.update((sku, advertised) for sku, advertised in rows)
                continue
            # SELECT ... FOR UPDATE takes the row locks without writing a row version (an
            # upsert would, on every transaction of a hot SKU); rows not there yet are made
            # first, and locked the same way.
            rows = self._fetch(_LOCK_ROWS, (chunk,))
            if len(rows) < len(chunk):
                self._fetch(_MAKE_ROWS, (self._moments.bind(at), chunk))
                rows = self._fetch(_LOCK_ROWS, (chunk,))
            for sku, advertised, current in rows:
                found[sku] = advertised
                revision = current
        if revision is None:
            revision = self.revision()
        return int(revision or 0), found

    # Reading the inputs

    def inputs(self, codes: Sequence[str], at: datetime, *, old: bool) -> Inputs:
        """In one round trip: the configuration revision, (old) the stored numbers, and the
        available units by location, demand rates by channel, units open orders hold by
        location and channel, and shrink rates by location of these SKUs. at: when rows that lock makes (more than 500 SKUs,
        old) were computed."""
        if len(codes) > _CHUNK:
            stored = self.lock(codes, at) if old else {}
            rates = by_sku(self.demand(codes))
            return (
                self.revision(),
                stored,
                self.available(codes),
                rates,
                self.held(codes),
                self.shrink_rates(codes),
            )
        rows = self._fetch(*inputs_query(codes, old=old, postgresql=self._postgresql))
        return parsed(rows, self._moments.read)

    def lock_then_read(self, codes: Sequence[str], at: datetime) -> Inputs:
        """PostgreSQL: lock, then inputs (with the stored numbers), sent together in one round
        trip. The server runs the read once the locks are granted, with a snapshot of its own
        (READ COMMITTED), so it sees whatever the locks waited for."""
        wanted = sorted(set(codes))
        if len(wanted) > _CHUNK or not self._postgresql:
            revision, stored = self.lock_reading_revision(wanted, at)
            _, _, available, rates, held, shrink = self.inputs(wanted, at, old=False)
            return revision, stored, available, rates, held, shrink
        sql, parameters = inputs_query(wanted, old=False, postgresql=True, revision=False)
        sql = sql.replace("?", "%s")
        database: Any = self._connection.connection.dbapi_connection
        with database.pipeline():
            lock, read = database.cursor(), database.cursor()
            lock.execute(_LOCK_ROWS, (wanted,))
            read.execute(sql, parameters)
        locked, rows = lock.fetchall(), read.fetchall()
        if len(locked) < len(wanted):  # SKUs without a row yet: make them, lock, read again
            self._fetch(_MAKE_ROWS, (self._moments.bind(at), wanted))
            locked = self._fetch(_LOCK_ROWS, (wanted,))
            rows = self._fetch(sql, parameters)
        _, _, available, rates, held, shrink = parsed(rows, self._moments.read)
        revision = int(locked[0][2] or 0) if locked else self.revision()
        stored = {sku: advertised for sku, advertised, _ in locked}
        return revision, stored, available, rates, held, shrink

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

    def held(self, codes: Sequence[str]) -> Held:
        """Units open orders hold of these SKUs, by SKU, location and channel (nonzero only)."""
        found: Held = {}
        for start in range(0, len(codes), _CHUNK):
            rows = self._connection.execute(_HELD, {"skus": list(codes[start : start + _CHUNK])})
            for sku, location, channel, units in rows:
                found.setdefault(sku, {}).setdefault(location, {})[channel] = int(units)
        return found

    def bundles_of(self, components: Iterable[str]) -> dict[str, list[str]]:
        """The bundles each of these SKUs is a component of."""
        wanted = sorted(set(components))
        found: dict[str, list[str]] = {}
        for start in range(0, len(wanted), _CHUNK):
            rows = self._connection.execute(_BUNDLES_OF, {"skus": wanted[start : start + _CHUNK]})
            for bundle, component in rows:
                found.setdefault(component, []).append(bundle)
        return found

    # The numbers

    def stored(self, sku: str) -> tuple[dict[str, int], datetime | None]:
        row = self._connection.execute(
            select(availability.c.advertised, availability.c.computed_at).where(
                availability.c.sku == sku
            )
        ).first()
        if row is None or row.advertised == NONE_YET:
            return {}, None
        return decode(row.advertised), row.computed_at

    def write(self, numbers: Mapping[str, str], at: datetime) -> None:
        """Store the numbers (as text) decided for these SKUs."""
        self.write_texts(numbers, at)

    def write_texts(self, numbers: Mapping[str, str], at: datetime) -> None:
        """write, straight through the driver: on PostgreSQL for rows this transaction locked
        (and so made), on SQLite for rows that may not exist yet."""
        if not numbers:
            return
        stamp = self._moments.bind(at)
        cursor = self._cursor()
        try:
            if self._postgresql:
                # The rows exist: every writer locked (and so made) them first. One statement,
                # a parameter per column (see _driver.BulkInsert).
                cursor.execute(
                    "UPDATE availability AS a SET advertised = v.advertised, computed_at = %b "
                    "FROM unnest(%b::text[], %b::text[]) AS v(sku, advertised) "
                    "WHERE a.sku = v.sku",
                    (stamp, list(numbers), list(numbers.values())),
                )
            else:
                cursor.executemany(
                    "INSERT INTO availability (sku, advertised, computed_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (sku) DO UPDATE SET "
                    "advertised = excluded.advertised, computed_at = excluded.computed_at",
                    [(sku, text, stamp) for sku, text in numbers.items()],
                )
        finally:
            cursor.close()


def _in(column: Any) -> Any:
    return column.in_(bindparam("skus", expanding=True))


_LOCK_ROWS = (
    "SELECT sku, advertised, (SELECT revision FROM availability_revision WHERE id = 1) "
    "FROM availability WHERE sku = ANY(%s) ORDER BY sku FOR UPDATE OF availability"
)
_MAKE_ROWS = (
    "INSERT INTO availability (sku, advertised, computed_at) "
    "SELECT code, '', %s FROM unnest(%s::text[]) AS code ORDER BY code "
    "ON CONFLICT (sku) DO NOTHING RETURNING sku"
)
_REVISION = select(availability_revision.c.revision).where(availability_revision.c.id == 1)
_AVAILABLE = select(balances.c.sku, balances.c.location, balances.c.available).where(
    _in(balances.c.sku)
)
_HELD = select(holdings.c.sku, holdings.c.location, holdings.c.channel, holdings.c.units).where(
    _in(holdings.c.sku), holdings.c.units > 0
)
_BUNDLES_OF = select(bundle_components.c.bundle, bundle_components.c.component).where(
    _in(bundle_components.c.component)
)
