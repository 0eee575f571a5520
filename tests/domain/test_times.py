"""Which times stockpool takes: aware ones, from 2000 up to 2100, and (for what already
happened) no more than a day ahead of now. Checked where each field is taken."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from stockpool.domain.errors import InvalidRequest
from stockpool.domain.movements import Reason
from stockpool.domain.operations import Adjust, Transfer
from stockpool.domain.orders import NewOrder, OrderLine, placed_ahead
from stockpool.domain.states import State
from stockpool.domain.times import happened, plausible

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
EAST = timezone(timedelta(hours=5, minutes=45))  # Nepal: an offset that is not whole hours


def order(placed_at, ship_by=None):
    return NewOrder("shopify", "A-1", (OrderLine("TEE-M-BLK", 1),), placed_at, ship_by)


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2000, 1, 1, tzinfo=UTC),
        datetime(2000, 1, 1, 5, 45, tzinfo=EAST),  # the same instant
        datetime(2099, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    ],
)
def test_times_from_2000_up_to_2100_are_plausible(moment):
    assert plausible(moment, "eta") is moment


@pytest.mark.parametrize(
    ("moment", "says"),
    [
        (datetime(1, 1, 1, tzinfo=UTC), "eta 0001-01-01T00:00:00Z is before 2000-01-01"),
        (datetime(2000, 1, 1, 5, 44, 59, tzinfo=EAST), "is before 2000-01-01"),
        (datetime(2100, 1, 1, tzinfo=UTC), "eta 2100-01-01T00:00:00Z is not before 2100-01-01"),
        (datetime(9999, 12, 31, tzinfo=UTC), "is not before 2100-01-01"),
    ],
)
def test_times_outside_2000_to_2100_are_refused_saying_what_is_accepted(moment, says):
    with pytest.raises(InvalidRequest, match=says) as refused:
        plausible(moment, "eta")
    assert "send a time from 2000-01-01 up to 2100-01-01, with its time zone" in str(refused.value)


def test_a_time_that_already_happened_may_be_up_to_a_day_ahead_of_now():
    assert happened(NOW + timedelta(days=1), "placed_at", NOW) == NOW + timedelta(days=1)
    with pytest.raises(InvalidRequest, match=r"more than a day ahead of now \(2026-11-28T09:00"):
        happened(NOW + timedelta(days=1, microseconds=1), "placed_at", NOW)
    with pytest.raises(InvalidRequest, match="before 2000-01-01"):
        happened(datetime(1999, 12, 31, tzinfo=UTC), "placed_at", NOW)


def test_an_orders_times_must_be_plausible():
    with pytest.raises(InvalidRequest, match="placed_at 0001-01-01T00:00:00Z is before 2000"):
        order(datetime(1, 1, 1, tzinfo=UTC))
    with pytest.raises(InvalidRequest, match="ship_by 2100-01-01T00:00:00Z is not before 2100"):
        order(NOW, ship_by=datetime(2100, 1, 1, tzinfo=UTC))
    assert order(NOW, ship_by=datetime(2099, 1, 1, tzinfo=UTC)).ship_by.year == 2099


def test_orders_placed_more_than_a_day_ahead_of_now_are_refused_by_position():
    late = NOW + timedelta(days=2)
    refused = placed_ahead([order(NOW), order(late), order(NOW + timedelta(hours=23))], NOW)
    assert list(refused) == [1]
    assert "placed_at" in str(refused[1])


def test_an_eta_must_be_plausible_and_may_lie_months_ahead():
    months = NOW + timedelta(days=200)
    assert (
        Adjust("TEE-M", "DAL-1", 3, Reason.PURCHASE_ORDER, State.INCOMING, eta=months).eta == months
    )
    with pytest.raises(InvalidRequest, match="eta 1999"):
        Transfer("TEE-M", "DAL-1", "NYC-1", 1, eta=datetime(1999, 1, 1, tzinfo=UTC))
