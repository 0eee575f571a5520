"""bench/api_http.py's raw floor: threads on the bare driver, one order per transaction on one hot
balance, through bench/orders.py's raw side (the same statements and pragmas)."""

from __future__ import annotations

import itertools
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from http_server import CHANNELS, RAW_SKU
from movements import Database
from orders import open_raw
from stockpool.domain.orders import NewOrder, OrderLine


@dataclass(frozen=True)
class RawRun:
    threads: int
    orders: int  # committed, each its own transaction
    seconds: float

    @property
    def per_second(self) -> float:
        return self.orders / self.seconds


def raw_floor(database: Database, threads: int, seconds: float) -> RawRun:
    """threads callers, each on its own connection (opened before the clock starts), ingesting
    1-unit orders of RAW_SKU for seconds; external ids raw-<thread>-<n>, channels rotating."""
    start_line = threading.Barrier(threads)

    def caller(number: int) -> tuple[float, float, int]:
        raw = open_raw(database)  # in its thread: sqlite3 connections stay in theirs
        try:
            channels = itertools.cycle(channel.code for channel in CHANNELS)
            start_line.wait()
            started = time.perf_counter()
            deadline, made = started + seconds, 0
            while time.perf_counter() < deadline:
                made += 1
                raw.ingest(
                    NewOrder(
                        channel=next(channels),
                        external_id=f"raw-{number}-{made}",
                        lines=(OrderLine(RAW_SKU, 1),),
                        placed_at=datetime.now(UTC),
                    )
                )
            return started, time.perf_counter(), made
        finally:
            raw.close()

    with ThreadPoolExecutor(threads, thread_name_prefix="bench-raw") as pool:
        results = list(pool.map(caller, range(threads)))
    began = min(started for started, _, _ in results)
    ended = max(finished for _, finished, _ in results)
    return RawRun(threads, sum(made for _, _, made in results), ended - began)
