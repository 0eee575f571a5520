"""Orders ingested per second: stockpool's order service, alone, batched and group-committed,
against the raw database doing the same work.

Each order has one line: 1 unit of one SKU, committed at location BENCH-1 (available to
committed). Four sides are timed on the same database, interleaved round by round so machine
noise hits them alike:

* raw:     the least a correct order ingest needs, through the bare DBAPI driver (stdlib
           ``sqlite3`` with the app's pragmas and ``BEGIN IMMEDIATE``, or ``psycopg`` 3), one
           transaction per order: a guarded UPDATE of ``balances`` (its row count checked), one
           INSERT each into ``orders`` (RETURNING id), ``order_lines``, ``allocations`` and
           ``ledger``, COMMIT;
* single:  ``container.intake.ingest(order, actor="bench")``, one call (one transaction) per order;
* batched: ``container.intake.ingest_many(orders, actor="bench")``, 100 orders per call;
* group:   16 threads each calling ``container.grouped_intake.submit(order, "bench")`` (the group
           commit for in-process callers: concurrent callers share one transaction; POST
           /v1/orders batches the same way on the event loop, measured by api_http.py), the
           round's orders split among them; the round's time is until the last one returns.

Two shapes: hot (every order for one SKU at one location) and spread (round-robin over 10,000
SKUs at one location). Every side runs ``--rounds`` rounds of ``--orders`` orders per shape, the
side going first rotating each round; a side's figure is the median of its rounds. The stock is
seeded so that no order ever runs short (a short order takes the conflict path, not measured here).

Engines: SQLite in a temporary file with synchronous=FULL (the app default), and PostgreSQL when
STOCKPOOL_BENCH_DATABASE_URL names a database the bench may wipe (its schema public is dropped,
recreated and migrated).

Run from the repository root:

    .venv/bin/python bench/orders.py              # full run (make bench)
    .venv/bin/python bench/orders.py --quick      # a short run, to try it out
    STOCKPOOL_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1/stockpool_bench \\
        .venv/bin/python bench/orders.py
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from psycopg.types.json import Json
from sqlalchemy import text
from sqlalchemy.engine import make_url

from movements import (
    ACTOR,
    HOT_SKU,
    LOCATION,
    PG_URL_VARIABLE,
    SPREAD_SKUS,
    Database,
    PostgresRaw,
    RanShort,
    ShapeResult,
    SqliteRaw,
    postgresql_database,
    prepare,
    rotated,
    server_version,
    sqlite_database,
)
from stockpool.bootstrap import Container
from stockpool.domain.channels import Channel, Platform
from stockpool.domain.orders import NewOrder, OrderLine, OrderStatus, order_reference
from stockpool.services.intake import Ingested

CHANNEL = Channel(
    code="shopify",
    platform=Platform.SHOPIFY,
    name="Shopify",
    cancellation_cost=10,
    split_allowed=True,
)
SIDES = ("raw", "single", "batched", "group")
TARGET = 2.0  # the goal: batched >= 2x raw on the hot SKU
BATCH = 100  # orders per ingest_many call
THREADS = 16  # callers of the group commit, unless --callers says otherwise

Side = Callable[[Sequence[NewOrder]], list[Any]]  # ingests the orders, returns their results


@dataclass(frozen=True)
class Plan:
    orders: int  # per side, shape and round
    rounds: int
    warmup: int  # untimed orders per side and shape, first
    callers: int = THREADS  # threads calling the group commit


# The raw side: guarded update, the order's four rows, commit.

UPDATE_SQL = (
    "UPDATE balances SET available = available - 1, committed = committed + 1 "
    "WHERE sku = {p} AND location = {p} AND available >= 1"
)
ORDER_SQL = (
    "INSERT INTO orders (channel, external_id, status, placed_at, ship_by, region, fingerprint, "
    "routing, created_at) VALUES ({p}, {p}, 'committed', {p}, NULL, NULL, {p}, {p}, {p}) "
    "RETURNING id"
)
LINE_SQL = (
    "INSERT INTO order_lines (order_id, line_no, sku, quantity, committed, short, shipped, "
    "cancelled, reserved) VALUES ({p}, 0, {p}, 1, 1, 0, 0, 0, 0)"
)
ALLOCATION_SQL = (
    "INSERT INTO allocations (order_id, line_no, location, units) VALUES ({p}, 0, {p}, 1)"
)
LEDGER_SQL = (
    "INSERT INTO ledger (at, sku, location, from_state, to_state, quantity, reason, reference, "
    "actor) VALUES ({p}, {p}, {p}, 'available', 'committed', 1, 'order_committed', {p}, {p})"
)
# The routing record the service stores for such an order (one location, it has the unit).
ROUTING = {
    "reason": f"{LOCATION} can ship the whole order",
    "candidates": [
        {
            "location": LOCATION,
            "priority": 100,
            "region_match": False,
            "can_ship_all": True,
            "units": 1,
        }
    ],
}


class RawOrders:
    """The statements of one order, on a driver's cursor; the subclass says how to begin, end
    and spell a timestamp and JSON for its engine."""

    _cursor: Any
    _placeholder: str
    _routing: Any

    def _prepare_statements(self) -> None:
        p = self._placeholder
        self._sql = [s.format(p=p) for s in (UPDATE_SQL, ORDER_SQL, LINE_SQL, ALLOCATION_SQL)]
        self._ledger = LEDGER_SQL.format(p=p)

    def ingest(self, order: NewOrder) -> None:
        update, insert_order, insert_line, insert_allocation = self._sql
        cursor = self._cursor
        sku = order.lines[0].sku
        self._begin()
        if cursor.execute(update, (sku, LOCATION)).rowcount != 1:
            self._rollback()
            raise RanShort(sku)
        at = self._stamp(datetime.now(UTC))
        row = cursor.execute(
            insert_order,
            (
                order.channel,
                order.external_id,
                self._stamp(order.placed_at),
                order.fingerprint(),
                self._routing,
                at,
            ),
        ).fetchone()
        order_id = row[0]
        cursor.execute(insert_line, (order_id, sku))
        cursor.execute(insert_allocation, (order_id, LOCATION))
        reference = order_reference(order.channel, order.external_id)
        cursor.execute(self._ledger, (at, sku, LOCATION, reference, ACTOR))
        self._commit()

    def _begin(self) -> None: ...

    def _commit(self) -> None: ...

    def _rollback(self) -> None: ...

    def _stamp(self, moment: datetime) -> Any:
        return moment


class SqliteOrders(RawOrders, SqliteRaw):
    _placeholder = "?"
    _routing = json.dumps(ROUTING)  # SQLAlchemy's JSON type stores this text on SQLite

    def __init__(self, path: Path) -> None:
        super().__init__(path, "FULL")
        self._cursor = self._db.cursor()
        self._prepare_statements()

    def _begin(self) -> None:
        self._cursor.execute("BEGIN IMMEDIATE")  # what the app's write transactions begin with

    def _commit(self) -> None:
        self._cursor.execute("COMMIT")

    def _rollback(self) -> None:
        self._cursor.execute("ROLLBACK")

    def _stamp(self, moment: datetime) -> str:
        # The text SQLAlchemy stores for a UTC timestamp on SQLite (as bench/movements.py).
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


class PostgresOrders(RawOrders, PostgresRaw):
    """One connection; psycopg sends BEGIN itself before the first statement."""

    _placeholder = "%s"
    _routing = Json(ROUTING)

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._prepare_statements()

    def _commit(self) -> None:
        self._db.commit()

    def _rollback(self) -> None:
        self._db.rollback()


def open_raw(database: Database) -> SqliteOrders | PostgresOrders:
    if database.is_postgresql:
        return PostgresOrders(database.url)
    path = make_url(database.url).database
    assert path is not None
    return SqliteOrders(Path(path))


# The service sides.


def raw_side(raw: RawOrders) -> Side:
    def run(orders: Sequence[NewOrder]) -> list[Any]:
        for order in orders:
            raw.ingest(order)
        return []

    return run


def single_side(container: Container) -> Side:
    ingest = container.intake.ingest

    def run(orders: Sequence[NewOrder]) -> list[Any]:
        return [ingest(order, actor=ACTOR) for order in orders]

    return run


def batched_side(container: Container) -> Side:
    ingest_many = container.intake.ingest_many

    def run(orders: Sequence[NewOrder]) -> list[Any]:
        results: list[Any] = []
        for start in range(0, len(orders), BATCH):
            results += ingest_many(orders[start : start + BATCH], actor=ACTOR)
        return results

    return run


def group_side(container: Container, pool: ThreadPoolExecutor, callers: int) -> Side:
    """callers (--callers) threads calling the group commit, each submitting its share of the orders in turn.
    The pool's threads exist once the warm-up has run; a round only hands them work."""
    submit = container.grouped_intake.submit

    def caller(share: Sequence[NewOrder]) -> list[Ingested]:
        return [submit(order, ACTOR) for order in share]

    def run(orders: Sequence[NewOrder]) -> list[Any]:
        shares = [orders[n::callers] for n in range(callers)]
        futures = [pool.submit(caller, share) for share in shares]
        return [result for future in futures for result in future.result()]

    return run


