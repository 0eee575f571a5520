"""The advertised numbers per SKU, the inputs they are decided from (available stock, demand),
the outbox they feed, and the revision that tells processes their cached configuration is old.

Concurrency: a transaction decides a SKU's numbers only while holding its availability row
(PostgreSQL: ``lock`` creates or locks it, in SKU order, after every balance lock the transaction
takes) and reads the stock after that, so it sees what any earlier decider committed. On SQLite
the database write lock (BEGIN IMMEDIATE) already makes deciders take turns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select

from stockpool.domain.advertised import decode
from stockpool.domain.demand import Rate
from stockpool.store.repositories._dialect import insert
from stockpool.store.repositories._driver import moments
from stockpool.store.tables import (
    availability,
    availability_revision,
    balances,
    bundle_components,
    demand,
)

NONE_YET = ""  # advertised text of a row locked before its first decision

_CHUNK = 500


class AvailabilityRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._postgresql = connection.dialect.name == "postgresql"
        self._moments = moments(connection.dialect)

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

    # Numbers

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
            if self._postgresql:
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
                continue
            else:
                rows = self._fetch(
                    f"SELECT sku, advertised FROM availability WHERE sku IN ({_marks(chunk)})",
                    chunk,
                )
            found.update((sku, advertised) for sku, advertised in rows)
        if revision is None:
            revision = self.revision()
        return int(revision or 0), found

    def inputs(self, codes: Sequence[str], at: datetime, *, old: bool) -> Inputs:
        """In one round trip: the configuration revision, (old) the stored numbers, and the
        available units by location and demand rates by channel of these SKUs. at: when rows
        that lock makes (more than 500 SKUs, old) were computed."""
        if len(codes) > _CHUNK:
            stored = self.lock(codes, at) if old else {}
            return self.revision(), stored, self.available(codes), _by_sku(self.demand(codes))
        rows = self._fetch(*_inputs_query(codes, old=old, postgresql=self._postgresql))
        return _parsed(rows, self._moments.read)

    def lock_then_read(self, codes: Sequence[str], at: datetime) -> Inputs:
        """PostgreSQL: lock, then inputs (with the stored numbers), sent together in one round
        trip. The server runs the read once the locks are granted, with a snapshot of its own
        (READ COMMITTED), so it sees whatever the locks waited for."""
        wanted = sorted(set(codes))
        if len(wanted) > _CHUNK or not self._postgresql:
            revision, stored = self.lock_reading_revision(wanted, at)
            _, _, available, rates = self.inputs(wanted, at, old=False)
            return revision, stored, available, rates
        sql, parameters = _inputs_query(wanted, old=False, postgresql=True, revision=False)
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
        _, _, available, rates = _parsed(rows, self._moments.read)
        revision = int(locked[0][2] or 0) if locked else self.revision()
        return revision, {sku: advertised for sku, advertised, _ in locked}, available, rates

    def write(self, numbers: Mapping[str, str], at: datetime) -> None:
        """Store the numbers (as text) decided for these SKUs."""
        self.write_texts(numbers, at)

    def _fetch(self, sql: str, parameters: Sequence[object]) -> list[tuple[Any, ...]]:
        """sql (with ? marks) run on the driver's own cursor, inside the transaction."""
        if self._postgresql:
            sql = sql.replace("?", "%s")
        cursor: Any = self._connection.connection.cursor()
        try:
            cursor.execute(sql, parameters)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def stored(self, sku: str) -> tuple[dict[str, int], datetime | None]:
        row = self._connection.execute(
            select(availability.c.advertised, availability.c.computed_at).where(
                availability.c.sku == sku
            )
        ).first()
        if row is None or row.advertised == NONE_YET:
            return {}, None
        return decode(row.advertised), row.computed_at

    # A full recompute reads a range of SKUs at a time, straight from the driver: the SKUs of a
    # catalog, several times over, make row handling the cost that counts.

    def lock_range(self, first: str, last: str, at: datetime) -> dict[str, str]:
        """lock for every SKU from first to last (in code order). PostgreSQL creates the rows
        of SKUs that have none, then locks the range in key order."""
        p = self._param
        cursor: Any = self._connection.connection.cursor()
        try:
            if self._postgresql:
                cursor.execute(
                    "INSERT INTO availability (sku, advertised, computed_at) "
                    f"SELECT code, '', {p} FROM skus WHERE code >= {p} AND code <= {p} "
                    "ON CONFLICT (sku) DO NOTHING",
                    (self._moments.bind(at), first, last),
                )
            cursor.execute(
                f"SELECT sku, advertised FROM availability WHERE sku >= {p} AND sku <= {p} "
                "ORDER BY sku" + (" FOR UPDATE" if self._postgresql else ""),
                (first, last),
            )
            return dict(cursor.fetchall())
        finally:
            cursor.close()

    def stock_range(
        self, first: str, last: str, locations: Sequence[str]
    ) -> dict[str, tuple[int, ...]]:
        """Available units of every SKU from first to last that has a balance, one number per
        location given (in that order), summed by the database."""
        if not locations:
            return {}
        p = self._param
        columns = ", ".join(
            f"SUM(CASE WHEN location = {p} THEN available ELSE 0 END)" for _ in locations
        )
        cursor: Any = self._connection.connection.cursor()
        try:
            cursor.execute(
                f"SELECT sku, {columns} FROM balances WHERE sku >= {p} AND sku <= {p} GROUP BY sku",
                (*locations, first, last),
            )
            return {row[0]: tuple(map(int, row[1:])) for row in cursor.fetchall()}
        finally:
            cursor.close()

    def demand_by_sku(self, first: str, last: str) -> dict[str, dict[str, Rate]]:
        p = self._param
        read = self._moments.read
        cursor: Any = self._connection.connection.cursor()
        found: dict[str, dict[str, Rate]] = {}
        try:
            cursor.execute(
                "SELECT sku, channel, units_per_hour, as_of FROM demand "
                f"WHERE sku >= {p} AND sku <= {p}",
                (first, last),
            )
            for sku, channel, rate, as_of in cursor.fetchall():
                found.setdefault(sku, {})[channel] = Rate(float(rate), read(as_of))
        finally:
            cursor.close()
        return found

    def write_texts(self, numbers: Mapping[str, str], at: datetime) -> None:
        """write, straight through the driver: on PostgreSQL for rows this transaction locked
        (and so made), on SQLite for rows that may not exist yet."""
        if not numbers:
            return
        stamp = self._moments.bind(at)
        cursor: Any = self._connection.connection.cursor()
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

    @property
    def _param(self) -> str:
        return "%s" if self._postgresql else "?"

    def sku_codes(self, *, after: str | None, limit: int) -> list[str]:
        """SKU codes in order, a page at a time."""
        p = self._param
        cursor: Any = self._connection.connection.cursor()
        try:
            if after is None:
                cursor.execute(f"SELECT code FROM skus ORDER BY code LIMIT {p}", (limit,))
            else:
                cursor.execute(
                    f"SELECT code FROM skus WHERE code > {p} ORDER BY code LIMIT {p}",
                    (after, limit),
                )
            return [row[0] for row in cursor.fetchall()]
        finally:
            cursor.close()

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

    def demand(self, codes: Sequence[str]) -> dict[tuple[str, str], Rate]:
        found: dict[tuple[str, str], Rate] = {}
        for start in range(0, len(codes), _CHUNK):
            rows = self._connection.execute(_DEMAND, {"skus": list(codes[start : start + _CHUNK])})
            found.update(((r.sku, r.channel), Rate(r.units_per_hour, r.as_of)) for r in rows)
        return found

    def write_demand(self, rates: Mapping[tuple[str, str], Rate]) -> None:
        if not rates:
            return
        p = self._param
        bind = self._moments.bind
        cursor: Any = self._connection.connection.cursor()
        try:
            cursor.executemany(
                "INSERT INTO demand (sku, channel, units_per_hour, as_of) "
                f"VALUES ({p}, {p}, {p}, {p}) ON CONFLICT (sku, channel) DO UPDATE SET "
                "units_per_hour = excluded.units_per_hour, as_of = excluded.as_of",
                [(s, c, r.units_per_hour, bind(r.as_of)) for (s, c), r in sorted(rates.items())],
            )
        finally:
            cursor.close()

    def queue_changed(self, changed: Sequence[tuple[str, str, int]], at: datetime) -> None:
        """(sku, channel, number): queue the number for every listing of the SKU on the
        channel - found and queued in one statement."""
        if not changed:
            return
        stamp = self._moments.bind(at)
        cursor: Any = self._connection.connection.cursor()
        upsert = (
            "ON CONFLICT (channel, channel_sku) DO UPDATE SET quantity = excluded.quantity, "
            "sku = excluded.sku, version = sync_outbox.version + 1, "
            "changed_at = excluded.changed_at"
        )
        try:
            if self._postgresql:
                ordered = sorted(changed)
                cursor.execute(
                    "INSERT INTO sync_outbox (channel, channel_sku, sku, quantity, version, "
                    "queued_at, changed_at) SELECT l.channel, l.channel_sku, l.sku, v.quantity, "
                    "1, %b, %b FROM listings AS l JOIN unnest(%b::text[], %b::text[], "
                    "%b::bigint[]) AS v(sku, channel, quantity) "
                    "ON l.sku = v.sku AND l.channel = v.channel "
                    f"ORDER BY l.channel, l.channel_sku {upsert}",
                    (
                        stamp,
                        stamp,
                        [sku for sku, _, _ in ordered],
                        [channel for _, channel, _ in ordered],
                        [number for _, _, number in ordered],
                    ),
                )
            else:
                cursor.executemany(
                    "INSERT INTO sync_outbox (channel, channel_sku, sku, quantity, version, "
                    "queued_at, changed_at) SELECT channel, channel_sku, sku, ?, 1, ?, ? "
                    f"FROM listings WHERE sku = ? AND channel = ? {upsert}",
                    [(n, stamp, stamp, sku, ch) for sku, ch, n in sorted(changed)],
                )
        finally:
            cursor.close()

    def listings_of(self, codes: Sequence[str]) -> list[tuple[str, str, str]]:
        """(channel, channel_sku, sku) of every listing of these SKUs."""
        found: list[tuple[str, str, str]] = []
        for start in range(0, len(codes), _CHUNK):
            chunk = list(codes[start : start + _CHUNK])
            found += self._fetch(
                f"SELECT channel, channel_sku, sku FROM listings WHERE sku IN ({_marks(chunk)})",
                chunk,
            )
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

    # The outbox

    def queue(self, entries: Sequence[tuple[str, str, str, int]], at: datetime) -> None:
        """(channel, channel_sku, sku, quantity): each listing's new number waits to be pushed.
        A listing already waiting keeps its place (queued_at) and takes the newer number."""
        if not entries:
            return
        p = self._param
        stamp = self._moments.bind(at)
        cursor: Any = self._connection.connection.cursor()
        try:
            cursor.executemany(
                "INSERT INTO sync_outbox (channel, channel_sku, sku, quantity, version, queued_at, "
                f"changed_at) VALUES ({p}, {p}, {p}, {p}, 1, {p}, {p}) "
                "ON CONFLICT (channel, channel_sku) DO UPDATE SET quantity = excluded.quantity, "
                "sku = excluded.sku, version = sync_outbox.version + 1, "
                "changed_at = excluded.changed_at",
                [(c, code, sku, n, stamp, stamp) for c, code, sku, n in sorted(entries)],
            )
        finally:
            cursor.close()


