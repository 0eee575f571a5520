"""Shrinkage measured by counts, on both engines: a count that finds units missing records what
the availability decision reads (in the statement that reads the balances), the next recompute
holds units back for what may be gone since, and a count that finds everything there starts
the hours since the last count again."""

from __future__ import annotations

from datetime import timedelta

import pytest

from stockpool.domain.catalog import Sku
from stockpool.domain.operations import Count, CountLine, Receive
from stockpool.domain.shrinkage import PRIOR_HOURS, CountHistory, LocationShrinkage
from tests.store.test_concurrency_postgresql import race

THREADS = 8


def count(container, sku, location, counted):
    container.stock.execute(Count(location, (CountLine(sku, counted),)), actor="counter")


def explained(container, sku, channel):
    (found,) = container.availability.explain(sku, channel).channels
    return found


def test_a_count_that_finds_units_missing_makes_the_next_recompute_hold_units_back(
    container, seeded, clock
):
    tee, mug, dallas = seeded.tee, seeded.mug, seeded.dallas
    container.stock.execute(Receive(tee, dallas, 40), actor="t")
    before = container.availability.stored(tee)
    counted_at = clock.now
    count(container, tee, dallas, 36)  # 4 units gone unseen

    with container.uow() as uow:
        store = uow.availability
        assert store.count_history(tee, dallas) == CountHistory(4, counted_at, counted_at)
        rate = 4 / PRIOR_HOURS  # a first count: a week of the location's rate, all its own
        read = store.inputs([tee, mug], clock.now, old=False)[5]
        assert read == {tee: {dallas: (pytest.approx(rate), counted_at)}}
        assert store.lock_then_read([tee, mug], clock.now)[5] == read
        many = [tee, *(f"NONE-{n:03d}" for n in range(500))]  # over one chunk: read apart
        assert store.inputs(many, clock.now, old=False)[5] == read
    # Just counted: nothing may be missing yet, so the numbers are the stock's as before.
    assert container.availability.stored(tee) == {
        c: max(0, n - 4) if n else 0 for c, n in before.items()
    }

    just_counted = container.availability.stored(tee)

    clock.advance(hours=72)  # three days later, 72 x 4/168 = 1.7 units may be gone
    container.stock.execute(Receive(tee, dallas, 1), actor="t")  # decided again, alone
    amazon = explained(container, tee, "amazon")
    held_back = container.availability.stored(tee)
    assert held_back["amazon"] == amazon.advertised < just_counted["amazon"] + 1
    assert held_back["walmart"] < just_counted["walmart"] + 1
    container.availability.recompute_all()  # the full recompute decides the same
    assert container.availability.stored(tee) == held_back
    (seen,) = amazon.shrinkage
    assert seen.location == dallas
    assert seen.hours_since_count == pytest.approx(72)
    assert seen.expected_missing == pytest.approx(72 * 4 / PRIOR_HOURS)
    (group,) = amazon.decision.groups
    assert group.shrink_held > 0 and group.shrink_mean == pytest.approx(seen.expected_missing)

    recounted_at = clock.now
    count(container, tee, dallas, 37)  # everything there: the hours since start again
    with container.uow() as uow:
        history = uow.availability.count_history(tee, dallas)
        assert history == CountHistory(4, counted_at, recounted_at)
        assert uow.availability.location_totals([dallas]) == {
            dallas: LocationShrinkage(4, PRIOR_HOURS + 72)
        }
    amazon = explained(container, tee, "amazon")
    assert amazon.shrinkage[0].hours_since_count == 0
    assert amazon.decision.groups[0].shrink_held == 0
    # The count decided the SKU again though nothing moved: what it stores holds none back.
    assert container.availability.stored(tee)["amazon"] == amazon.advertised


def test_a_sku_never_counted_or_with_nothing_missing_holds_nothing_back(container, seeded, clock):
    tee, mug, dallas = seeded.tee, seeded.mug, seeded.dallas
    for sku in (tee, mug):
        container.stock.execute(Receive(sku, dallas, 30), actor="t")
    count(container, tee, dallas, 30)  # all there: no shrinkage measured
    clock.advance(days=20)
    container.availability.recompute_all()
    with container.uow() as uow:
        assert uow.availability.inputs([tee, mug], clock.now, old=False)[5] == {}
    assert container.availability.stored(tee) == container.availability.stored(mug)
    assert explained(container, tee, "amazon").shrinkage == ()


def test_counts_at_a_location_give_its_other_skus_its_rate(container, seeded, clock):
    tee, mug, dallas = seeded.tee, seeded.mug, seeded.dallas
    for sku in (tee, mug):
        container.stock.execute(Receive(sku, dallas, 30), actor="t")
    container.stock.execute(
        Count(dallas, (CountLine(tee, 28), CountLine(mug, 30))), actor="counter"
    )
    with container.uow() as uow:
        rates = uow.availability.inputs([tee, mug], clock.now, old=False)[5]
    # The mug lost nothing yet: it has the rate the tee measured there; the tee, its own (the
    # mug found nothing).
    assert rates[mug][dallas][0] == pytest.approx(2 / PRIOR_HOURS)
    assert rates[tee][dallas][0] == pytest.approx(2 / PRIOR_HOURS)
    assert timedelta(0) == clock.now - rates[tee][dallas][1]


@pytest.mark.postgresql
def test_counts_of_many_skus_racing_at_one_location_lose_none_of_its_totals(pg):
    """Counts of different SKUs at one location lock different balances: they meet only at the
    location's totals, locked in location order (or, the row not made yet, added to on
    conflict), so what each found adds up."""
    container, names = pg
    dallas = names.dallas
    skus = [f"RACE-{n:02d}" for n in range(THREADS)]
    container.catalog.put_skus([Sku(sku, sku) for sku in skus])
    for sku in skus:
        container.stock.execute(Receive(sku, dallas, 10), actor="t")

    def attempt(i: int) -> object:
        count(container, skus[i], dallas, 10 - i % 3)  # 0, 1 or 2 units missing
        return None

    results = race(THREADS, attempt)
    assert results == [None] * THREADS
    with container.uow() as uow:
        totals = uow.availability.location_totals([dallas])[dallas]
    assert totals == LocationShrinkage(sum(i % 3 for i in range(THREADS)), THREADS * PRIOR_HOURS)
