"""Movements per second: stockpool's service layer against the raw database doing the same work.

Each movement moves 1 unit of one SKU at one location from available to damaged. Three sides are
timed on the same database, interleaved round by round so machine noise hits them alike:

* service: ``container.stock.execute(Move(...), actor="bench")``, the path every API call takes;
* keyed:   the same call with a fresh Idempotency-Key each time;
* raw:     the least a correct movement needs, through the bare DBAPI driver (stdlib ``sqlite3``
           with the app's pragmas, or ``psycopg`` 3): per transaction one conditional UPDATE of
           ``balances`` (its row count checked), one INSERT into ``ledger``, COMMIT.

Two shapes: hot (every movement on one SKU at one location) and spread (round-robin over 10,000
SKUs at one location). Every side runs ``--rounds`` rounds of ``--movements`` movements per shape,
the side going first rotating each round; a side's figure is the median of its rounds.

Engines: SQLite in a temporary file, with synchronous=FULL (the app default) and NORMAL; and
PostgreSQL when STOCKPOOL_BENCH_DATABASE_URL names a database the bench may wipe (its schema
public is dropped, recreated and migrated).

Run from the repository root:

    .venv/bin/python bench/movements.py              # full run (make bench)
    .venv/bin/python bench/movements.py --quick      # a short run, to try it out
    STOCKPOOL_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1/stockpool_bench \\
        .venv/bin/python bench/movements.py --movements 3000
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Protocol

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url

from stockpool.bootstrap import Container, bootstrap
from stockpool.config import Settings
from stockpool.domain.catalog import Location, LocationKind, Sku
from stockpool.domain.operations import Move, Receive
from stockpool.domain.states import State
from stockpool.store.migrate import upgrade

PG_URL_VARIABLE = "STOCKPOOL_BENCH_DATABASE_URL"
LOCATION = "BENCH-1"
HOT_SKU = "BENCH-HOT"
SPREAD_SKUS = tuple(f"BENCH-{n:05d}" for n in range(10_000))
ACTOR = "bench"
SIDES = ("service", "raw", "keyed")
TARGET = 0.5  # the goal: service >= 0.5x raw
SEED_BATCH = 500  # receipts per seeding transaction

Synchronous = Literal["FULL", "NORMAL"]
Mover = Callable[[str], None]  # moves one unit of the given SKU at LOCATION


@dataclass(frozen=True)
class Plan:
    movements: int  # per side, shape and round
    rounds: int
    warmup: int  # untimed movements per side and shape, first


# The raw side: one conditional update, one ledger insert, commit.

UPDATE_SQL = (
    "UPDATE balances SET available = available - 1, damaged = damaged + 1 "
    "WHERE sku = {p} AND location = {p} AND available >= 1"
)
INSERT_SQL = (
    "INSERT INTO ledger (at, sku, location, from_state, to_state, quantity, reason, reference, "
    "actor) VALUES ({p}, {p}, {p}, 'available', 'damaged', 1, 'damage', NULL, {p})"
)


class RanShort(RuntimeError):
    """The conditional update matched no row: the seeding gave this SKU too little stock."""


class RawMover(Protocol):
    def move(self, sku: str) -> None: ...

    def close(self) -> None: ...


class SqliteRaw:
    """stdlib sqlite3, set up as stockpool's engine sets up each connection."""

    def __init__(self, path: Path, synchronous: Synchronous) -> None:
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA foreign_keys=ON",
            f"PRAGMA synchronous={synchronous}",
            "PRAGMA busy_timeout=30000",
        ):
            self._db.execute(pragma)
        self._update = UPDATE_SQL.format(p="?")
        self._insert = INSERT_SQL.format(p="?")

    def move(self, sku: str) -> None:
        db = self._db
        db.execute("BEGIN IMMEDIATE")  # what the app's write transactions begin with
        if db.execute(self._update, (sku, LOCATION)).rowcount != 1:
            db.execute("ROLLBACK")
            raise RanShort(sku)
        # The text SQLAlchemy stores for a UTC timestamp on SQLite.
        at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        db.execute(self._insert, (at, sku, LOCATION, ACTOR))
        db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()


class PostgresRaw:
    """psycopg 3, one connection, a transaction per movement (BEGIN is implicit)."""

    def __init__(self, url: str) -> None:
        self._db = psycopg.connect(libpq_url(url))
        self._cursor = self._db.cursor()
        self._update = UPDATE_SQL.format(p="%s")
        self._insert = INSERT_SQL.format(p="%s")

    def move(self, sku: str) -> None:
        cursor = self._cursor
        cursor.execute(self._update, (sku, LOCATION))
        if cursor.rowcount != 1:
            self._db.rollback()
            raise RanShort(sku)
        cursor.execute(self._insert, (datetime.now(UTC), sku, LOCATION, ACTOR))
        self._db.commit()

    def close(self) -> None:
        self._db.close()


