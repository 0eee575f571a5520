"""How the worker carries numbers: single calls or a feed by volume, backoff bounds, and what a
reading of the platform means."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from stockpool.domain.channels import Platform
from stockpool.domain.sync_plan import (
    GRACE_MIN,
    RETRY_BASE,
    RETRY_CAP,
    Expected,
    Verdict,
    Way,
    grace,
    how,
    judge,
    retry_after,
)

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def test_a_feed_only_pays_off_from_a_volume_each_platform_sets():
    assert how(Platform.AMAZON, 24) is Way.SINGLE and how(Platform.AMAZON, 25) is Way.FEED
    assert how(Platform.WALMART, 99) is Way.SINGLE and how(Platform.WALMART, 100) is Way.FEED
    assert how(Platform.SHOPIFY, 1) is Way.SINGLE and how(Platform.SHOPIFY, 2) is Way.FEED
    assert how(Platform.MANUAL, 10_000) is Way.SINGLE


@given(st.integers(min_value=1, max_value=10_000), st.floats(min_value=0, max_value=0.999))
def test_backoff_grows_with_attempts_and_never_passes_its_cap(attempts, jitter):
    wait = retry_after(attempts, jitter)
    assert timedelta(0) <= wait <= RETRY_CAP
    assert wait <= RETRY_BASE * 2 ** min(attempts - 1, 20)


def test_grace_is_twice_the_lag_and_at_least_the_minimum():
    assert grace(None) == GRACE_MIN and grace(5) == GRACE_MIN and grace(120) == timedelta(minutes=4)


def expected(pushed=7, ago=timedelta(minutes=5), in_a_feed=False):
    return Expected("W-1", pushed, NOW - ago if pushed is not None else None, in_a_feed)


def test_a_reading_is_in_sync_on_its_way_or_drift():
    within = timedelta(seconds=30)
    assert judge(expected(), 7, NOW, within) is Verdict.IN_SYNC
    assert judge(expected(), 8, NOW, within) is Verdict.DRIFT
    assert judge(expected(), None, NOW, within) is Verdict.DRIFT  # the platform lost it
    assert judge(expected(ago=timedelta(seconds=10)), 8, NOW, within) is Verdict.ON_ITS_WAY
    assert judge(expected(in_a_feed=True), 8, NOW, within) is Verdict.ON_ITS_WAY
    assert judge(expected(pushed=None), 8, NOW, within) is Verdict.DRIFT  # never pushed
    # Fewer than accepted: a sale whose order is not in yet, until the orders were read since.
    assert judge(expected(), 6, NOW, within, orders_read=False) is Verdict.ON_ITS_WAY
    assert judge(expected(), 6, NOW, within, orders_read=True) is Verdict.DRIFT
    assert judge(expected(), 8, NOW, within, orders_read=False) is Verdict.DRIFT  # more: never
