"""Forecast math: days of cover, the stockout moment, and lots counted only when they land in
time."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stockpool.domain.demand import decayed, with_sale
from stockpool.domain.forecast import Lot, forecast, recent_rate, velocity

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def test_velocity_sums_channels_in_units_a_day():
    assert velocity({"shopify": 0.5, "amazon": 0.25}) == 18.0


def test_cover_and_stockout_without_lots():
    f = forecast(30, 10.0, [], NOW)
    assert f.days_of_cover == 3.0
    assert f.stockout_at == NOW + timedelta(days=3)
    assert (f.lots_in_time, f.lots_late) == (0, 0)


def test_nothing_selling_never_runs_out():
    f = forecast(5, 0.0, [Lot(10, NOW)], NOW)
    assert f.stockout_at is None and f.days_of_cover is None


def test_a_lot_arriving_before_the_shelf_empties_pushes_the_stockout_out():
    f = forecast(30, 10.0, [Lot(20, NOW + timedelta(days=2))], NOW)
    assert f.stockout_at == NOW + timedelta(days=5)
    assert f.stockout_without_lots_at == NOW + timedelta(days=3)
    assert (f.lots_in_time, f.lots_late) == (20, 0)


def test_a_lot_arriving_after_the_shelf_empties_does_not_count():
    f = forecast(30, 10.0, [Lot(20, NOW + timedelta(days=4)), Lot(5, None)], NOW)
    assert f.stockout_at == NOW + timedelta(days=3)
    assert (f.lots_in_time, f.lots_late) == (0, 25)


@given(
    st.integers(0, 10_000),
    st.floats(0.01, 1000),
    st.lists(st.tuples(st.integers(1, 500), st.integers(0, 60 * 24 * 30)), max_size=5),
)
def test_lots_never_bring_the_stockout_forward(sellable, per_day, lots):
    dated = [Lot(units, NOW + timedelta(minutes=m)) for units, m in lots]
    with_lots = forecast(sellable, per_day, dated, NOW)
    without = forecast(sellable, per_day, [], NOW)
    assert with_lots.stockout_at is not None and without.stockout_at is not None
    assert with_lots.stockout_at >= without.stockout_at - timedelta(milliseconds=1)
    assert with_lots.lots_in_time + with_lots.lots_late == sum(u for u, _ in lots)


@given(st.lists(st.tuples(st.integers(1, 50), st.integers(0, 60 * 24 * 10)), max_size=8))
def test_the_recent_rate_is_the_kept_rate_worked_out_afresh(sales):
    timed = sorted(((u, NOW - timedelta(minutes=m)) for u, m in sales), key=lambda s: s[1])
    kept = None
    for units, at in timed:
        kept = with_sale(kept, units, at, 24)
    expected = 0.0 if kept is None else decayed(kept, NOW, 24)
    assert recent_rate(timed, NOW, 24) == pytest.approx(expected, rel=1e-9, abs=1e-12)