def libpq_url(url: str) -> str:
    """postgresql+psycopg://... (SQLAlchemy's spelling) as libpq wants it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


# The service side.


def service_mover(container: Container, *, keyed: bool) -> Mover:
    execute = container.stock.execute
    if not keyed:

        def move(sku: str) -> None:
            execute(Move(sku, LOCATION, 1, State.AVAILABLE, State.DAMAGED), actor=ACTOR)

        return move

    prefix = f"bench-{uuid.uuid4().hex[:12]}-"
    numbers = itertools.count()

    def move_keyed(sku: str) -> None:
        execute(
            Move(sku, LOCATION, 1, State.AVAILABLE, State.DAMAGED),
            actor=ACTOR,
            idempotency_key=f"{prefix}{next(numbers)}",
        )

    return move_keyed


# Engines, the database and its seed.


@dataclass(frozen=True)
class Database:
    label: str
    url: str
    synchronous: Synchronous
    open_raw: Callable[[], RawMover]

    @property
    def is_postgresql(self) -> bool:
        return make_url(self.url).get_backend_name() == "postgresql"


def sqlite_database(directory: Path, synchronous: Synchronous) -> Database:
    path = directory / f"bench-{synchronous.lower()}.db"
    return Database(
        f"sqlite {synchronous}",
        f"sqlite:///{path}",
        synchronous,
        lambda: SqliteRaw(path, synchronous),
    )


def postgresql_database(url: str) -> Database:
    # synchronous is a SQLite setting; PostgreSQL keeps its server's own (synchronous_commit).
    return Database("postgresql", url, "FULL", lambda: PostgresRaw(url))


def prepare(database: Database, stock_per_sku: dict[str, int]) -> Container:
    """A container on a freshly migrated database holding the bench's SKUs and their stock."""
    settings = Settings(database_url=database.url, sqlite_synchronous=database.synchronous)
    container = bootstrap(settings)
    if database.is_postgresql:
        with container.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    upgrade(container.engine)
    container.catalog.put_locations([Location(LOCATION, LocationKind.WAREHOUSE, "Bench")])
    container.catalog.put_skus([Sku(code) for code in stock_per_sku])
    receipts = [
        Receive(sku, LOCATION, qty, reference="bench seed") for sku, qty in stock_per_sku.items()
    ]
    # In batches, so seeding never depends on how big one request may be (a single request of
    # 10,001 receipts once hit PostgreSQL's stack depth limit in StockRepository.lock).
    for start in range(0, len(receipts), SEED_BATCH):
        container.stock.execute_all(receipts[start : start + SEED_BATCH], actor=ACTOR)
    if database.is_postgresql:
        # Planner statistics for the freshly loaded tables, as autovacuum would gather them in
        # production (this machine's server runs with autovacuum off). Without them the prepared
        # balance updates of a batch were planned as if the table were empty: 10x slower.
        with container.engine.begin() as connection:
            connection.execute(text("ANALYZE"))
    return container


def stock_needed(plan: Plan) -> dict[str, int]:
    """Enough available stock that no side ever runs short, with a margin."""
    per_side = plan.rounds * plan.movements + plan.warmup
    spread = math.ceil(per_side / len(SPREAD_SKUS)) + 1
    stock = {HOT_SKU: len(SIDES) * per_side + 10}
    stock.update(dict.fromkeys(SPREAD_SKUS, len(SIDES) * spread))
    return stock


def verify(container: Container, expected_moves: int) -> None:
    """Every timed or warm-up movement reached both the balances and the ledger."""
    with container.engine.connect() as connection:
        damaged = connection.execute(
            text("SELECT SUM(damaged) FROM balances WHERE location = :location"),
            {"location": LOCATION},
        ).scalar_one()
        lines = connection.execute(
            text("SELECT COUNT(*) FROM ledger WHERE location = :location AND reason = 'damage'"),
            {"location": LOCATION},
        ).scalar_one()
    if not (int(damaged) == int(lines) == expected_moves):
        raise RuntimeError(
            f"expected {expected_moves} movements, found damaged={damaged}, ledger lines={lines}"
        )


# Timing.


@dataclass(frozen=True)
class ShapeResult:
    engine: str
    shape: str
    rates: dict[str, list[float]]  # side -> ops/s of each round

    def median(self, side: str) -> float:
        return statistics.median(self.rates[side])

    def ratio(self, side: str) -> float:
        """Median ops/s of side over median ops/s of raw."""
        return self.median(side) / self.median("raw")

    def paired(self, side: str) -> float:
        """Median over rounds of side/raw within one round: blind to drifts between rounds."""
        pairs = zip(self.rates[side], self.rates["raw"], strict=True)
        return statistics.median(mine / raw for mine, raw in pairs)


def timed(move: Mover, skus: Iterator[str], count: int) -> float:
    """Movements per second over count movements."""
    batch = list(itertools.islice(skus, count))
    start = time.perf_counter()
    for sku in batch:
        move(sku)
    return count / (time.perf_counter() - start)