Inputs = tuple[int, dict[str, str], dict[str, dict[str, int]], dict[str, dict[str, Rate]]]


def _inputs_query(
    codes: Sequence[str], *, old: bool, postgresql: bool, revision: bool = True
) -> tuple[str, list[object]]:
    """One statement for (revision) the revision, the balances and demand (and, old, the
    stored numbers) of codes: a UNION of rows tagged by what they are."""
    marks = _marks(codes)
    typed = (
        "CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST({} AS BIGINT), "
        f"CAST(NULL AS {'DOUBLE PRECISION' if postgresql else 'REAL'}), "
        f"CAST(NULL AS {'TIMESTAMPTZ' if postgresql else 'TEXT'})"
    )
    parts = [
        # The first SELECT gives the columns their types (PostgreSQL needs them).
        f"SELECT 'r', {typed.format('revision')} FROM availability_revision WHERE id = 1"
        if revision
        else f"SELECT 'r', {typed.format('NULL')} WHERE 1 = 0",
        f"SELECT 'b', sku, location, available, NULL, NULL FROM balances WHERE sku IN ({marks})",
        f"SELECT 'd', sku, channel, NULL, units_per_hour, as_of FROM demand WHERE sku IN ({marks})",
    ]
    parameters: list[object] = [*codes, *codes]
    if old:
        parts.append(
            f"SELECT 'a', sku, advertised, NULL, NULL, NULL FROM availability WHERE sku IN ({marks})"
        )
        parameters += codes
    return " UNION ALL ".join(parts), parameters


def _parsed(rows: Sequence[tuple[Any, ...]], read: Callable[[Any], datetime]) -> Inputs:
    revision = 0
    numbers: dict[str, str] = {}
    available: dict[str, dict[str, int]] = {}
    rates: dict[str, dict[str, Rate]] = {}
    for kind, sku, text, number, rate, as_of in rows:
        if kind == "b":
            available.setdefault(sku, {})[text] = int(number)
        elif kind == "d":
            rates.setdefault(sku, {})[text] = Rate(float(rate), read(as_of))
        elif kind == "a":
            numbers[sku] = text
        else:
            revision = int(number)
    return revision, numbers, available, rates


def _marks(codes: Sequence[str]) -> str:
    return ", ".join("?" * len(codes))


def _by_sku(rates: Mapping[tuple[str, str], Rate]) -> dict[str, dict[str, Rate]]:
    found: dict[str, dict[str, Rate]] = {}
    for (sku, channel), rate in rates.items():
        found.setdefault(sku, {})[channel] = rate
    return found


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
_DEMAND = select(demand).where(_in(demand.c.sku))
_BUNDLES_OF = select(bundle_components.c.bundle, bundle_components.c.component).where(
    _in(bundle_components.c.component)
)
