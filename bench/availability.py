"""Channel availability: a full recompute of every SKU against the raw engine summing balances,
and a movement with its incremental recompute against the same movement without it.

Part A, full recompute (target: recompute_all() of --skus SKUs x 3 channels <= 3x raw). A catalog
of SKUs SKU-000000 ..., 3 channels (shopify, amazon, walmart), 2 locations (DAL-1 serves them all,
FBA-US amazon only), a balance per SKU and location (available 0..30, fixed seed) and demand for
a fraction of the SKUs on every channel, written straight into the tables. After one cold
recompute_all() (every number written for the first time, reported once), three sides are timed
round by round, the side going first rotating:

* raw:    SELECT sku, SUM(available) FROM balances GROUP BY sku, fetched in full through the bare
          DBAPI driver (stdlib sqlite3 with the app's pragmas, or psycopg 3);
* steady: container.availability.recompute_all() when nothing changed;
* policy: container.policies.put_channel("walmart", Policy(cap=3)), then cap=4, alternating: every
          SKU whose walmart number the cap binds changes and is written, in one transaction.

Part B, incremental (target: a movement with its recompute takes <= 1.5x one without). On 10,001
SKUs seeded through the services at one location (BENCH-1, serving the 3 channels), two
containers on the same database each move 1 unit from available to damaged per call of
container.stock.execute(Move(...)):

* with:    the app as it is: the transaction recomputes the SKU's numbers before it commits;
* without: a container whose availability.follow is switched off.

Two shapes, hot (every movement on one SKU) and spread (round-robin over 10,000 SKUs), first with
no listings, then with an amazon listing for every SKU (each movement then also queues a push in
sync_outbox). Every side runs --rounds rounds of --movements movements per shape and variant, the
side going first rotating each round; a side's figure is the median of its rounds.

Engines: SQLite (synchronous=FULL) in a temporary directory, and PostgreSQL when
STOCKPOOL_BENCH_DATABASE_URL names a database the bench may wipe (its schema public is dropped,
recreated and migrated, once per part).

Run from the repository root:

    .venv/bin/python bench/availability.py              # full run (make bench)
    .venv/bin/python bench/availability.py --quick      # a short run, to try it out
    STOCKPOOL_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1/stockpool_bench \\
        .venv/bin/python bench/availability.py
"""

from __future__ import annotations

import argparse
import hashlib
import io
import itertools
import json
import math
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

import psycopg
import sqlalchemy
from sqlalchemy import text
from sqlalchemy.engine import make_url

import stockpool
from movements import (
    ACTOR,
    HOT_SKU,
    LOCATION,
    PG_URL_VARIABLE,
    SEED_BATCH,
    SPREAD_SKUS,
    Database,
    Mover,
    PostgresRaw,
    SqliteRaw,
    libpq_url,
    postgresql_database,
    rotated,
    server_version,
    service_mover,
    sqlite_database,
    timed,
    verify,
)
from stockpool.bootstrap import Container, bootstrap
from stockpool.config import Settings
from stockpool.domain.catalog import Location, LocationKind, Sku
from stockpool.domain.channels import Channel, Platform
from stockpool.domain.operations import Receive
from stockpool.domain.policies import Policy
from stockpool.domain.states import ALL_STATES
from stockpool.store.migrate import upgrade

T = TypeVar("T")

CHANNELS = (
    Channel("shopify", Platform.SHOPIFY),
    Channel("amazon", Platform.AMAZON),
    Channel("walmart", Platform.WALMART),
)
CHANNEL_CODES = tuple(channel.code for channel in CHANNELS)

# Part A: the catalog.
CATALOG_LOCATIONS = (
    Location("DAL-1", LocationKind.WAREHOUSE, "Dallas"),
    Location("FBA-US", LocationKind.MARKETPLACE_FULFILLED, "FBA", frozenset({"amazon"})),
)
SEED = 4  # of the random stock and demand
MOST_AVAILABLE = 30  # each balance holds 0..30 available units
CAPPED = "walmart"
CAPS = (3, 4)  # the policy side alternates between them; both bind for most SKUs
RECOMPUTE_SIDES = ("raw", "steady", "policy")
RECOMPUTE_TARGET = 3.0  # the goal: a full recompute <= 3x the raw GROUP BY