def check_results(side: str, results: Sequence[Any], orders: Sequence[NewOrder]) -> None:
    """Every order of a service side was newly accepted and fully committed."""
    if side == "raw":
        return
    if len(results) != len(orders):
        raise RuntimeError(f"{side}: {len(results)} results for {len(orders)} orders")
    for result in results:
        if isinstance(result, BaseException):
            raise RuntimeError(f"{side}: an order failed: {result!r}") from result
        if not isinstance(result, Ingested) or result.replayed:
            raise RuntimeError(f"{side}: unexpected result {result!r}")
        if result.order.status != OrderStatus.COMMITTED:
            raise RuntimeError(f"{side}: order not committed: {result.order!r}")


# Orders, stock and the final check.


def order_maker(shape: str, side: str, skus: Sequence[str]) -> Callable[[int], list[NewOrder]]:
    """count new orders for this side and shape, their SKUs continuing round-robin."""
    cursor = itertools.cycle(skus)
    numbers = itertools.count()

    def make(count: int) -> list[NewOrder]:
        return [
            NewOrder(
                channel=CHANNEL.code,
                external_id=f"bench-{shape}-{side}-{next(numbers):07d}",
                lines=(OrderLine(sku, 1),),
                placed_at=datetime.now(UTC),
            )
            for sku in itertools.islice(cursor, count)
        ]

    return make


