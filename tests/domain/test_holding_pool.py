"""The holdings a run of short lines takes from in turn: who may take from whom, and where
taken units go."""

from stockpool.domain.conflicts import Holding, Take, resolve
from stockpool.domain.holding_pool import HoldingPool
from tests.domain.test_conflicts import NOW, line

DAL, NYC = "DAL-1", "NYC"


def test_a_line_takes_only_what_it_may_cheapest_first_and_no_more_than_it_needs():
    own = line(1, cost=50)
    pool = HoldingPool(
        [
            Holding(line(2, cost=5), DAL, 1),
            Holding(line(1, cost=50), DAL, 4),  # its own order
            Holding(line(3, cost=1), NYC, 9),  # a location that does not serve it
            Holding(line(4, cost=7), DAL, 2),
            Holding(line(5, cost=8), DAL, 2),  # not needed: 3 units are found before it
            Holding(line(6, cost=90), DAL, 5),  # costlier to cancel
        ],
        places={},
    )
    found = pool.open_to(own, [DAL], 3)
    assert [h.line.order_id for h in found] == [2, 4]


def test_a_line_never_takes_from_an_order_placed_after_it_in_its_batch():
    pool = HoldingPool(
        [Holding(line(7, cost=1), DAL, 1), Holding(line(8, cost=2), DAL, 1)],
        places={7: 3, 8: 1, 9: 2},
    )
    assert [h.line.order_id for h in pool.open_to(line(9, cost=50), [DAL], 2)] == [8]
    # a line outside the batch (a conflict decided later) may take from any of them
    assert len(pool.open_to(line(10, cost=50), [DAL], 2)) == 2


def test_taken_units_belong_to_the_taker_who_may_lose_them_to_a_costlier_line():
    cheap, middle, costly = line(1, cost=1), line(2, cost=20), line(3, cost=90)
    pool = HoldingPool([Holding(cheap, DAL, 3)], places={})
    resolution = resolve(middle, 2, pool.open_to(middle, [DAL], 2), NOW)
    for take in resolution.takes:
        pool.move(take, middle)
    assert list(pool) == [Holding(cheap, DAL, 1), Holding(middle, DAL, 2)]
    pool.move(Take(cheap, DAL, 1), costly)
    pool.move(Take(middle, DAL, 1), costly)
    assert list(pool) == [Holding(middle, DAL, 1), Holding(costly, DAL, 2)]
