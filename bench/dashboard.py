"""Dashboard pages on a 100,000-SKU database, against the bare SQL those pages issue.

Four pages, each requested in process through FastAPI's TestClient (no network) by a signed-in
viewer (a session cookie from POST /login, as a browser has):
* overview: GET /
* sku:      GET /skus/SKU-042000 (42% into the catalog: a SKU with stock at both locations, listings on the three
            channels and a ledger history)
* channel:  GET /channels/amazon (its health, a page of listings, unmapped SKUs, the outbox)
* search:   GET /skus?q=-0420 (the catalog's search, code or name containing the text; 100 SKUs
            match, the page shows the first 50 in code order)

The raw baseline of each page is the SQL that page issues: the statements are captured with
SQLAlchemy's before_cursor_execute event while the page renders once (untimed), then replayed,
with their parameters, on the bare DBAPI driver (stdlib sqlite3 with the app's pragmas, or
psycopg 3), every row fetched, as one transaction per replay. A page's ratio is its median time
over its bare SQL's median time: how much the request costs beyond the database work it needs
(routing, the session check's Python, the services, Jinja rendering, the test client).

The database: --skus SKUs (SKU-000000 ...) written straight into the tables with a balance at
each of 2 locations (DAL-1 serves the 3 channels, FBA-US amazon only), demand for a tenth of
them, every SKU's numbers recomputed once; then, through the services, --listed listings per
channel (the first SKUs in code order, plus the timed SKU), which queue pushes in the outbox, a
ledger history of movements and orders on the three channels in the last day.

Each page and its bare SQL are warmed up, then timed --requests times each, alternating page
and replay so drift hits both alike; figures are the median and p95 of the single requests, and
paired is the median over requests of page/bare in the same pair.

Engines: SQLite (synchronous=FULL) in a temporary directory, and PostgreSQL when
STOCKPOOL_BENCH_DATABASE_URL names a database the bench may wipe (its schema public is dropped,
recreated and migrated).

Run from the repository root:
    .venv/bin/python bench/dashboard.py              # full run (make bench)
    .venv/bin/python bench/dashboard.py --quick      # 20,000 SKUs, 50 requests per page
    STOCKPOOL_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1/stockpool_bench \\
        .venv/bin/python bench/dashboard.py
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy
from fastapi.testclient import TestClient
from sqlalchemy import event, text

from availability import (
    CATALOG_LOCATIONS,
    CHANNELS,
    Plan,
    make_catalog,
    sqlite_path,
    write_catalog,
)
from availability import source as stockpool_source
from movements import (
    PG_URL_VARIABLE,
    Database,
    libpq_url,
    postgresql_database,
    server_version,
    sqlite_database,
)
from stockpool.bootstrap import Container, bootstrap
from stockpool.config import Settings
from stockpool.domain.access import Role
from stockpool.domain.operations import Move, Receive
from stockpool.domain.orders import NewOrder, OrderLine
from stockpool.domain.states import State
from stockpool.entrypoints.api.app import create_app
from stockpool.store.migrate import upgrade


def timed_sku(skus: int) -> str:
    """The SKU the SKU page shows: 42% into the catalog, on a hundred (SKU-042000 of 100,000)."""
    return f"SKU-{skus * 42 // 100 // 100 * 100:06d}"


def pages(skus: int) -> dict[str, str]:
    code = timed_sku(skus)
    return {
        "overview": "/",
        "sku": f"/skus/{code}",
        "channel": "/channels/amazon",
        "search": f"/skus?q=-{code[4:8]}",  # the hundred SKUs the timed one opens (-0420)
    }


MOVEMENTS = 300  # ledger history: receipts and moves, over the timed SKU and its neighbours
ORDERS = 300  # one-line orders over the three channels, in the last day
WARMUP = 10
ACTOR = "bench"
TRANSACTION = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Options:
    skus: int
    listed: int
    requests: int
    show_sql: bool


# The database.


def settings_for(database: Database) -> Settings:
    return Settings(
        database_url=database.url,
        sqlite_synchronous=database.synchronous,
        availability_refresh_seconds=0,
        alert_evaluate_seconds=0,
        webhook_send_seconds=0,
        worker="off",
        _env_file=None,
    )


def fresh_container(database: Database) -> Container:
    container = bootstrap(settings_for(database))
    if database.is_postgresql:
        with container.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    upgrade(container.engine)
    return container


def listing_csv(channel: str, skus: Sequence[str]) -> str:
    if channel == "shopify":
        header = "channel,channel_sku,sku,inventory_item_id,location_id"
        rows = [f"{channel},SH-{s},{s},{n + 1},77" for n, s in enumerate(skus)]
    else:
        header = "channel,channel_sku,sku"
        rows = [f"{channel},{channel[:2].upper()}-{s},{s}" for s in skus]
    return "\n".join([header, *rows]) + "\n"


def seed(database: Database, options: Options) -> Container:
    label = database.label
    print(f"[{label}] seeding {options.skus:,} SKUs ...", file=sys.stderr)
    container = fresh_container(database)
    for channel in CHANNELS:
        container.channels.put(channel)
    container.catalog.put_locations(list(CATALOG_LOCATIONS))
    plan = Plan(options.skus, 0.1, 1, 1, 1, ("recompute",))
    catalog = make_catalog(plan)
    write_catalog(database, catalog, datetime.now(UTC))
    container.availability.recompute_all()
    codes = catalog.codes
    listed = sorted({*codes[: options.listed], timed_sku(options.skus)})
    print(f"[{label}] importing {len(listed):,} listings per channel ...", file=sys.stderr)
    for channel in CHANNELS:
        done = container.listings.import_csv(io.StringIO(listing_csv(channel.code, listed)))
        if done.created != len(listed):
            raise RuntimeError(f"listing import on {channel.code}: {done}")
    print(f"[{label}] history: {MOVEMENTS} movements, {ORDERS} orders ...", file=sys.stderr)
    index = codes.index(timed_sku(options.skus))
    neighbours = codes[index : index + 10]
    for n in range(MOVEMENTS):
        sku = neighbours[n % len(neighbours)]
        command: Receive | Move = (
            Receive(sku, "DAL-1", 5)
            if n % 3 == 0
            else Move(sku, "DAL-1", 1, State.AVAILABLE, State.DAMAGED)
        )
        container.stock.execute(command, actor=ACTOR)
    now = datetime.now(UTC)
    orders = [
        NewOrder(
            channel=CHANNELS[n % len(CHANNELS)].code,
            external_id=f"BENCH-{n}",
            lines=(OrderLine(neighbours[n % len(neighbours)], 1),),
            placed_at=now - timedelta(minutes=n * 4),
        )
        for n in range(ORDERS)
    ]
    container.intake.ingest_many(orders, actor=ACTOR)
    if database.is_postgresql:
        with container.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE")
            )
    return container


# The two sides.


def signed_in(container: Container) -> TestClient:
    _, secret = container.keys.create(Role.VIEWER, "bench viewer")
    client = TestClient(create_app(container), base_url="https://testserver")
    response = client.post("/login", data={"api_key": secret}, follow_redirects=False)
    if response.status_code != 303:
        raise RuntimeError(f"sign-in: {response.status_code} {response.text[:200]}")
    return client


Statement = tuple[str, Any, bool]  # SQL as the driver gets it, its parameters, executemany


def capture(container: Container, client: TestClient, path: str) -> list[Statement]:
    """The statements one request of the page sends to the driver (transaction control left
    out: the replay runs them in one transaction of its own)."""
    seen: list[Statement] = []

    def record(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        if not TRANSACTION.match(statement):
            seen.append((statement, parameters, many))

    event.listen(container.engine, "before_cursor_execute", record)
    try:
        get(client, path)
    finally:
        event.remove(container.engine, "before_cursor_execute", record)
    return seen


def get(client: TestClient, path: str) -> int:
    response = client.get(path, follow_redirects=False)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path}: {response.status_code} {response.text[:200]}")
    return len(response.content)


class Replay:
    """The captured statements on the bare driver, one transaction per run."""

    def __init__(self, database: Database) -> None:
        self._postgresql = database.is_postgresql
        if self._postgresql:
            self._pg = psycopg.connect(libpq_url(database.url))
        else:
            db = sqlite3.connect(sqlite_path(database), timeout=30, isolation_level=None)
            for pragma in (
                "PRAGMA journal_mode=WAL",
                "PRAGMA foreign_keys=ON",
                f"PRAGMA synchronous={database.synchronous}",
                "PRAGMA busy_timeout=30000",
            ):
                db.execute(pragma)
            self._lite = db

    def run(self, statements: Sequence[Statement]) -> int:
        rows = 0
        if self._postgresql:
            with self._pg.cursor() as cursor:
                for sql, parameters, many in statements:
                    if many:
                        cursor.executemany(sql, parameters)
                    else:
                        cursor.execute(sql, parameters or None)
                        if cursor.description is not None:
                            rows += len(cursor.fetchall())
            self._pg.commit()
            return rows
        db = self._lite
        db.execute("BEGIN")
        for sql, parameters, many in statements:
            if many:
                db.executemany(sql, parameters)
            else:
                rows += len(db.execute(sql, parameters or ()).fetchall())
        db.execute("COMMIT")
        return rows

    def close(self) -> None:
        if self._postgresql:
            self._pg.close()
        else:
            self._lite.close()


@dataclass
class PageResult:
    engine: str
    page: str
    path: str
    statements: int
    rows: int
    page_ms: list[float] = field(default_factory=list)
    bare_ms: list[float] = field(default_factory=list)

    def ratio(self) -> float:
        return statistics.median(self.page_ms) / statistics.median(self.bare_ms)

    def paired(self) -> float:
        return statistics.median(p / b for p, b in zip(self.page_ms, self.bare_ms, strict=True))


def p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def timed_ms(run: Callable[..., object], *args: Any) -> float:
    start = time.perf_counter()
    run(*args)
    return (time.perf_counter() - start) * 1000


def run_database(database: Database, options: Options) -> list[PageResult]:
    container = seed(database, options)
    replay = Replay(database)
    try:
        with signed_in(container) as client:
            results = []
            for name, path in pages(options.skus).items():
                print(f"[{database.label}] timing {name} ({path}) ...", file=sys.stderr)
                statements = capture(container, client, path)
                if options.show_sql:
                    for sql, _, _ in statements:
                        print(f"  {name}: {' '.join(sql.split())[:160]}", file=sys.stderr)
                rows = replay.run(statements)
                result = PageResult(database.label, name, path, len(statements), rows)
                for _ in range(WARMUP):
                    get(client, path)
                    replay.run(statements)
                for n in range(options.requests):
                    if n % 2:  # the bare SQL first every other pair
                        bare_ms = timed_ms(replay.run, statements)
                        page_ms = timed_ms(get, client, path)
                    else:
                        page_ms = timed_ms(get, client, path)
                        bare_ms = timed_ms(replay.run, statements)
                    result.page_ms.append(page_ms)
                    result.bare_ms.append(bare_ms)
                results.append(result)
            return results
    finally:
        replay.close()
        container.close()


# Reporting and entry point.

ROW = "{:<11} {:<9} {:>5} {:>6} {:>9} {:>9} {:>8} {:>8} {:>7} {:>7}"


def print_results(results: Sequence[PageResult]) -> None:
    print("ms per request (median and p95), the bare SQL it issues replayed on the driver, the")
    print("ratio of the medians and the paired ratio (median of page/bare within a pair):")
    header = ("engine", "page", "stmts", "rows", "page ms", "page p95", "bare ms", "bare p95")
    print(ROW.format(*header, "ratio", "paired"))
    for r in results:
        print(
            ROW.format(
                r.engine,
                r.page,
                r.statements,
                f"{r.rows:,}",
                f"{statistics.median(r.page_ms):.2f}",
                f"{p95(r.page_ms):.2f}",
                f"{statistics.median(r.bare_ms):.2f}",
                f"{p95(r.bare_ms):.2f}",
                f"{r.ratio():.1f}x",
                f"{r.paired():.1f}x",
            )
        )
    print()
    for r in results:
        print(f"  {r.engine:<11} {r.page:<9} {r.path}")


def print_header(options: Options, pg_url: str | None) -> None:
    lines = {
        "date": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "stockpool": stockpool_source(),
        "machine": f"{os.cpu_count()} CPUs, {platform.platform()}",
        "python": f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"SQLAlchemy {sqlalchemy.__version__}, psycopg {psycopg.__version__}",
        "postgresql": server_version(pg_url) if pg_url else f"skipped ({PG_URL_VARIABLE})",
        "database": f"{options.skus:,} SKUs x 2 locations, 3 channels with {options.listed:,} "
        f"listings each, {MOVEMENTS} movements, {ORDERS} orders",
        "timing": f"{WARMUP} warm-up, then {options.requests} requests per page and side",
    }
    for name, value in lines.items():
        print(f"{name:<11} {value}")
    print()


def parse_options(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="20,000 SKUs, 50 requests per page")
    parser.add_argument("--skus", type=int, metavar="N", help="SKUs in the catalog (100000)")
    parser.add_argument(
        "--listed", type=int, metavar="N", help="listings per channel (10000; --quick 2000)"
    )
    parser.add_argument("--requests", type=int, metavar="N", help="timed per page and side (200)")
    parser.add_argument(
        "--sql", action="store_true", help="print each page's captured statements (stderr)"
    )
    args = parser.parse_args(argv)
    skus = args.skus if args.skus is not None else 20_000 if args.quick else 100_000
    listed = args.listed if args.listed is not None else 2_000 if args.quick else 10_000
    requests = args.requests if args.requests is not None else 50 if args.quick else 200
    if skus < 1000 or requests < 1 or not 0 < listed <= skus:
        parser.error("--skus >= 1000, --requests >= 1, 0 < --listed <= --skus")
    return Options(skus, listed, requests, args.sql)


def main(argv: Sequence[str] | None = None) -> None:
    options = parse_options(argv)
    pg_url = os.environ.get(PG_URL_VARIABLE) or None
    print_header(options, pg_url)
    results: list[PageResult] = []
    with tempfile.TemporaryDirectory(prefix="stockpool-bench-") as directory:
        results += run_database(sqlite_database(Path(directory), "FULL"), options)
    if pg_url:
        results += run_database(postgresql_database(pg_url), options)
    print_results(results)


if __name__ == "__main__":
    main()