def stock_needed(plan: Plan) -> dict[str, int]:
    """What every side will take of each SKU, plus a margin: no order ever runs short."""
    per_side = plan.rounds * plan.orders + plan.warmup
    taken: Counter[str] = Counter({HOT_SKU: per_side})
    taken.update(itertools.islice(itertools.cycle(SPREAD_SKUS), per_side))
    return {sku: len(SIDES) * taken[sku] + 2 for sku in (HOT_SKU, *SPREAD_SKUS)}


def verify(container: Container, made: int) -> None:
    """Every order made (timed or warm-up, all sides) is stored once, with its unit committed in
    balances, its line, its allocation and its ledger line."""
    counts = {
        "orders rows": "SELECT COUNT(*) FROM orders",
        "SUM(committed) in balances": "SELECT SUM(committed) FROM balances",
        "SUM(committed) in order_lines": "SELECT SUM(committed) FROM order_lines",
        "SUM(units) in allocations": "SELECT SUM(units) FROM allocations",
        "ledger order_committed lines": (
            "SELECT COUNT(*) FROM ledger WHERE reason = 'order_committed'"
        ),
        "conflicts": "SELECT COUNT(*) FROM conflicts",
    }
    with container.engine.connect() as connection:
        found = {
            name: int(connection.execute(text(sql)).scalar() or 0) for name, sql in counts.items()
        }
    expected = {name: 0 if name == "conflicts" else made for name in counts}
    print(f"  verify: {made} orders made; " + ", ".join(f"{k} = {v}" for k, v in found.items()))
    if found != expected:
        raise RuntimeError(f"expected {expected}, found {found}")


# Timing.


def timed(side: Side, orders: Sequence[NewOrder]) -> tuple[float, list[Any]]:
    """Orders per second of side over orders, and its results."""
    start = time.perf_counter()
    results = side(orders)
    return len(orders) / (time.perf_counter() - start), results


def run_shape(
    sides: dict[str, Side],
    shape: str,
    skus: Sequence[str],
    plan: Plan,
    tidy: Callable[[], None],
) -> dict[str, list[float]]:
    """Warm every side up, then time each side once per round, rotating who goes first; tidy
    runs untimed before each side's turn."""
    makers = {side: order_maker(shape, side, skus) for side in sides}
    for side, run in sides.items():
        orders = makers[side](plan.warmup)
        check_results(side, timed(run, orders)[1], orders)
    rates: dict[str, list[float]] = {side: [] for side in sides}
    for round_number in range(plan.rounds):
        for side in rotated(list(sides), round_number):
            orders = makers[side](plan.orders)  # made before the clock starts
            tidy()
            rate, results = timed(sides[side], orders)
            check_results(side, results, orders)
            rates[side].append(rate)
    return rates


def vacuum(container: Container) -> Callable[[], None]:
    """VACUUM ANALYZE balances, as autovacuum would in production (this machine's server runs
    without it). Thousands of updates to one hot row otherwise leave a chain of dead versions
    that every later side has to walk, so each side would pay for the ones before it."""

    def run() -> None:
        with container.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE balances")
            )

    return run


