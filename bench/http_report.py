"""bench/api_http.py's report: the table per engine, the issue's targets, and the check that every
acknowledged order reached the database."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from http_raw import RawRun
from http_wrk import BATCH, Load, WrkRun
from movements import PG_URL_VARIABLE, server_version
from stockpool.bootstrap import Container

# The targets (16, "Speed where sellers feel it"): numerator, denominator, least ratio.
TARGETS = (
    ("order", "read", 0.5, ""),
    ("reserve", "read", 0.5, " (as order)"),
    ("batch", "raw", 3.0, " (stretch 5)"),
    ("flash", "flash-plain", 0.5, ""),
)


@dataclass(frozen=True)
class Outcome:
    """One scenario's figures as reported: rate in requests/s (orders/s for batch)."""

    name: str
    run: WrkRun
    rate: float
    non_2xx: int  # responses, and in batch the orders refused inside 2xx responses too
    failures: int  # answers that are not what the scenario expects, and socket errors
    acknowledged: int  # orders answered 2xx
    orders_sent: int

    @classmethod
    def of(cls, name: str, run: WrkRun) -> Outcome:
        errors = run.socket_errors + run.timeouts
        if name == "batch":
            refused_inside = BATCH * run.ok - run.inner_ok
            non_2xx, acknowledged = run.bad + refused_inside, run.inner_ok
            return cls(
                name,
                run,
                run.per_second * BATCH,
                non_2xx,
                non_2xx + errors,
                acknowledged,
                run.orders_sent,
            )
        unexpected = run.ok if name == "refused" else run.bad  # refused: 401 is the point
        acknowledged = run.ok if run.orders_sent else 0
        return cls(
            name, run, run.per_second, run.bad, unexpected + errors, acknowledged, run.orders_sent
        )


def print_header(load: Load, serve_args: list[str], pg_url: str | None) -> None:
    pg = server_version(pg_url) if pg_url else f"skipped ({PG_URL_VARIABLE})"
    lines = {
        "date": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "commit": _commit(),
        "machine": f"{os.cpu_count()} CPUs, {platform.platform()} (wrk runs on it too)",
        "python": f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}",
        "postgresql": pg,
        "load": f"wrk -t{load.threads} -c{load.connections} -d{load.seconds:g}s per scenario",
        "serve": " ".join(["stockpool serve", *serve_args]) + " (STOCKPOOL_WORKER=off)",
    }
    for name, value in lines.items():
        print(f"{name:<11} {value}")


def _commit() -> str:
    root = Path(__file__).resolve().parent.parent
    found = subprocess.run(
        ["git", "-C", str(root), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    )
    return found.stdout.strip() or "?"


ROW = "{:<12} {:>10} {:>8} {:>8} {:>10} {:>8} {:>7} {:>9}"


def print_table(engine: str, outcomes: dict[str, Outcome], raw: RawRun | None) -> None:
    print(f"\n{engine}: per scenario, requests/s (orders/s for batch and raw)")
    print(
        ROW.format(
            "scenario", "per s", "p50 ms", "p99 ms", "CPU ms/req", "non-2xx", "errors", "responses"
        )
    )
    for name, outcome in outcomes.items():
        if name == "warm-up":
            continue
        run = outcome.run
        print(
            ROW.format(
                name,
                f"{outcome.rate:,.0f}",
                f"{run.p50_ms:.1f}",
                f"{run.p99_ms:.1f}",
                f"{run.cpu_ms_per_request:.2f}",
                f"{outcome.non_2xx:,}",
                f"{run.socket_errors + run.timeouts:,}",
                f"{run.responses:,}",
            )
        )
    if raw is not None:
        print(
            ROW.format(
                f"raw ({raw.threads} thr)", f"{raw.per_second:,.0f}", *["-"] * 5, f"{raw.orders:,}"
            )
        )
    if "batch" in outcomes:
        per_order = outcomes["batch"].run.cpu_ms_per_request / BATCH
        print(f"batch: {BATCH} orders per request; server CPU {per_order:.3f} ms per order")


def print_ratios(
    outcomes: dict[str, Outcome], raw: RawRun | None, flash: str, sold_out: float | None
) -> None:
    """The targets' ratios; then, stricter than flash / flash-plain, the flash sale's orders
    per second once its SKU ran out (sold_out, every order then a conflict) against
    flash-plain's."""
    rates = {name: outcome.rate for name, outcome in outcomes.items()}
    if raw is not None:
        rates["raw"] = raw.per_second
    for mine, theirs, least, note in TARGETS:
        if mine in rates and theirs in rates:
            ratio = rates[mine] / rates[theirs]
            verdict = "met" if ratio >= least else "missed"
            print(f"{mine} / {theirs}: {ratio:.2f}x, target >= {least:g}x{note}: {verdict}")
    if raw is not None:
        print(f"raw floor: {raw.orders:,} orders in {raw.seconds:.1f} s on {raw.threads} threads")
    if "flash" in outcomes:
        print(f"flash: {outcomes['flash'].acknowledged:,} orders acknowledged; {flash}")
    if sold_out is not None and "flash-plain" in rates:
        ratio = sold_out / rates["flash-plain"]
        verdict = "met" if ratio >= 0.5 else "missed"
        print(
            f"flash once sold out / flash-plain: {sold_out:,.0f}/s, {ratio:.2f}x, "
            f"target >= 0.5x: {verdict}"
        )


def stored_orders(container: Container, prefixes: list[str]) -> dict[str, int]:
    """Orders in the database per external_id prefix; reservations ("reserve") by reference."""
    with container.engine.connect() as connection:
        return {
            prefix: connection.execute(
                text(
                    "SELECT COUNT(*) FROM reservations WHERE reference LIKE :pattern"
                    if prefix == "reserve"
                    else "SELECT COUNT(*) FROM orders WHERE external_id LIKE :pattern"
                ),
                {"pattern": f"{prefix}-%"},
            ).scalar_one()
            for prefix in prefixes
        }


def check_orders(stored: dict[str, int], expected: dict[str, tuple[int, int]]) -> bool:
    """Per prefix, the orders in the database: at least those acknowledged (nothing acknowledged
    lost) and at most those sent (the last requests of a run may be answered after wrk stopped
    counting). expected: prefix -> (acknowledged, sent)."""
    good = True
    for prefix, (acknowledged, sent) in expected.items():
        found = stored[prefix]
        if found < acknowledged:
            verdict = f"MISSING {acknowledged - found}"
        elif found > sent:
            verdict = f"{found - sent} MORE THAN SENT"
        else:
            verdict = "ok"
        good = good and verdict == "ok"
        print(
            f"  check {prefix:<6} {acknowledged:>9,} acknowledged, {found:>9,} in the database, "
            f"{sent:>9,} sent: {verdict}"
        )
    return good


def print_batch_drained(run: WrkRun, stored: int, raw: RawRun | None) -> None:
    """batch counted another way: with 500 orders a request, the requests still open when wrk
    stops are a large share of the run, so count every order stored over wrk's time plus the
    time the server took to finish them."""
    seconds = run.seconds + run.drain_seconds
    versus = f", {stored / seconds / raw.per_second:.2f}x raw" if raw else ""
    print(
        f"batch, every order stored counted: {stored / seconds:,.0f} orders/s{versus} ({stored:,} "
        f"over {run.seconds:.1f} s of wrk + {run.drain_seconds:.1f} s until the server was idle)"
    )
