"""Propagation: from a stock change's commit to the sandbox marketplace holding the new number,
through the sync worker and the real connectors, against the bare cost of the same platform
calls made directly; and pushes per change on a hot SKU (coalescing).

Set-up: 2,000 SKUs listed on a Shopify, an Amazon and a Walmart sandbox, each served on a
loopback port with its default rate limits and zero propagation delay (what a push sets shows at
once, so what is timed is stockpool's own path and the calls). The feeds' processing times are
cut to seconds (the sandboxes' defaults model real minutes) so that the initial sync of every
listing ends quickly; the measured phase's volume goes out as single calls and Shopify batches.

* ours:  a receipt of 1 unit on a random SKU, committed through the stock service, every
         1/--rate s for --seconds s; the worker (in this process, default settings: a round
         every 0.5 s) pushes what changed. Per channel, the time from the commit returning to
         the sandbox showing the SKU's new number. A change overtaken by a newer one on the
         same SKU and channel before it showed is not timed (coalesced: the newer one is).
* bare:  the same platform call made directly with the connector (Shopify inventorySetQuantities,
         Amazon Listings PATCH, Walmart PUT /v3/inventory), one at a time at the same pace:
         from the call to the sandbox showing the number.
* hot:   --hot changes of one SKU at --hot-rate a second; the pushes each platform received for
         it, per change.

Run from the repository root:

    .venv/bin/python bench/propagation.py            # 2,000 SKUs, 10 changes/s for 60 s
    .venv/bin/python bench/propagation.py --quick    # 500 SKUs, 20 s
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet

from stockpool.bootstrap import Container, bootstrap
from stockpool.config import Settings
from stockpool.domain.catalog import Location, LocationKind, Sku
from stockpool.domain.channels import Channel, Platform
from stockpool.domain.connections import Connection
from stockpool.domain.operations import Receive
from stockpool.domain.platforms import Push
from stockpool.entrypoints.worker import Worker, channel_jobs
from stockpool.sandbox.amazon import AmazonSandbox
from stockpool.sandbox.core import Sandbox
from stockpool.sandbox.serve import running
from stockpool.sandbox.shopify import ShopifySandbox
from stockpool.sandbox.walmart import WalmartSandbox

LOCATION = "BENCH-1"


@dataclass(frozen=True)
class Plan:
    skus: int
    rate: float
    seconds: float
    hot: int
    hot_rate: float
    sync_seconds: float


def sandboxes() -> dict[str, Sandbox]:
    return {
        "shop": ShopifySandbox(delay_seconds=0, seed=1),
        "amzn": AmazonSandbox(
            delay_seconds=0, seed=2, feed_queue_seconds=1, feed_processing_seconds=2
        ),
        "wmt": WalmartSandbox(delay_seconds=0, seed=3, feed_processing_seconds=2),
    }


def prepare(directory: Path, plan: Plan, platforms: dict[str, Sandbox]) -> Container:
    settings = Settings(
        database_url=f"sqlite:///{directory / 'propagation.db'}",
        secret_key=Fernet.generate_key().decode(),
        availability_refresh_seconds=0,
        reconcile_seconds=0,
        worker="off",
        sync_seconds=plan.sync_seconds,
        _env_file=None,  # type: ignore[call-arg]
    )
    container = bootstrap(settings)
    container.database.upgrade()
    codes = [f"SKU-{n:04d}" for n in range(1, plan.skus + 1)]
    container.catalog.put_locations([Location(LOCATION, LocationKind.WAREHOUSE, "Bench")])
    container.catalog.put_skus([Sku(code) for code in codes])
    receipts = [Receive(code, LOCATION, 50) for code in codes]
    for start in range(0, len(receipts), 500):
        container.stock.execute_all(receipts[start : start + 500], actor="bench")
    for code, sandbox in platforms.items():
        described = sandbox.describe()
        connection = Connection(
            described["url"], described["credentials"], described.get("token_url")
        )
        container.channels.put(Channel(code, Platform(sandbox.platform)), connection=connection)
        mapped = container.discovery.discover(code).mapped
        if len(mapped) != len(codes):
            raise RuntimeError(f"{code}: discovery mapped {len(mapped)} of {len(codes)} SKUs")
    return container


def shows(sandbox: Sandbox, sku: str) -> int | None:
    with sandbox.lock:
        listing = sandbox.shelf.get(sku)
        return None if listing is None else listing.shown


def wait_in_sync(container: Container, platforms: dict[str, Sandbox], timeout: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if all(not container.sync.pending(code, limit=1) for code in platforms):
            return time.monotonic() - start
        time.sleep(0.2)
    raise RuntimeError(f"the outbox did not drain within {timeout} s")


class Watch:
    """Times each change until its sandbox shows it, from a thread polling the shelves."""

    def __init__(self, platforms: dict[str, Sandbox]) -> None:
        self._platforms = platforms
        self._waiting: dict[tuple[str, str], tuple[int, float]] = {}
        self._lock = threading.Lock()
        self.latencies: dict[str, list[float]] = {code: [] for code in platforms}
        self.coalesced = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def expect(self, channel: str, sku: str, number: int, since: float) -> None:
        with self._lock:
            if (channel, sku) in self._waiting:
                self.coalesced += 1
            self._waiting[(channel, sku)] = (number, since)

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                waiting = list(self._waiting.items())
            for (channel, sku), (number, since) in waiting:
                if shows(self._platforms[channel], sku) == number:
                    at = time.monotonic()
                    with self._lock:
                        if self._waiting.get((channel, sku)) == (number, since):
                            del self._waiting[(channel, sku)]
                            self.latencies[channel].append(at - since)
            time.sleep(0.002)

    def left(self) -> int:
        with self._lock:
            return len(self._waiting)

    @contextmanager
    def running(self) -> Iterator[Watch]:
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join()


def paced(rate: float, seconds: float) -> Iterator[int]:
    """Ticks at `rate` a second for `seconds`, sleeping between them."""
    count = int(rate * seconds)
    start = time.monotonic()
    for n in range(count):
        delay = start + n / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        yield n


def ours(container: Container, platforms: dict[str, Sandbox], plan: Plan) -> Watch:
    codes = [f"SKU-{n:04d}" for n in range(1, plan.skus + 1)]
    dice = random.Random(7)
    watch = Watch(platforms)
    with watch.running():
        for _ in paced(plan.rate, plan.seconds):
            sku = dice.choice(codes)
            container.stock.execute(Receive(sku, LOCATION, 1), actor="bench")
            since = time.monotonic()
            numbers = container.availability.stored(sku)
            for channel in platforms:
                watch.expect(channel, sku, numbers[channel], since)
        deadline = time.monotonic() + 120
        while watch.left() and time.monotonic() < deadline:
            time.sleep(0.05)
    return watch


def bare(container: Container, platforms: dict[str, Sandbox], plan: Plan) -> dict[str, list[float]]:
    """The same calls, made directly with each connector at the same pace."""
    timed: dict[str, list[float]] = {}
    dice = random.Random(11)
    codes = [f"SKU-{n:04d}" for n in range(1, plan.skus + 1)]
    count = max(30, int(plan.rate * plan.seconds / 3))
    for channel, sandbox in platforms.items():
        connector = container.connector_for(channel)
        latencies: list[float] = []
        try:
            for n in paced(plan.rate, count / plan.rate):
                sku = dice.choice(codes)
                listing = container.listings.get(channel, sku).listing
                number = 1000 + n
                start = time.monotonic()
                connector.push([Push(listing, number, 1)])
                while shows(sandbox, sku) != number:
                    time.sleep(0.001)
                latencies.append(time.monotonic() - start)
        finally:
            connector.close()
        timed[channel] = latencies
    return timed


def hot(container: Container, platforms: dict[str, Sandbox], plan: Plan) -> dict[str, float]:
    sku = "SKU-0001"
    before = {code: _pushes(sandbox, sku) for code, sandbox in platforms.items()}
    for _ in paced(plan.hot_rate, plan.hot / plan.hot_rate):
        container.stock.execute(Receive(sku, LOCATION, 1), actor="bench")
    wait_in_sync(container, platforms, 120)
    return {
        code: (_pushes(sandbox, sku) - before[code]) / plan.hot
        for code, sandbox in platforms.items()
    }


def _pushes(sandbox: Sandbox, sku: str) -> int:
    with sandbox.lock:
        listing = sandbox.shelf.get(sku)
        return 0 if listing is None else listing.pushes


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(watch: Watch, direct: dict[str, list[float]], pushes: dict[str, float]) -> None:
    row = "{:<8} {:>7} {:>9} {:>9} {:>7} {:>9} {:>9} {:>9} {:>9} {:>13}"
    print(
        row.format(
            "channel",
            "timed",
            "ours p50",
            "ours p99",
            "bare n",
            "bare p50",
            "bare p99",
            "p50 x",
            "p99 x",
            "pushes/change",
        )
    )
    for channel, latencies in watch.latencies.items():
        ours50, ours99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
        bare50, bare99 = percentile(direct[channel], 0.5), percentile(direct[channel], 0.99)
        print(
            row.format(
                channel,
                len(latencies),
                f"{ours50 * 1000:.0f} ms",
                f"{ours99 * 1000:.0f} ms",
                len(direct[channel]),
                f"{bare50 * 1000:.1f} ms",
                f"{bare99 * 1000:.1f} ms",
                f"{ours50 / bare50:.0f}x",
                f"{ours99 / bare99:.0f}x",
                f"{pushes[channel]:.3f}",
            )
        )
    print(f"changes overtaken before they showed (coalesced, not timed): {watch.coalesced}")


def parse(argv: list[str] | None) -> Plan:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skus", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=10.0, help="stock changes a second")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--hot", type=int, default=200, help="changes of the hot SKU")
    parser.add_argument("--hot-rate", type=float, default=20.0)
    parser.add_argument("--sync-seconds", type=float, default=0.5, help="the worker's round")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        return Plan(500, args.rate, 20.0, 100, args.hot_rate, args.sync_seconds)
    return Plan(args.skus, args.rate, args.seconds, args.hot, args.hot_rate, args.sync_seconds)


def main(argv: list[str] | None = None) -> None:
    plan = parse(argv)
    # Amazon's SDK sets the root logger to INFO as it is imported: a line per call otherwise.
    logging.getLogger().setLevel(logging.WARNING)
    platforms = sandboxes()
    print(
        f"propagation: {plan.skus} SKUs x 3 sandboxes (delay 0, default rate limits), "
        f"{plan.rate:g} changes/s for {plan.seconds:g} s; hot SKU {plan.hot} changes at "
        f"{plan.hot_rate:g}/s; a worker round every {plan.sync_seconds:g} s; "
        f"Python {sys.version.split()[0]}, SQLite"
    )
    with ExitStack() as stack, tempfile.TemporaryDirectory() as directory:
        for sandbox in platforms.values():
            sandbox.seed(plan.skus, quantity=0)
            stack.enter_context(running(sandbox))
        container = prepare(Path(directory), plan, platforms)
        worker = Worker(container, channel_jobs(container))
        worker.start()
        try:
            took = wait_in_sync(container, platforms, 600)
            print(f"initial sync of {plan.skus * 3} listings: {took:.1f} s")
            watch = ours(container, platforms, plan)
            pushes = hot(container, platforms, plan)
        finally:
            worker.stop()
        direct = bare(container, platforms, plan)
        report(watch, direct, pushes)
        container.close()
    for sandbox in platforms.values():
        sandbox.close()


if __name__ == "__main__":
    main()