# Part B: movements.
INCREMENTAL_SIDES = ("with", "without")
VARIANTS = ("unlisted", "listed")
LISTED = "amazon"  # the listed variant gives every SKU a listing on this channel
MARGIN = 100  # units per SKU beyond what the movements take: numbers stay well above 0
INCREMENTAL_TARGET = 1.5  # the goal: a movement with its recompute <= 1.5x without

SUM_SQL = "SELECT sku, SUM(available) FROM balances GROUP BY sku"
SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # the text SQLAlchemy stores for a UTC timestamp


@dataclass(frozen=True)
class Plan:
    skus: int  # part A's catalog
    selling: float  # the share of it with demand
    rounds: int
    movements: int  # part B: per side, shape, variant and round
    warmup: int  # part B: untimed movements per side, shape and variant, first
    parts: tuple[str, ...]


# Databases and containers.


def settings_for(database: Database) -> Settings:
    return Settings(
        database_url=database.url,
        sqlite_synchronous=database.synchronous,
        availability_refresh_seconds=0,
    )


def fresh_container(database: Database) -> Container:
    """A container on the database, wiped (PostgreSQL) and migrated."""
    container = bootstrap(settings_for(database))
    if database.is_postgresql:
        with container.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    upgrade(container.engine)
    return container


def sqlite_path(database: Database) -> Path:
    path = make_url(database.url).database
    assert path is not None
    return Path(path)


def vacuum(container: Container, tables: str) -> Callable[[], None]:
    """VACUUM ANALYZE of the tables, as autovacuum would run in production (this machine's
    server runs without it): rows rewritten on every run or movement otherwise leave dead
    versions that every later side has to step over."""

    def run() -> None:
        with container.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text(f"VACUUM ANALYZE {tables}")
            )

    return run


def nothing() -> None:
    return None


def rounds_of(
    sides: Mapping[str, Callable[[], T]], rounds: int, tidy: Callable[[], None]
) -> tuple[dict[str, list[float]], dict[str, list[T]]]:
    """Each side once per round, the side going first rotating; tidy runs, untimed, before each
    side's turn. Seconds per run, and what each run returned."""
    seconds: dict[str, list[float]] = {side: [] for side in sides}
    returned: dict[str, list[T]] = {side: [] for side in sides}
    for round_number in range(rounds):
        for side in rotated(list(sides), round_number):
            tidy()
            start = time.perf_counter()
            value = sides[side]()
            seconds[side].append(time.perf_counter() - start)
            returned[side].append(value)
    return seconds, returned


# Part A: the raw side.


class SqliteSum(SqliteRaw):
    """The GROUP BY on stdlib sqlite3, set up as stockpool's engine sets up each connection."""

    def run(self) -> int:
        return len(self._db.execute(SUM_SQL).fetchall())


class PostgresSum(PostgresRaw):
    """The GROUP BY on psycopg 3, one connection."""

    def run(self) -> int:
        rows = self._cursor.execute(SUM_SQL).fetchall()
        self._db.commit()  # ends the transaction psycopg began for it
        return len(rows)


def open_sum(database: Database) -> SqliteSum | PostgresSum:
    if database.is_postgresql:
        return PostgresSum(database.url)
    return SqliteSum(sqlite_path(database), database.synchronous)


# Part A: the catalog, written straight into the tables.


@dataclass(frozen=True)
class Catalog:
    codes: list[str]
    stock: dict[tuple[str, str], int]  # (sku, location): available
    rates: dict[tuple[str, str], float]  # (sku, channel): units per hour

    @property
    def selling(self) -> int:
        return len({sku for sku, _ in self.rates})


