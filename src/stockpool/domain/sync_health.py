"""Whether a channel's sync keeps up: when it does not, the channel goes on selling at the number
it last received, and its rivals must hold that back.

A channel is **stale** when a change has waited to be pushed to it longer than the threshold and
no push has succeeded for that long, or when a bulk feed has been processing longer than a feed
may take. It is **failing** (told, but not yet stale) when its latest push attempts failed, when the
worker's circuit breaker stopped calling the platform, or when listings keep drifting.

The lag is told as percentiles of the lags measured recently (`lag_percentiles`): the running
average the buffers use hides the slow tail that oversells.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

Status = Literal["ok", "failing", "stale"]
Circuit = Literal["closed", "open", "half_open"]
CIRCUITS: tuple[Circuit, ...] = ("closed", "half_open", "open")  # from the best to the worst


@dataclass(frozen=True, slots=True)
class Vitals:
    """How a connector's calls to its platform fare now: its circuit breaker, the failures in a
    row that count towards opening it, and how often the platform answered "slow down" (since
    the connector was built)."""

    circuit: Circuit = "closed"
    failures_in_row: int = 0
    throttled: int = 0

    def worst(self, other: Vitals) -> Vitals:
        """Two connectors of one channel told as one: the worse circuit, the throttling of both."""
        return Vitals(
            max(self.circuit, other.circuit, key=CIRCUITS.index),
            max(self.failures_in_row, other.failures_in_row),
            self.throttled + other.throttled,
        )


@dataclass(frozen=True, slots=True)
class SyncState:
    """What is known of a channel's pushes."""

    last_success_at: datetime | None = None
    last_failure_at: datetime | None = None
    last_error: str | None = None
    failures_in_row: int = 0
    oldest_waiting_at: datetime | None = None  # the oldest change not yet pushed
    oldest_feed_at: datetime | None = None  # the oldest bulk feed still processing
    oldest_feed_id: str | None = None
    drifting: int = 0  # listings reconciliation found showing another number, reading after reading
    circuit: Circuit = "closed"  # as the worker pushing to the channel last reported it
    circuit_since: datetime | None = None  # when it left "closed"
    throttled: int = 0  # "slow down" answers, in all
    throttled_at: datetime | None = None  # the latest of them
    vitals_at: datetime | None = None  # when the worker last reported the circuit


@dataclass(frozen=True, slots=True)
class Health:
    status: Status
    reasons: tuple[str, ...]


def health(
    state: SyncState, now: datetime, *, stale_after: timedelta, feed_stuck_after: timedelta
) -> Health:
    """The channel's sync health at now."""
    reasons: list[str] = []
    waiting = state.oldest_waiting_at
    quiet_since = state.last_success_at
    quiet = quiet_since is None or now - quiet_since > stale_after
    if waiting is not None and now - waiting > stale_after and quiet:
        since = (
            "no push has ever succeeded"
            if quiet_since is None
            else f"none has succeeded for {_span(now - quiet_since)}"
        )
        reasons.append(f"a change has waited {_span(now - waiting)} to be pushed and {since}")
    if state.oldest_feed_at is not None and now - state.oldest_feed_at > feed_stuck_after:
        reasons.append(
            f"feed {state.oldest_feed_id} has been processing for {_span(now - state.oldest_feed_at)}"
        )
    if reasons:
        return Health("stale", tuple(reasons))
    failing = _failing(state, now)
    return Health("failing", failing) if failing else Health("ok", ())


def _failing(state: SyncState, now: datetime) -> tuple[str, ...]:
    reasons: list[str] = []
    failed, succeeded = state.last_failure_at, state.last_success_at
    if state.failures_in_row and failed is not None and (succeeded is None or failed > succeeded):
        reasons.append(
            f"the last {state.failures_in_row} push(es) failed: {state.last_error or 'no detail'}"
        )
    if state.circuit != "closed":
        since = f" for {_span(now - state.circuit_since)}" if state.circuit_since else ""
        told = _span(now - state.vitals_at) + " ago" if state.vitals_at else "at an unknown time"
        doing = (
            "calls to the platform are refused while it cools down"
            if state.circuit == "open"
            else "one call at a time is let through to try the platform"
        )
        reasons.append(
            f"the circuit breaker has been {state.circuit.replace('_', ' ')}{since}: {doing} "
            f"(as the worker told {told})"
        )
    if state.drifting:
        reasons.append(
            f"{state.drifting} listing(s) kept showing another number than pushed, reading "
            "after reading, repairs notwithstanding: the channel's drift lists them"
        )
    return tuple(reasons)


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"


LAG_WEIGHT = 0.2  # each new measurement's weight in the running lag


def next_lag(current: float | None, samples: int, measured: float) -> float:
    """The running (exponentially weighted) lag after one more measurement; the first one
    stands alone."""
    if current is None or samples == 0:
        return measured
    return current + LAG_WEIGHT * (measured - current)


@dataclass(frozen=True, slots=True)
class LagPercentiles:
    p50: float
    p99: float
    samples: int


def lag_percentiles(samples: Sequence[float]) -> LagPercentiles | None:
    """The median and 99th percentile of measured lags (nearest rank); None without any."""
    if not samples:
        return None
    ordered = sorted(samples)

    def rank(q: float) -> float:
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]

    return LagPercentiles(rank(0.5), rank(0.99), len(ordered))
