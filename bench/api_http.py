"""Speed where sellers feel it: stockpool's API over HTTP, loaded by wrk, against the raw database.

Per engine, a fresh database (location BENCH-1; channels shopify, amazon and walmart; SKU HOT
with stock no run exhausts, SCARCE with 100 units per second of run) and an admin key; then
`python -m stockpool serve` as a subprocess on a free loopback port (STOCKPOOL_WORKER=off, extra
arguments from --serve-args), and wrk (-t2 -c16 -d10s by default, bench/wrk/stockpool.lua
building the requests and counting the answers) on each scenario in turn:

* refused:     GET /v1/skus without a key (401): what the framework alone can answer;
* read:        GET /v1/skus/HOT with the key: the trivial authenticated endpoint;
* order:       POST /v1/orders, one 1-unit order of HOT per request, channels rotating;
* reserve:     POST /v1/reservations, a checkout holding 1 unit of HOT per request;
* batch:       POST /v1/orders:batch of 500 such orders per request (figures in orders);
* flash-plain: as order, with its own ids: the flash sale without shortage;
* flash:       as order on SCARCE, which holds fewer units than the orders that come: once
               it is out, each order is still answered 201, its shortfall recorded as a
               conflict and resolved by the policy (auto: by cancellation cost).

And the raw floor, after the server stopped: 8 threads (--raw-threads) for the same duration,
each on its own bare driver connection (stdlib sqlite3 with the app's pragmas, or psycopg 3), one
order per transaction on one hot balance, as bench/orders.py's raw side: a guarded UPDATE of
balances, an INSERT each into orders, order_lines, allocations and ledger, COMMIT.

Per scenario: requests/s (orders/s for batch and raw), wrk's latency p50/p99, the CPU the
server's processes spent per request (utime + stime from /proc, children included), and the
non-2xx answers (in batch also the orders refused inside a 2xx); batch also counted as every
order stored over wrk's time plus the server's to finish (16 open batches of 500 are a large
share of a run). Then the issue's targets: order >= 0.5x read, batch >= 3x raw (stretch 5x),
flash >= 0.5x flash-plain. At the end, per scenario, the orders in the database by external_id
prefix: every order acknowledged (2xx) must be there, and nothing beyond what was sent; the exit
status is 1 if not, or on any failure.

Run from the repository root (needs wrk: apt-get install wrk):

    .venv/bin/python bench/api_http.py                  # SQLite, 10 s per scenario
    .venv/bin/python bench/api_http.py --quick          # 3 s per scenario
    .venv/bin/python bench/api_http.py --only order,raw --connections 64
    STOCKPOOL_BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1/stockpool_bench_http \\
        .venv/bin/python bench/api_http.py              # SQLite, then PostgreSQL (wiped, migrated)
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select, text

from http_raw import raw_floor
from http_report import (
    Outcome,
    check_orders,
    print_batch_drained,
    print_header,
    print_ratios,
    print_table,
    stored_orders,
)
from http_server import HOT_SKU, SCARCE_SKU, seed, serving, vacuum, wait_until_quiet
from http_wrk import Load, Request, WrkRun, require_wrk, run_wrk
from movements import PG_URL_VARIABLE, Database, postgresql_database, sqlite_database
from stockpool.bootstrap import Container
from stockpool.store.tables import conflicts, orders

SCENARIOS = ("refused", "read", "order", "reserve", "batch", "flash-plain", "flash", "raw")
ORDER_SCENARIOS = ("warm-up", "order", "reserve", "batch", "flash-plain", "flash")
RAW_THREADS = 8
SCARCE_PER_SECOND = 100  # SCARCE's units per second of run: fewer than the orders that come


def request_for(scenario: str, key: str) -> Request:
    """What each of wrk's requests is in scenario; its orders' ids start with its prefix."""
    placed_at = datetime.now(UTC).isoformat()

    def orders(mode: str, path: str, sku: str) -> Request:
        return Request(mode, path, key, prefix_of(scenario), sku, placed_at)

    return {
        "refused": Request("get", "/v1/skus"),
        "read": Request("get", f"/v1/skus/{HOT_SKU}", key),
        "warm-up": orders("order", "/v1/orders", HOT_SKU),
        "order": orders("order", "/v1/orders", HOT_SKU),
        "reserve": orders("reserve", "/v1/reservations", HOT_SKU),
        "batch": orders("batch", "/v1/orders:batch", HOT_SKU),
        "flash-plain": orders("order", "/v1/orders", HOT_SKU),
        "flash": orders("order", "/v1/orders", SCARCE_SKU),
    }[scenario]


def prefix_of(scenario: str) -> str:
    """The external_id prefix of a scenario's orders (no prefix another one starts with)."""
    return {"warm-up": "warm", "flash-plain": "plain"}.get(scenario, scenario)


def run_engine(database: Database, args: argparse.Namespace, load: Load) -> bool:
    """Seed, serve and load each scenario, stop, time the raw floor, print, check. True if every
    request was answered as it should and every acknowledged order is in the database."""
    print(f"[{database.label}] seeding ...", file=sys.stderr)
    container, key = seed(database, scarce_units=int(SCARCE_PER_SECOND * load.seconds))
    try:
        serve_args = shlex.split(args.serve_args)
        runs = serve_and_load(database, container, key, args.scenarios, load, serve_args)
        raw = None
        if "raw" in args.scenarios:
            print(f"[{database.label}] raw ...", file=sys.stderr)
            vacuum(container)
            raw = raw_floor(database, args.raw_threads, load.seconds)
        outcomes = {name: Outcome.of(name, run) for name, run in runs.items()}
        print_table(database.label, outcomes, raw)
        print_ratios(outcomes, raw, *flash_report(container))
        acknowledged = {
            prefix_of(name): (outcome.acknowledged, outcome.orders_sent)
            for name, outcome in outcomes.items()
            if name in ORDER_SCENARIOS
        }
        if raw is not None:
            acknowledged["raw"] = (raw.orders, raw.orders)
        stored = stored_orders(container, list(acknowledged))
        if "batch" in runs:
            print_batch_drained(runs["batch"], stored["batch"], raw)
        kept = check_orders(stored, acknowledged)
        return kept and not any(o.failures for n, o in outcomes.items() if n != "refused")
    finally:
        container.close()