def rotated(names: Sequence[str], by: int) -> list[str]:
    """names, starting from its by-th (so each side goes first in turn)."""
    by %= len(names)
    return [*names[by:], *names[:by]]


def run_shape(sides: dict[str, Mover], skus: Sequence[str], plan: Plan) -> dict[str, list[float]]:
    """Warm every side up, then time each side once per round, rotating who goes first."""
    cursors = {side: itertools.cycle(skus) for side in sides}
    for side, move in sides.items():
        timed(move, cursors[side], plan.warmup)
    rates: dict[str, list[float]] = {side: [] for side in sides}
    for round_number in range(plan.rounds):
        for side in rotated(list(sides), round_number):
            rates[side].append(timed(sides[side], cursors[side], plan.movements))
    return rates


def run_database(database: Database, plan: Plan) -> list[ShapeResult]:
    print(f"[{database.label}] seeding {len(SPREAD_SKUS) + 1} SKUs ...", file=sys.stderr)
    container = prepare(database, stock_needed(plan))
    raw = database.open_raw()
    try:
        sides: dict[str, Mover] = {
            "service": service_mover(container, keyed=False),
            "raw": raw.move,
            "keyed": service_mover(container, keyed=True),
        }
        results = []
        for shape, skus in (("hot", (HOT_SKU,)), ("spread", SPREAD_SKUS)):
            print(f"[{database.label}] timing {shape} ...", file=sys.stderr)
            results.append(ShapeResult(database.label, shape, run_shape(sides, skus, plan)))
        per_shape = len(sides) * (plan.rounds * plan.movements + plan.warmup)
        verify(container, 2 * per_shape)
        return results
    finally:
        raw.close()
        container.close()


# Reporting.


def server_version(url: str) -> str:
    with psycopg.connect(libpq_url(url)) as db:
        row = db.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"


def print_header(plan: Plan, pg_url: str | None) -> None:
    print(f"date        {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine     {os.cpu_count()} CPUs, {platform.platform()}")
    print(f"python      {platform.python_version()}, SQLite {sqlite3.sqlite_version}")
    print(f"postgresql  {server_version(pg_url) if pg_url else f'skipped ({PG_URL_VARIABLE})'}")
    print(
        f"plan        {plan.rounds} rounds x {plan.movements} movements per side and shape, "
        f"{plan.warmup} warm-up; figures are the median round\n"
    )


ROW = "{:<13} {:<7} {:>10} {:>10} {:>8} {:>8} {:>10} {:>10} {:>8}  {}"
HEADER = (
    "engine",
    "shape",
    "service/s",
    "raw/s",
    "svc/raw",
    "paired",
    "keyed/s",
    "keyed/raw",
    "paired",
    f"service >= {TARGET}x raw",
)


def print_table(results: Sequence[ShapeResult]) -> None:
    print(ROW.format(*HEADER))
    for r in results:
        print(
            ROW.format(
                r.engine,
                r.shape,
                f"{r.median('service'):,.0f}",
                f"{r.median('raw'):,.0f}",
                f"{r.ratio('service'):.2f}x",
                f"{r.paired('service'):.2f}x",
                f"{r.median('keyed'):,.0f}",
                f"{r.ratio('keyed'):.2f}x",
                f"{r.paired('keyed'):.2f}x",
                "met" if r.ratio("service") >= TARGET else "missed",
            )
        )
    print("\nops/s of each round (in the order run):")
    for r in results:
        for side in SIDES:
            rounds = " ".join(f"{rate:>7,.0f}" for rate in r.rates[side])
            print(f"  {r.engine:<13} {r.shape:<7} {side:<8} {rounds}")


# Entry point.


def parse_plan(argv: Sequence[str] | None) -> Plan:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a short run: 3 rounds of 300")
    parser.add_argument(
        "--movements", type=int, metavar="N", help="movements per side, shape and round (2000)"
    )
    parser.add_argument("--rounds", type=int, help="rounds per shape (5)")
    args = parser.parse_args(argv)
    movements = args.movements if args.movements is not None else 300 if args.quick else 2000
    rounds = args.rounds if args.rounds is not None else 3 if args.quick else 5
    if movements < 1 or rounds < 1:
        parser.error("--movements and --rounds must be at least 1")
    return Plan(movements, rounds, warmup=min(200, movements))


def main(argv: Sequence[str] | None = None) -> None:
    plan = parse_plan(argv)
    pg_url = os.environ.get(PG_URL_VARIABLE) or None
    print_header(plan, pg_url)
    results: list[ShapeResult] = []
    with tempfile.TemporaryDirectory(prefix="stockpool-bench-") as directory:
        for synchronous in ("FULL", "NORMAL"):
            results += run_database(sqlite_database(Path(directory), synchronous), plan)
    if pg_url:
        results += run_database(postgresql_database(pg_url), plan)
    print_table(results)


if __name__ == "__main__":
    main()
