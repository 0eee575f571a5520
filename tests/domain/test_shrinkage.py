"""Shrinkage: the rate counts measure, and the units the risk-bounded buffer holds back for what
may have gone missing unseen since the last count. Pure domain."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stockpool.domain import poisson
from stockpool.domain.availability import advertise, decide
from stockpool.domain.oversell import shown_risk
from stockpool.domain.shrinkage import (
    PRIOR_HOURS,
    CountHistory,
    LocationShrinkage,
    after_count,
    expected_missing,
    units_per_hour,
)
from stockpool.domain.stock_groups import Place, grouped
from tests.domain.test_availability import facts, skus

T0 = datetime(2026, 3, 2, tzinfo=UTC)
WEEK = timedelta(hours=168)
ALL = frozenset({"shopify", "amazon", "walmart"})


def three_channels(**policy: object) -> list:
    return [
        facts("shopify", demand=0.05, lag=2.0, cost=10, **policy),
        facts("amazon", demand=0.05, lag=900.0, **policy),
        facts("walmart", demand=0.02, lag=600.0, **policy),
    ]


def test_a_count_adds_what_it_found_missing_and_a_surplus_gives_back_down_to_none():
    first = after_count(None, 10, 8, T0)
    assert first == CountHistory(2, T0, T0)
    second = after_count(first, 8, 9, T0 + WEEK)  # a misplaced unit turned up
    assert second == CountHistory(1, T0, T0 + WEEK)
    third = after_count(second, 9, 12, T0 + 2 * WEEK)  # more than ever went missing
    assert third == CountHistory(0, T0, T0 + 2 * WEEK)
    assert third.span_hours == 336


def test_a_skus_rate_is_its_own_findings_with_a_week_of_its_other_skus_rate():
    history = CountHistory(2, T0, T0 + 3 * WEEK)
    alone = LocationShrinkage().changed(None, history)
    assert units_per_hour(history, alone) == pytest.approx(2 / (4 * 168))  # its own, once
    # Other SKUs there lost 3 units over 300 SKU-hours: 0.01 an hour.
    others = LocationShrinkage(3 + 2, 300 + 4 * 168)
    assert units_per_hour(history, others) == pytest.approx((2 + 0.01 * PRIOR_HOURS) / (4 * 168))
    # A SKU that lost nothing yet has its location's rate, fading as its counts cover more.
    clean = CountHistory(0, T0, T0)
    assert units_per_hour(clean, LocationShrinkage(3, 300 + 168)) == pytest.approx(0.01)
    week = CountHistory(0, T0, T0 + WEEK)
    assert units_per_hour(week, LocationShrinkage(3, 300 + 2 * 168)) == pytest.approx(0.005)
    # No shrinkage measured: nothing at all.
    assert units_per_hour(clean, LocationShrinkage(0, 5000)) == 0.0


def test_a_locations_totals_follow_each_skus_history():
    totals = LocationShrinkage()
    first = after_count(None, 5, 4, T0)
    totals = totals.changed(None, first)
    assert totals == LocationShrinkage(1, PRIOR_HOURS)
    second = after_count(first, 4, 4, T0 + WEEK)
    totals = totals.changed(first, second)
    assert totals == LocationShrinkage(1, PRIOR_HOURS + 168)
    assert totals.units_per_hour == pytest.approx(1 / 336)
    assert LocationShrinkage().units_per_hour == 0.0


def test_what_may_be_missing_grows_with_the_hours_since_the_last_count():
    assert expected_missing(0.01, T0, T0 + timedelta(hours=50)) == pytest.approx(0.5)
    assert expected_missing(0.0, T0, T0 + WEEK) == 0.0
    assert expected_missing(0.01, T0 + WEEK, T0) == 0.0  # a count stamped later: none yet
    with pytest.raises(ValueError):
        expected_missing(-1.0, T0, T0)
    with pytest.raises(ValueError):
        Place("DAL-1", ALL, 3, shrink=float("nan"))


def test_a_channel_holds_back_one_quantile_of_sales_and_losses_together():
    channels = three_channels()
    plain = decide([Place("DAL-1", ALL, 40)], channels).channels["amazon"]
    lossy = decide([Place("DAL-1", ALL, 40, shrink=1.5)], channels).channels["amazon"]
    (group,) = lossy.groups
    sales = group.window_mean
    assert group.quantile == poisson.quantile(sales + 1.5, 1 - 0.005)
    assert group.quantile < poisson.quantile(sales, 1 - 0.005) + poisson.quantile(1.5, 1 - 0.005)
    assert lossy.advertised == 40 - group.quantile
    assert group.shrink_mean == 1.5
    assert group.shrink_held == plain.advertised - lossy.advertised > 0


def test_near_the_last_units_no_channel_is_shown_a_unit_that_may_be_gone():
    channels = three_channels()
    before = decide([Place("DAL-1", ALL, 1)], channels).numbers()
    assert sum(before.values()) == 1  # the partition: the one unit to one channel
    # A week since the count at 0.01 units/h: P(the unit is gone) ~ 0.8%, above Amazon's
    # epsilon (0.005) and below Shopify's (0.05).
    after = decide([Place("DAL-1", ALL, 1, shrink=0.08)], channels)
    assert after.numbers()["amazon"] == after.numbers()["walmart"] == 0
    assert after.numbers()["shopify"] <= before["shopify"]
    assert after.channels["amazon"].groups[0].shrink_held == before["amazon"]


def test_fixed_buffers_and_the_partition_policies_ignore_shrinkage():
    for policy in ({"buffer": 0}, {"buffer": 0, "share_percent": 40}, {"buffer": 3}):
        channels = three_channels(**policy)
        plain = decide([Place("DAL-1", ALL, 12)], channels).numbers()
        lossy = decide([Place("DAL-1", ALL, 12, shrink=4.0)], channels).numbers()
        assert lossy == plain, policy


def with_shrink(places: list[Place], amounts: list[float]) -> list[Place]:
    return [dataclasses.replace(p, shrink=amounts[n % len(amounts)]) for n, p in enumerate(places)]


@settings(max_examples=150)
@given(skus())
def test_no_shrinkage_decides_exactly_what_it_decided_before(sku):
    places, channels = sku
    zero = with_shrink(places, [0.0])
    assert decide(zero, channels) == decide(places, channels)


@settings(max_examples=200)
@given(skus(), st.lists(st.floats(0, 20), min_size=1, max_size=4), st.floats(0, 20))
def test_more_possible_shrinkage_never_shows_any_channel_more(sku, amounts, more):
    places, channels = sku
    less = with_shrink(places, amounts)
    worse = with_shrink(places, [a + more for a in amounts])
    before, after = decide(less, channels).numbers(), decide(worse, channels).numbers()
    for code, number in before.items():
        assert after[code] <= number, (code, number, after[code])


@settings(max_examples=150)
@given(skus(), st.lists(st.floats(0, 20), min_size=1, max_size=4))
def test_the_fast_path_holds_back_the_same_for_shrinkage(sku, amounts):
    places, channels = sku
    lossy = with_shrink(places, amounts)
    stock = grouped(lossy, [c.channel for c in channels])
    numbers = advertise(stock.units, channels, stock.taken, stock.shrink)
    assert numbers == decide(lossy, channels).numbers()


@settings(max_examples=150)
@given(skus(), st.lists(st.floats(0, 20), min_size=1, max_size=4))
def test_shrinkage_never_shows_a_channel_more_than_its_pool_nor_less_than_none(sku, amounts):
    places, channels = sku
    for shown in decide(with_shrink(places, amounts), channels).channels.values():
        assert 0 <= shown.advertised <= shown.pool
        assert all(g.shrink_held >= 0 for g in shown.groups)


def test_the_oversell_chance_a_seller_is_warned_of_counts_what_may_be_missing():
    channels = [facts("shopify", demand=0.05, lag=2.0, cost=10), facts("amazon", buffer=0)]
    plain = decide([Place("DAL-1", ALL & {"shopify", "amazon"}, 20)], channels)
    lossy = decide([Place("DAL-1", ALL & {"shopify", "amazon"}, 20, shrink=3.0)], channels)
    # Amazon's fixed buffer (0) ignores shrinkage; its warning does not.
    assert plain.numbers()["amazon"] == lossy.numbers()["amazon"] == 20
    before = shown_risk(plain.channels["amazon"], 0.005)
    after = shown_risk(lossy.channels["amazon"], 0.005)
    assert before is not None and after is not None
    assert after.probability > before.probability
    assert after.safe < before.safe