def make_catalog(plan: Plan) -> Catalog:
    rng = random.Random(SEED)
    codes = [f"SKU-{n:06d}" for n in range(plan.skus)]
    stock = {
        (code, location.code): rng.randint(0, MOST_AVAILABLE)
        for code in codes
        for location in CATALOG_LOCATIONS
    }
    selling = sorted(rng.sample(codes, round(plan.skus * plan.selling)))
    rates = {(code, channel): rng.uniform(0.01, 3) for code in selling for channel in CHANNEL_CODES}
    return Catalog(codes, stock, rates)


BALANCE_COLUMNS = ("sku", "location", *(state.value for state in ALL_STATES))


def balance_rows(catalog: Catalog) -> list[tuple[Any, ...]]:
    zeros = {state.value: 0 for state in ALL_STATES}
    rows = []
    for (sku, location), available in catalog.stock.items():
        row = {"sku": sku, "location": location, **zeros, "available": available}
        rows.append(tuple(row[column] for column in BALANCE_COLUMNS))
    return rows


def write_catalog(database: Database, catalog: Catalog, at: datetime) -> None:
    """SKUs, balances and demand in bulk through the driver: the services would take minutes for
    a catalog this size and store exactly these rows (a SKU, a balance per location, a rate)."""
    balances = balance_rows(catalog)
    columns = ", ".join(BALANCE_COLUMNS)
    if database.is_postgresql:
        with psycopg.connect(libpq_url(database.url)) as db, db.cursor() as cursor:
            with cursor.copy("COPY skus (code, name, created_at, updated_at) FROM STDIN") as copy:
                for code in catalog.codes:
                    copy.write_row((code, "", at, at))
            with cursor.copy(f"COPY balances ({columns}) FROM STDIN") as copy:
                for row in balances:
                    copy.write_row(row)
            with cursor.copy(
                "COPY demand (sku, channel, units_per_hour, as_of) FROM STDIN"
            ) as copy:
                for (sku, channel), rate in catalog.rates.items():
                    copy.write_row((sku, channel, rate, at))
            # Planner statistics for the freshly loaded tables (see bench/movements.py).
            cursor.execute("ANALYZE")
        return
    stamp = at.strftime(SQLITE_TIME)
    db = sqlite3.connect(sqlite_path(database), isolation_level=None)
    try:
        db.execute("BEGIN")
        db.executemany(
            "INSERT INTO skus (code, name, created_at, updated_at) VALUES (?, '', ?, ?)",
            [(code, stamp, stamp) for code in catalog.codes],
        )
        marks = ", ".join("?" for _ in BALANCE_COLUMNS)
        db.executemany(f"INSERT INTO balances ({columns}) VALUES ({marks})", balances)
        db.executemany(
            "INSERT INTO demand (sku, channel, units_per_hour, as_of) VALUES (?, ?, ?, ?)",
            [(sku, channel, rate, stamp) for (sku, channel), rate in catalog.rates.items()],
        )
        db.execute("COMMIT")
    finally:
        db.close()


def decode(advertised: str) -> dict[str, int]:
    """A SKU's numbers from the JSON text the availability table holds."""
    numbers: dict[str, int] = json.loads(advertised)
    return numbers


def stored_texts(container: Container) -> dict[str, str]:
    with container.engine.connect() as connection:
        rows = connection.execute(text("SELECT sku, advertised FROM availability"))
        return {sku: advertised for sku, advertised in rows}


# Part A: the run.


@dataclass(frozen=True)
class RecomputeResult:
    engine: str
    skus: int
    selling: int
    cold: float  # seconds of the first recompute_all, writing every number
    cold_raw: float  # seconds of the raw run just before it
    seconds: dict[str, list[float]]  # side -> seconds of each round's run
    steady_changed: list[int]  # Recomputed.changed of each steady run
    policy_changed: int  # SKUs whose numbers a policy run changed (the check's own run)
    policy_other: int  # of those, SKUs whose other channels' numbers moved too

    def median(self, side: str) -> float:
        return statistics.median(self.seconds[side])

    def ratio(self, side: str) -> float:
        """Median seconds of side over median seconds of raw."""
        return self.median(side) / self.median("raw")

    def paired(self, side: str) -> float:
        """Median over rounds of side/raw within one round: blind to drifts between rounds."""
        pairs = zip(self.seconds[side], self.seconds["raw"], strict=True)
        return statistics.median(mine / raw for mine, raw in pairs)


