"""Metrics for Prometheus: the counters and histograms stockpool keeps (an Observer the
services tell outcomes to, wired by bootstrap), and the gauges read from the database at each
scrape (the outbox and drift, right whichever process answers).

Several server or worker processes on one machine share their counts through prometheus-client's
multiprocess mode: start every process with PROMETHEUS_MULTIPROC_DIR naming the same empty
directory (emptied before they start; it is read when prometheus_client is imported) and each
process's /metrics adds up every process's files. Without it, a process counts in memory and
/metrics shows its own counts only. No process keeps a gauge of its own (the outbox and drift
are read from the database), so no gauge needs a multiprocess_mode, nor a dead process's files
tidied away (prometheus_client's mark_process_dead only concerns live gauges).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Mapping, Sequence

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from stockpool.domain.tally import Tally
from stockpool.services.ports.observer import OrderOutcome
from stockpool.services.sync import Backlog

log = logging.getLogger("stockpool.metrics")

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"  # prometheus-client's own setting
CONTENT_TYPE = CONTENT_TYPE_LATEST

# From a Shopify push showing within seconds to a Walmart feed taking hours.
LAG_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400)
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


def multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROCESS_DIR))


class Metrics:
    """stockpool's counters and histograms, in a registry of their own (one per container: tests
    build many). As the services' Observer, it counts what they tell it."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.orders = Counter(
            "stockpool_orders_ingested",
            "Orders answered by intake, by channel and outcome (new, replayed, refused).",
            ["channel", "outcome"],
            registry=r,
        )
        self.movements = Counter(
            "stockpool_movements",
            "Ledger movements recorded (committed), by reason.",
            ["reason"],
            registry=r,
        )
        self.conflicts = Counter(
            "stockpool_conflicts",
            "Conflicts recorded on order lines stock could not cover, by the line's channel.",
            ["channel"],
            registry=r,
        )
        self.pushes = Counter(
            "stockpool_pushes",
            "Numbers pushed to a channel (single calls and feed results), by outcome (applied, "
            "refused, failed).",
            ["channel", "outcome"],
            registry=r,
        )
        self.sync_lag = Histogram(
            "stockpool_sync_lag_seconds",
            "Sync lag measured by reading a channel back: from the change to the channel "
            "showing the number pushed for it.",
            ["channel"],
            buckets=LAG_BUCKETS,
            registry=r,
        )
        self.requests = Histogram(
            "stockpool_http_request_duration_seconds",
            "HTTP request latency, by method and route template.",
            ["method", "route"],
            buckets=REQUEST_BUCKETS,
            registry=r,
        )

    # The services' Observer

    def orders_taken(self, outcomes: Mapping[OrderOutcome, int]) -> None:
        for (channel, outcome), count in outcomes.items():
            self.orders.labels(channel, outcome).inc(count)

    def committed(self, tally: Tally) -> None:
        for reason, count in tally.movements.items():
            self.movements.labels(reason).inc(count)
        for channel, count in tally.conflicts.items():
            self.conflicts.labels(channel).inc(count)

    def pushed(self, channel: str, outcomes: Mapping[str, int]) -> None:
        for outcome, count in outcomes.items():
            self.pushes.labels(channel, outcome).inc(count)

    def lag_measured(self, channel: str, samples: Sequence[float]) -> None:
        histogram = self.sync_lag.labels(channel)
        for seconds in samples:
            histogram.observe(seconds)

    # The HTTP edge

    def request_took(self, method: str, route: str, seconds: float) -> None:
        self.requests.labels(method, route).observe(seconds)


class DatabaseGauges(Collector):
    """Gauges read from the database at each scrape: one query each, the same in every process."""

    def __init__(self, backlog: Callable[[], list[Backlog]]) -> None:
        self._backlog = backlog

    def collect(self) -> Iterator[Metric]:
        try:
            backlog = self._backlog()
        except Exception:  # a scrape reports what it can: the counters still matter
            log.exception("metrics: the outbox and drift could not be read")
            return
        depth = GaugeMetricFamily(
            "stockpool_outbox_depth",
            "Listings whose number waits in the outbox to be pushed, by channel.",
            labels=["channel"],
        )
        drift = GaugeMetricFamily(
            "stockpool_drift_listings",
            "Listings reconciliation found showing another number than pushed, reading after "
            "reading, by channel.",
            labels=["channel"],
        )
        circuit = GaugeMetricFamily(
            "stockpool_circuit_open",
            "1 while the channel's circuit breaker is open or half open (calls to the platform "
            "refused or being tried), as the worker last told; 0 when closed.",
            labels=["channel"],
        )
        throttled = CounterMetricFamily(
            "stockpool_throttled",
            "Answers where the platform said slow down (HTTP 429 and the like), by channel.",
            labels=["channel"],
        )
        for channel in backlog:
            depth.add_metric([channel.channel], channel.waiting)
            drift.add_metric([channel.channel], channel.drifting)
            circuit.add_metric([channel.channel], 0 if channel.circuit == "closed" else 1)
            throttled.add_metric([channel.channel], channel.throttled)
        yield from (depth, drift, circuit, throttled)


class _Counted(Collector):
    """A process's own counts (one registry passed on into another)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def collect(self) -> Iterator[Metric]:
        yield from self._registry.collect()


def exposition(metrics: Metrics, backlog: Callable[[], list[Backlog]]) -> bytes:
    """The text /metrics answers: every process's counts in multiprocess mode (this one's
    otherwise), and the gauges read from the database."""
    registry = CollectorRegistry()
    if multiprocess():
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # registers itself
    else:
        registry.register(_Counted(metrics.registry))
    registry.register(DatabaseGauges(backlog))
    return generate_latest(registry)