def run_database(database: Database, plan: Plan) -> list[ShapeResult]:
    print(f"[{database.label}] seeding {len(SPREAD_SKUS) + 1} SKUs ...", file=sys.stderr)
    container = prepare(database, stock_needed(plan))
    container.channels.put(CHANNEL)
    raw = open_raw(database)
    pool = ThreadPoolExecutor(plan.callers, thread_name_prefix="bench-group")
    try:
        sides: dict[str, Side] = {
            "raw": raw_side(raw),
            "single": single_side(container),
            "batched": batched_side(container),
            "group": group_side(container, pool, plan.callers),
        }
        results = []
        tidy = vacuum(container) if database.is_postgresql else lambda: None
        for shape, skus in (("hot", (HOT_SKU,)), ("spread", SPREAD_SKUS)):
            print(f"[{database.label}] timing {shape} ...", file=sys.stderr)
            rates = run_shape(sides, shape, skus, plan, tidy)
            results.append(ShapeResult(database.label, shape, rates))
        print(f"[{database.label}]")
        verify(container, 2 * len(sides) * (plan.rounds * plan.orders + plan.warmup))
        return results
    finally:
        pool.shutdown()
        raw.close()
        container.close()


# Reporting.


def print_header(plan: Plan, pg_url: str | None) -> None:
    pg = server_version(pg_url) if pg_url else f"skipped ({PG_URL_VARIABLE})"
    lines = {
        "date": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "machine": f"{os.cpu_count()} CPUs, {platform.platform()}",
        "python": f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}",
        "postgresql": pg,
        "plan": f"{plan.rounds} rounds x {plan.orders} orders per side and shape, {plan.warmup} "
        f"warm-up; batches of {BATCH}; {plan.callers} group-commit callers",
    }
    for name, value in lines.items():
        print(f"{name:<11} {value}")
    print()


ROW = "{:<11} {:<7}" + " {:>7}" * 11
HEADER = (
    "engine",
    "shape",
    "raw/s",
    "single/s",
    "/raw",
    "paired",
    "batch/s",
    "/raw",
    "paired",
    "group/s",
    "/raw",
    "paired",
    "",
)


def print_table(results: Sequence[ShapeResult]) -> None:
    print("\norders/s (median round), each side's ratio to raw, and the paired ratio:")
    print(ROW.format(*HEADER).rstrip())
    for r in results:
        cells = [f"{r.median('raw'):,.0f}"]
        for side in SIDES[1:]:
            cells += [f"{r.median(side):,.0f}", f"{r.ratio(side):.2f}x", f"{r.paired(side):.2f}x"]
        print(ROW.format(r.engine, r.shape, *cells, "").rstrip())
    print()
    for r in results:
        if r.shape == "hot":
            verdict = "met" if r.ratio("batched") >= TARGET else "missed"
            print(
                f"{r.engine}: batched >= {TARGET:g}x raw on hot: {verdict} "
                f"({r.ratio('batched'):.2f}x, paired {r.paired('batched'):.2f}x)"
            )
    print("\norders/s of each round (in the order run):")
    for r in results:
        for side in SIDES:
            rounds = " ".join(f"{rate:>7,.0f}" for rate in r.rates[side])
            print(f"  {r.engine:<11} {r.shape:<7} {side:<8} {rounds}")


# Entry point.


def parse_plan(argv: Sequence[str] | None) -> Plan:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a short run: 3 rounds of 200")
    parser.add_argument(
        "--orders", type=int, metavar="N", help="orders per side, shape and round (1000)"
    )
    parser.add_argument("--rounds", type=int, help="rounds per shape (5)")
    parser.add_argument(
        "--callers", type=int, default=THREADS, help=f"group-commit callers ({THREADS})"
    )
    args = parser.parse_args(argv)
    orders = args.orders if args.orders is not None else 200 if args.quick else 1000
    rounds = args.rounds if args.rounds is not None else 3 if args.quick else 5
    if orders < 1 or rounds < 1 or args.callers < 1:
        parser.error("--orders, --rounds and --callers must be at least 1")
    return Plan(orders, rounds, warmup=min(100, orders), callers=args.callers)


def main(argv: Sequence[str] | None = None) -> None:
    plan = parse_plan(argv)
    pg_url = os.environ.get(PG_URL_VARIABLE) or None
    print_header(plan, pg_url)
    results: list[ShapeResult] = []
    with tempfile.TemporaryDirectory(prefix="stockpool-bench-") as directory:
        results += run_database(sqlite_database(Path(directory), "FULL"), plan)
    if pg_url:
        results += run_database(postgresql_database(pg_url), plan)
    print_table(results)


if __name__ == "__main__":
    main()