def run_recompute(database: Database, plan: Plan) -> RecomputeResult:
    label = database.label
    print(f"[{label}] recompute: seeding {plan.skus:,} SKUs ...", file=sys.stderr)
    container = fresh_container(database)
    raw = None
    try:
        for channel in CHANNELS:
            container.channels.put(channel)
        container.catalog.put_locations(list(CATALOG_LOCATIONS))
        catalog = make_catalog(plan)
        write_catalog(database, catalog, datetime.now(UTC))
        raw = open_sum(database)

        def raw_side() -> int:
            assert raw is not None
            groups = raw.run()
            if groups != plan.skus:
                raise RuntimeError(f"raw: {groups} SKUs summed, expected {plan.skus}")
            return 0

        def steady_side() -> int:
            done = container.availability.recompute_all()
            if done.skus != plan.skus:
                raise RuntimeError(f"steady: {done} for {plan.skus} SKUs")
            return done.changed

        caps = itertools.cycle(CAPS)
        last_cap = [0]

        def policy_side() -> int:
            last_cap[0] = next(caps)
            container.policies.put_channel(CAPPED, Policy(cap=last_cap[0]))
            return 0

        raw_side()  # untimed: the balances into the cache
        start = time.perf_counter()
        raw_side()
        cold_raw = time.perf_counter() - start
        print(f"[{label}] recompute: cold recompute_all ...", file=sys.stderr)
        start = time.perf_counter()
        done = container.availability.recompute_all()
        cold = time.perf_counter() - start
        if (done.skus, done.changed) != (plan.skus, plan.skus):
            raise RuntimeError(f"cold: {done}, expected every one of {plan.skus} SKUs changed")
        policy_side()  # untimed warm-up: the first cap, over numbers no cap bound yet
        print(f"[{label}] recompute: timing ...", file=sys.stderr)
        sides: dict[str, Callable[[], int]] = {
            "raw": raw_side,
            "steady": steady_side,
            "policy": policy_side,
        }
        tidy = vacuum(container, "availability") if database.is_postgresql else nothing
        seconds, returned = rounds_of(sides, plan.rounds, tidy)
        changed, other = verify_recompute(container, catalog, last_cap[0])
        return RecomputeResult(
            label,
            plan.skus,
            catalog.selling,
            cold,
            cold_raw,
            seconds,
            returned["steady"],
            changed,
            other,
        )
    finally:
        if raw is not None:
            raw.close()
        container.close()


