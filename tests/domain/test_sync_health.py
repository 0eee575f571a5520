"""A channel's sync health judged from what is known of its pushes and its connector: stale,
failing (pushes failed, the circuit breaker open, drift) or ok; and the lag's percentiles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from stockpool.domain.sync_health import (
    LagPercentiles,
    SyncState,
    Vitals,
    health,
    lag_percentiles,
)

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
LIMITS = {"stale_after": timedelta(minutes=10), "feed_stuck_after": timedelta(hours=1)}


def judge(**state: object):
    return health(SyncState(**state), NOW, **LIMITS)  # type: ignore[arg-type]


def test_a_channel_with_nothing_known_is_ok():
    assert judge().status == "ok"


def test_an_open_circuit_makes_the_channel_failing_and_says_since_when():
    verdict = judge(
        circuit="open",
        circuit_since=NOW - timedelta(minutes=3),
        vitals_at=NOW - timedelta(seconds=20),
        last_success_at=NOW - timedelta(minutes=3),
    )
    assert verdict.status == "failing"
    [reason] = verdict.reasons
    assert "circuit breaker has been open for 3 min" in reason
    assert "refused while it cools down" in reason and "told 20 s ago" in reason


def test_a_half_open_circuit_says_one_call_tries_the_platform():
    verdict = judge(circuit="half_open", circuit_since=NOW - timedelta(minutes=1))
    assert verdict.status == "failing"
    assert "half open for 60 s: one call at a time" in verdict.reasons[0]


def test_every_reason_for_failing_is_told_not_only_the_first():
    verdict = judge(
        failures_in_row=2,
        last_failure_at=NOW - timedelta(seconds=5),
        last_error="HTTP 500",
        circuit="open",
        drifting=3,
    )
    assert verdict.status == "failing"
    assert len(verdict.reasons) == 3
    assert "HTTP 500" in verdict.reasons[0] and "3 listing(s)" in verdict.reasons[2]


def test_stale_outranks_an_open_circuit():
    verdict = judge(circuit="open", oldest_waiting_at=NOW - timedelta(minutes=30))
    assert verdict.status == "stale"


def test_two_connectors_of_a_channel_are_told_as_their_worse_circuit_and_summed_throttling():
    push, chores = Vitals("closed", 0, 2), Vitals("half_open", 4, 1)
    assert push.worst(chores) == Vitals("half_open", 4, 3)
    assert Vitals("open", 5, 0).worst(chores).circuit == "open"


def test_lag_percentiles_are_nearest_rank():
    assert lag_percentiles([]) is None
    assert lag_percentiles([7.0]) == LagPercentiles(7.0, 7.0, 1)
    samples = [float(n) for n in range(100, 0, -1)]  # 1 ... 100, unsorted
    assert lag_percentiles(samples) == LagPercentiles(50.0, 99.0, 100)
    tail = [1.0] * 98 + [60.0, 600.0]
    assert lag_percentiles(tail) == LagPercentiles(1.0, 60.0, 100)


@pytest.mark.parametrize("n", [1, 2, 3, 10, 101])
def test_the_percentiles_are_samples_and_ordered(n):
    samples = [float((k * 37) % 101) for k in range(n)]
    found = lag_percentiles(samples)
    assert found is not None
    assert found.p50 in samples and found.p99 in samples and found.p50 <= found.p99
