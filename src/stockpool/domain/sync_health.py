"""Whether a channel's sync keeps up: when it does not, the channel goes on selling at the number
it last received, and its rivals must hold that back.

A channel is **stale** when a change has waited to be pushed to it longer than the threshold and
no push has succeeded for that long, or when a bulk feed has been processing longer than a feed
may take. It is **failing** (told, but not yet stale) when its latest push attempts failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

Status = Literal["ok", "failing", "stale"]


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
    failed = state.last_failure_at
    if (
        state.failures_in_row
        and failed is not None
        and (quiet_since is None or failed > quiet_since)
    ):
        return Health(
            "failing",
            (
                f"the last {state.failures_in_row} push(es) failed: {state.last_error or 'no detail'}",
            ),
        )
    if state.drifting:
        return Health(
            "failing",
            (
                f"{state.drifting} listing(s) kept showing another number than pushed, reading "
                "after reading, repairs notwithstanding: the channel's drift lists them",
            ),
        )
    return Health("ok", ())


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