def verify_recompute(container: Container, catalog: Catalog, cap: int) -> tuple[int, int]:
    """Every SKU has its three numbers, within its stock and the cap; a sample matches deciding
    afresh (explain); one more policy run (the other cap) changes the capped numbers. Returns
    how many SKUs that run changed, and of those how many changed on another channel too."""
    dallas, fba = (location.code for location in CATALOG_LOCATIONS)
    texts = stored_texts(container)
    if len(texts) != len(catalog.codes):
        raise RuntimeError(f"{len(texts)} availability rows for {len(catalog.codes)} SKUs")
    for code in catalog.codes:
        numbers = decode(texts[code])
        if set(numbers) != set(CHANNEL_CODES):
            raise RuntimeError(f"{code}: numbers {texts[code]!r}")
        local = catalog.stock[(code, dallas)]
        if not (
            numbers[CAPPED] <= cap
            and numbers["shopify"] <= local
            and numbers["walmart"] <= local
            and numbers["amazon"] <= local + catalog.stock[(code, fba)]
        ):
            raise RuntimeError(f"{code}: numbers {numbers} beyond stock {local} or cap {cap}")
    sample = catalog.codes[:: max(1, len(catalog.codes) // 200)]
    for attempt in range(2):  # real time passes: a decaying demand may cross a step meanwhile
        container.availability.recompute_all()
        texts = stored_texts(container)
        wrong = [
            code
            for code in sample
            if decode(texts[code])
            != {c.channel: c.advertised for c in container.availability.explain(code).channels}
        ]
        if not wrong:
            break
        if attempt:
            raise RuntimeError(f"stored numbers differ from explain for {wrong[:5]} ...")
    other_cap = CAPS[1 - CAPS.index(cap)]
    container.policies.put_channel(CAPPED, Policy(cap=other_cap))
    after = stored_texts(container)
    changed = [code for code in catalog.codes if after[code] != texts[code]]
    moved_other = 0
    for code in changed:
        old, new = decode(texts[code]), decode(after[code])
        if new[CAPPED] > other_cap:
            raise RuntimeError(f"{code}: {CAPPED} shows {new[CAPPED]} over the cap {other_cap}")
        moved_other += any(old[c] != new[c] for c in CHANNEL_CODES if c != CAPPED)
    print(
        f"  verify [recompute]: {len(texts):,} SKUs with {len(CHANNEL_CODES)} numbers each, "
        f"within stock and cap; {len(sample)} match explain; a policy run (cap {cap} -> "
        f"{other_cap}) changed {len(changed):,} SKUs' numbers"
    )
    return len(changed), moved_other


# Part B: movements with and without their recompute.


@dataclass(frozen=True)
class IncrementalResult:
    engine: str
    variant: str
    shape: str
    rates: dict[str, list[float]]  # side -> movements/s of each round

    def median(self, side: str) -> float:
        return statistics.median(self.rates[side])

    def ratio(self) -> float:
        """Time of a movement with the recompute over one without: median rates inverted."""
        return self.median("without") / self.median("with")

    def paired(self) -> float:
        """Median over rounds of the time ratio within one round."""
        pairs = zip(self.rates["without"], self.rates["with"], strict=True)
        return statistics.median(without / with_ for without, with_ in pairs)


def incremental_stock(plan: Plan) -> dict[str, int]:
    """Enough available stock that no side ever runs short, and numbers stay well above 0."""
    per_side = plan.rounds * plan.movements + plan.warmup  # per shape and variant
    turns = len(INCREMENTAL_SIDES) * len(VARIANTS)
    stock = {HOT_SKU: turns * per_side + MARGIN}
    spread = turns * math.ceil(per_side / len(SPREAD_SKUS)) + MARGIN
    stock.update(dict.fromkeys(SPREAD_SKUS, spread))
    return stock


def seed_incremental(container: Container, stock: Mapping[str, int]) -> None:
    for channel in CHANNELS:
        container.channels.put(channel)
    container.catalog.put_locations([Location(LOCATION, LocationKind.WAREHOUSE, "Bench")])
    container.catalog.put_skus([Sku(code) for code in stock])
    receipts = [Receive(sku, LOCATION, qty, reference="bench seed") for sku, qty in stock.items()]
    for start in range(0, len(receipts), SEED_BATCH):  # as bench/movements.py seeds
        container.stock.execute_all(receipts[start : start + SEED_BATCH], actor=ACTOR)


def listing_csv(skus: Sequence[str]) -> str:
    lines = ["channel,channel_sku,sku", *(f"{LISTED},AMZ-{sku},{sku}" for sku in skus)]
    return "\n".join(lines) + "\n"


def run_movements(
    sides: Mapping[str, Mover], skus: Sequence[str], plan: Plan, tidy: Callable[[], None]
) -> dict[str, list[float]]:
    """Warm every side up, then time each side once per round, rotating who goes first; tidy
    runs untimed before each side's turn."""
    cursors = {side: itertools.cycle(skus) for side in sides}
    for side, move in sides.items():
        timed(move, cursors[side], plan.warmup)
    rates: dict[str, list[float]] = {side: [] for side in sides}
    for round_number in range(plan.rounds):
        for side in rotated(list(sides), round_number):
            tidy()
            rates[side].append(timed(sides[side], cursors[side], plan.movements))
    return rates


def run_incremental(database: Database, plan: Plan) -> list[IncrementalResult]:
    label = database.label
    stock = incremental_stock(plan)
    print(f"[{label}] incremental: seeding {len(stock):,} SKUs ...", file=sys.stderr)
    container = fresh_container(database)
    without: Container | None = None
    try:
        seed_incremental(container, stock)
        if database.is_postgresql:
            with container.engine.begin() as connection:
                connection.execute(text("ANALYZE"))  # see bench/movements.py
        without = bootstrap(settings_for(database))
        # The unit of work looks the hook up each time a transaction starts.
        without.availability.follow = lambda uow: None  # type: ignore[method-assign]
        sides: dict[str, Mover] = {
            "with": service_mover(container, keyed=False),
            "without": service_mover(without, keyed=False),
        }
        tidy = (
            vacuum(container, "balances, availability, sync_outbox")
            if database.is_postgresql
            else nothing
        )
        results = []
        for variant in VARIANTS:
            if variant == "listed":
                print(
                    f"[{label}] incremental: importing {len(stock):,} listings ...", file=sys.stderr
                )
                imported = container.listings.import_csv(io.StringIO(listing_csv(list(stock))))
                if imported.created != len(stock):
                    raise RuntimeError(f"listing import: {imported}")
                queued = outbox(container)
            for shape, skus in (("hot", (HOT_SKU,)), ("spread", SPREAD_SKUS)):
                print(f"[{label}] incremental: timing {variant} {shape} ...", file=sys.stderr)
                rates = run_movements(sides, skus, plan, tidy)
                results.append(IncrementalResult(label, variant, shape, rates))
        verify_incremental(container, sides["with"], plan, len(stock), queued)
        return results
    finally:
        if without is not None:
            without.close()
        container.close()


def outbox(container: Container) -> tuple[int, int]:
    """Rows in sync_outbox, and the sum of their versions (one more for every change queued)."""
    with container.engine.connect() as connection:
        rows, versions = connection.execute(
            text("SELECT COUNT(*), SUM(version) FROM sync_outbox")
        ).one()
    return int(rows), int(versions or 0)


def verify_incremental(
    container: Container, move: Mover, plan: Plan, listings: int, imported: tuple[int, int]
) -> None:
    """Every movement reached the balances and the ledger; the listed "with" movements queued
    pushes (imported: the outbox right after the listings were imported); a movement's recorded
    numbers, and its listing's queued push, are what deciding afresh gives."""
    per_side = plan.rounds * plan.movements + plan.warmup
    made = len(INCREMENTAL_SIDES) * len(VARIANTS) * 2 * per_side  # 2 shapes
    listed_with = 2 * per_side
    rows, versions = outbox(container)
    pushes = versions - imported[1]
    if rows != listings or imported[0] != listings or not 0 < pushes <= listed_with:
        raise RuntimeError(
            f"outbox: {rows} rows for {listings} listings, {pushes} pushes queued by "
            f"{listed_with} listed movements with the recompute"
        )
    checked = (HOT_SKU, SPREAD_SKUS[0], SPREAD_SKUS[len(SPREAD_SKUS) // 2])
    for sku in checked:
        move(sku)
        stored = container.availability.stored(sku)
        fresh = {c.channel: c.advertised for c in container.availability.explain(sku).channels}
        with container.engine.connect() as connection:
            queued = connection.execute(
                text("SELECT quantity FROM sync_outbox WHERE channel = :c AND channel_sku = :s"),
                {"c": LISTED, "s": f"AMZ-{sku}"},
            ).scalar_one()
        if stored != fresh or queued != stored[LISTED]:
            raise RuntimeError(f"{sku}: stored {stored}, explain {fresh}, queued {queued}")
    verify(container, made + len(checked))  # SUM(damaged) and the damage ledger lines
    print(
        f"  verify [incremental]: {made + len(checked):,} movements in balances and ledger; "
        f"{pushes:,} pushes queued by {listed_with:,} listed movements with the recompute; "
        f"recorded numbers of {len(checked)} SKUs match explain and their queued push"
    )


# Reporting.


def source() -> str:
    """Where stockpool was imported from: its commit, and whether the working tree differs
    from it (how many paths, and a digest of git diff HEAD)."""
    package = Path(stockpool.__file__).resolve().parent

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=package, capture_output=True, text=True, check=True
        ).stdout

    try:
        head = git("rev-parse", "--short", "HEAD").strip()
        changed = git("status", "--porcelain").splitlines()
        diff = git("diff", "HEAD")
    except (OSError, subprocess.CalledProcessError):
        return f"{package} (not a git checkout)"
    if not changed:
        return head
    digest = hashlib.sha256(diff.encode()).hexdigest()[:10]
    return f"{head} + uncommitted changes ({len(changed)} paths; git diff HEAD sha256 {digest})"


def print_header(plan: Plan, pg_url: str | None) -> None:
    pg = server_version(pg_url) if pg_url else f"skipped ({PG_URL_VARIABLE})"
    lines = {
        "date": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "stockpool": source(),
        "machine": f"{os.cpu_count()} CPUs, {platform.platform()}",
        "python": f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"SQLAlchemy {sqlalchemy.__version__}, psycopg {psycopg.__version__}",
        "postgresql": pg,
    }
    if "recompute" in plan.parts:
        lines["recompute"] = (
            f"{plan.skus:,} SKUs x {len(CHANNELS)} channels x {len(CATALOG_LOCATIONS)} locations, "
            f"{plan.selling:.0%} selling; {plan.rounds} rounds of one run per side"
        )
    if "incremental" in plan.parts:
        lines["incremental"] = (
            f"{len(SPREAD_SKUS) + 1:,} SKUs at 1 location; {plan.rounds} rounds x "
            f"{plan.movements} movements per side, shape and variant, {plan.warmup} warm-up"
        )
    lines["figures"] = "the median round"
    for name, value in lines.items():
        print(f"{name:<11} {value}")
    print()


def verdict(ratio: float, target: float) -> str:
    return "met" if ratio <= target else "missed"


RECOMPUTE_ROW = "{:<11} {:>8} {:>7} {:>8} {:>7} {:>7} {:>8} {:>7} {:>7}"


def print_recompute(results: Sequence[RecomputeResult]) -> None:
    print("Full recompute: seconds per run (median round), each side's time over raw's, and the")
    print("paired ratio (median over rounds of side/raw in the same round):")
    header = ("engine", "SKUs", "raw s", "steady s", "/raw", "paired", "policy s", "/raw", "paired")
    print(RECOMPUTE_ROW.format(*header))
    for r in results:
        print(
            RECOMPUTE_ROW.format(
                r.engine,
                f"{r.skus:,}",
                f"{r.median('raw'):.3f}",
                f"{r.median('steady'):.3f}",
                f"{r.ratio('steady'):.1f}x",
                f"{r.paired('steady'):.1f}x",
                f"{r.median('policy'):.3f}",
                f"{r.ratio('policy'):.1f}x",
                f"{r.paired('policy'):.1f}x",
            )
        )
    print()
    for r in results:
        cold = r.cold / r.cold_raw
        print(
            f"{r.engine}: full recompute <= {RECOMPUTE_TARGET:g}x raw: "
            f"steady {verdict(r.ratio('steady'), RECOMPUTE_TARGET)} "
            f"({r.ratio('steady'):.1f}x, paired {r.paired('steady'):.1f}x), "
            f"policy {verdict(r.ratio('policy'), RECOMPUTE_TARGET)} "
            f"({r.ratio('policy'):.1f}x, paired {r.paired('policy'):.1f}x), "
            f"cold {verdict(cold, RECOMPUTE_TARGET)} ({cold:.1f}x)"
        )
        print(
            f"  cold recompute_all (every number written the first time): {r.cold:.3f} s, "
            f"{cold:.1f}x the raw run just before it ({r.cold_raw:.3f} s), "
            f"{r.cold / r.median('raw'):.1f}x raw's median"
        )
        print(
            f"  {r.selling:,} SKUs selling; a policy run changed {r.policy_changed:,} SKUs' "
            f"numbers ({r.policy_other:,} of them on another channel too); steady runs "
            f"changed {', '.join(str(n) for n in r.steady_changed)}"
        )
    print("\nseconds of each round's run (in the order run):")
    for r in results:
        for side in RECOMPUTE_SIDES:
            rounds = " ".join(f"{s:>7.3f}" for s in r.seconds[side])
            print(f"  {r.engine:<11} {side:<8} {rounds}")
    print()


INCREMENTAL_ROW = "{:<11} {:<8} {:<7} {:>7} {:>9} {:>12} {:>7}  {}"


def print_incremental(results: Sequence[IncrementalResult]) -> None:
    print("Movements with and without their recompute: movements/s (median round), the time of a")
    print("movement with it over one without (median rates inverted), and the paired ratio:")
    print(
        INCREMENTAL_ROW.format(
            "engine",
            "variant",
            "shape",
            "with/s",
            "without/s",
            "with/without",
            "paired",
            f"<= {INCREMENTAL_TARGET:g}x",
        )
    )
    for r in results:
        print(
            INCREMENTAL_ROW.format(
                r.engine,
                r.variant,
                r.shape,
                f"{r.median('with'):,.0f}",
                f"{r.median('without'):,.0f}",
                f"{r.ratio():.2f}x",
                f"{r.paired():.2f}x",
                verdict(r.ratio(), INCREMENTAL_TARGET),
            )
        )
    print("\nmovements/s of each round (in the order run):")
    for r in results:
        for side in INCREMENTAL_SIDES:
            rounds = " ".join(f"{rate:>7,.0f}" for rate in r.rates[side])
            print(f"  {r.engine:<11} {r.variant:<8} {r.shape:<7} {side:<8} {rounds}")
    print()


# Entry point.

Part = Literal["recompute", "incremental"]
PARTS: tuple[Part, ...] = ("recompute", "incremental")


def parse_plan(argv: Sequence[str] | None) -> Plan:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a short run: 20,000 SKUs, 3 rounds, 300 movements",
    )
    parser.add_argument("--skus", type=int, metavar="N", help="SKUs of the full recompute (100000)")
    parser.add_argument(
        "--selling", type=float, default=0.1, metavar="F", help="share of them with demand (0.1)"
    )
    parser.add_argument("--rounds", type=int, help="rounds per part, shape and variant (5)")
    parser.add_argument(
        "--movements",
        type=int,
        metavar="N",
        help="movements per side, shape, variant and round (2000)",
    )
    parser.add_argument("--only", choices=PARTS, help="run one part only")
    args = parser.parse_args(argv)
    skus = args.skus if args.skus is not None else 20_000 if args.quick else 100_000
    rounds = args.rounds if args.rounds is not None else 3 if args.quick else 5
    movements = args.movements if args.movements is not None else 300 if args.quick else 2000
    if skus < 1 or rounds < 1 or movements < 1:
        parser.error("--skus, --rounds and --movements must be at least 1")
    if not 0 <= args.selling <= 1:
        parser.error("--selling is a share, from 0 to 1")
    parts = (args.only,) if args.only else PARTS
    return Plan(skus, args.selling, rounds, movements, min(200, movements), parts)


def main(argv: Sequence[str] | None = None) -> None:
    plan = parse_plan(argv)
    pg_url = os.environ.get(PG_URL_VARIABLE) or None
    print_header(plan, pg_url)
    recomputed: list[RecomputeResult] = []
    incremental: list[IncrementalResult] = []
    with tempfile.TemporaryDirectory(prefix="stockpool-bench-") as directory:
        for part in plan.parts:
            folder = Path(directory) / part
            folder.mkdir()
            database = sqlite_database(folder, "FULL")
            if part == "recompute":
                recomputed.append(run_recompute(database, plan))
            else:
                incremental += run_incremental(database, plan)
    if pg_url:
        database = postgresql_database(pg_url)
        if "recompute" in plan.parts:
            recomputed.append(run_recompute(database, plan))
        if "incremental" in plan.parts:
            incremental += run_incremental(database, plan)
    if recomputed:
        print_recompute(recomputed)
    if incremental:
        print_incremental(incremental)


if __name__ == "__main__":
    main()