def serve_and_load(
    database: Database,
    container: Container,
    key: str,
    scenarios: list[str],
    load: Load,
    serve_args: list[str],
) -> dict[str, WrkRun]:
    """stockpool serve, one wrk run per scenario (after a second of each kind untimed, to warm
    up imports, pools and caches), stopped; what wrk counted per scenario."""
    runs: dict[str, WrkRun] = {}
    with (
        tempfile.TemporaryDirectory(prefix="stockpool-bench-http-") as directory,
        serving(database.url, serve_args, Path(directory) / "serve.log") as server,
    ):
        warm = Load(load.threads, load.connections, 1)
        run_wrk(server.url, request_for("read", key), warm, server.pid)
        runs["warm-up"] = run_wrk(server.url, request_for("warm-up", key), warm, server.pid)
        for scenario in scenarios:
            if scenario == "raw":
                continue
            print(f"[{database.label}] {scenario} ...", file=sys.stderr)
            wait_until_quiet(container)
            vacuum(container)
            runs[scenario] = run_wrk(server.url, request_for(scenario, key), load, server.pid)
    return runs


def flash_report(container: Container) -> tuple[str, float | None]:
    """What the flash sale left: SCARCE's units committed, and the conflicts recorded; and the
    rate of its orders once SCARCE ran out (from the first conflict to the last order stored,
    by the orders' created_at: the conflict path alone, which the whole run's rate dilutes
    with the units sold before)."""
    with container.engine.connect() as connection:
        committed = connection.execute(
            text("SELECT SUM(committed), SUM(available) FROM balances WHERE sku = :sku"),
            {"sku": SCARCE_SKU},
        ).one()
        recorded = connection.execute(
            select(func.count(), func.coalesce(func.sum(conflicts.c.short), 0)).where(
                conflicts.c.sku == SCARCE_SKU
            )
        ).one()
        out = connection.execute(
            select(func.min(conflicts.c.created_at)).where(conflicts.c.sku == SCARCE_SKU)
        ).scalar_one()
        after = None
        if out is not None:
            after = connection.execute(
                select(func.count(), func.max(orders.c.created_at)).where(
                    orders.c.external_id.like("flash-%"), orders.c.created_at >= out
                )
            ).one()
    text_report = (
        f"{SCARCE_SKU}: {committed[0]} units committed, {committed[1]} left available; "
        f"{recorded[0]} conflicts recorded ({recorded[1]} units short)"
    )
    if after is None or after[1] is None or after[1] <= out:
        return text_report, None
    seconds = (after[1] - out).total_seconds()
    rate = after[0] / seconds
    return f"{text_report}; once it ran out, {after[0]:,} orders in {seconds:.1f} s", rate


# Entry point.


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="3 s per scenario")
    parser.add_argument("--seconds", type=float, help="seconds per scenario (10)")
    parser.add_argument("--connections", type=int, default=16, help="wrk's connections (16)")
    parser.add_argument("--threads", type=int, default=2, help="wrk's threads (2)")
    parser.add_argument("--only", metavar="SCENARIO[,..]", help=f"some of {','.join(SCENARIOS)}")
    parser.add_argument(
        "--raw-threads", type=int, default=RAW_THREADS, help=f"the raw floor's ({RAW_THREADS})"
    )
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), help="one engine only")
    parser.add_argument(
        "--serve-args", default="", help='more arguments for stockpool serve, e.g. "--workers 2"'
    )
    args = parser.parse_args(argv)
    args.scenarios = args.only.split(",") if args.only else list(SCENARIOS)
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(
            f"unknown scenario {', '.join(sorted(unknown))}; known: {', '.join(SCENARIOS)}"
        )
    if args.seconds is None:
        args.seconds = 3.0 if args.quick else 10.0
    return args


def engines(args: argparse.Namespace, directory: Path) -> list[Database]:
    """SQLite in directory, and PostgreSQL when PG_URL_VARIABLE names a database (as chosen)."""
    pg_url = os.environ.get(PG_URL_VARIABLE) or None
    chosen = []
    if args.engine in (None, "sqlite"):
        chosen.append(sqlite_database(directory, "FULL"))
    if args.engine in (None, "postgresql") and pg_url:
        chosen.append(postgresql_database(pg_url))
    return chosen


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    require_wrk()
    if args.engine == "postgresql" and not os.environ.get(PG_URL_VARIABLE):
        raise SystemExit(f"--engine postgresql needs {PG_URL_VARIABLE}")
    load = Load(args.threads, args.connections, args.seconds)
    print_header(load, shlex.split(args.serve_args), os.environ.get(PG_URL_VARIABLE) or None)
    good = True
    with tempfile.TemporaryDirectory(prefix="stockpool-bench-") as directory:
        for database in engines(args, Path(directory)):
            good = run_engine(database, args, load) and good
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
