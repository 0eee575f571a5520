"""Who bears a shortfall: the pure rules, without a database."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from stockpool.domain.conflicts import (
    Action,
    Holding,
    Incoming,
    LineRef,
    cancellation_rank,
    fallback_action,
    resolve,
)

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def line(order_id, channel="shopify", cost=10, placed=0, ship_by=None):
    return LineRef(
        order_id,
        0,
        channel,
        f"{channel}-{order_id}",
        cost,
        NOW - timedelta(minutes=60 - placed),
        ship_by,
    )


def test_cheaper_channels_are_cheaper_to_cancel():
    assert cancellation_rank(line(1, cost=10)) < cancellation_rank(line(2, cost=100))


def test_on_equal_cost_a_later_ship_by_then_a_newer_order_is_cheaper_to_cancel():
    soon, later = NOW + timedelta(hours=1), NOW + timedelta(days=2)
    assert cancellation_rank(line(1, ship_by=later)) < cancellation_rank(line(2, ship_by=soon))
    assert cancellation_rank(line(1, ship_by=None)) < cancellation_rank(line(2, ship_by=soon))
    assert cancellation_rank(line(1, placed=30)) < cancellation_rank(line(2, placed=10))


def test_a_costlier_line_takes_units_from_the_cheapest_holders_first():
    amazon = line(9, "amazon", 100)
    holdings = [
        Holding(line(1, "walmart", 50), "DAL-1", 5),
        Holding(line(2, "shopify", 10), "DAL-1", 1),
        Holding(line(3, "shopify", 10, placed=20), "NYC", 1),
    ]
    resolution = resolve(amazon, 3, holdings, NOW)
    taken = [(t.line.order_id, t.units) for t in resolution.takes]
    assert taken == [(3, 1), (2, 1), (1, 1)]  # newest shopify, then older shopify, then walmart
    assert (resolution.action, resolution.still_short) == (Action.REALLOCATED, 0)


def test_nobody_cheaper_means_the_line_itself_is_backordered_or_cancelled():
    holdings = [Holding(line(1, "amazon", 100), "DAL-1", 5)]
    waiting = resolve(line(2, "shopify", 10), 2, holdings, NOW)
    assert (waiting.takes, waiting.still_short, waiting.action) == ((), 2, Action.BACKORDER)
    late = line(3, "shopify", 10, ship_by=NOW - timedelta(hours=1))
    assert resolve(late, 2, holdings, NOW).action == Action.CANCEL
    assert fallback_action(line(4, ship_by=NOW + timedelta(hours=1)), NOW) == Action.BACKORDER


def test_equal_rank_never_takes_from_each_other():
    same = resolve(line(2), 1, [Holding(line(1), "DAL-1", 3)], NOW)
    assert same.takes == () and same.still_short == 1


ranks = st.tuples(st.sampled_from([10, 50, 100]), st.integers(0, 50))


@given(
    short=st.integers(1, 10),
    me=ranks,
    others=st.lists(st.tuples(ranks, st.integers(1, 5)), max_size=6),
)
def test_resolution_only_takes_from_cheaper_lines_and_never_more_than_they_hold(short, me, others):
    mine = line(100, cost=me[0], placed=me[1])
    holdings = [
        Holding(line(i, cost=c, placed=p), "DAL-1", units)
        for i, ((c, p), units) in enumerate(others)
    ]
    resolution = resolve(mine, short, holdings, NOW)
    held = {h.line.order_id: h.units for h in holdings}
    assert sum(t.units for t in resolution.takes) + resolution.still_short == short
    for take in resolution.takes:
        assert 0 < take.units <= held[take.line.order_id]
        assert cancellation_rank(take.line) < cancellation_rank(mine)
    cheaper = sum(h.units for h in holdings if cancellation_rank(h.line) < cancellation_rank(mine))
    assert resolution.still_short == max(0, short - cheaper)


# Incoming stock landing before the ship-by comes first.


def lot(number, eta_hours, free, location="DAL-1"):
    return Incoming(number, location, NOW + timedelta(hours=eta_hours), free)


def test_a_lot_landing_before_the_ship_by_covers_the_shortfall():
    short = line(1, cost=100, ship_by=NOW + timedelta(days=2))
    cheaper = Holding(line(2, cost=10), "DAL-1", 5)
    resolution = resolve(short, 3, [cheaper], NOW, [lot(7, 24, 2), lot(8, 30, 5)])
    assert resolution.action == Action.INCOMING
    assert resolution.takes == ()  # nobody is cancelled when a delivery will do
    assert [(a.lot, a.units) for a in resolution.awaits] == [(7, 2), (8, 1)]
    assert "landing at DAL-1" in resolution.reason


def test_lots_too_late_overdue_or_spoken_for_do_not_count():
    short = line(1, cost=100, ship_by=NOW + timedelta(hours=10))
    late, overdue, taken = lot(1, 11, 5), lot(2, -1, 5), lot(3, 2, 0)
    resolution = resolve(short, 3, [], NOW, [late, overdue, taken])
    assert resolution.awaits == () and resolution.action == Action.BACKORDER


def test_without_a_ship_by_any_dated_lot_will_do():
    resolution = resolve(line(1), 2, [], NOW, [lot(1, 24 * 30, 2)])
    assert resolution.action == Action.INCOMING


def test_what_incoming_cannot_cover_is_taken_from_cheaper_lines_then_backordered():
    short = line(1, cost=100, ship_by=NOW + timedelta(days=1))
    cheaper = Holding(line(2, cost=10), "DAL-1", 2)
    resolution = resolve(short, 6, [cheaper], NOW, [lot(1, 5, 3)])
    assert [a.units for a in resolution.awaits] == [3]
    assert [t.units for t in resolution.takes] == [2]
    assert (resolution.still_short, resolution.action) == (1, Action.BACKORDER)
    covered = resolve(short, 5, [cheaper], NOW, [lot(1, 5, 3)])
    assert (covered.still_short, covered.action) == (0, Action.INCOMING)
