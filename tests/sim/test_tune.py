"""`stockpool tune`'s search (stockpool.sim.tune): what it finds meets every target on the seeds
it used, loses no more sales than the shipped default, is what the simulation says of it, and
is the same search every time; when nothing can meet a target, it says so."""

from __future__ import annotations

import pytest

from stockpool.domain.policies import Policy
from stockpool.sim.run import draw, simulate
from stockpool.sim.scenario import LabError, Scenario
from stockpool.sim.strategies import Strategy, parse_policies
from stockpool.sim.tune import LADDER, Tuned, evaluation, targets, tune, upper_bound
from stockpool.sim.tune_report import policy_file
from tests.sim.conftest import scenario

SEEDS = (1, 2)


def tiny() -> Scenario:
    """Two SKUs, three channels whose numbers land late: the default holds back, and loses
    sales for it."""
    return scenario(
        hours=12,
        channels=[
            {
                "code": "shopify",
                "platform": "shopify",
                "demand_share": 2,
                "delay_median_seconds": 20,
            },
            {
                "code": "amazon",
                "platform": "amazon",
                "demand_share": 2,
                "delay_median_seconds": 600,
            },
            {
                "code": "walmart",
                "platform": "walmart",
                "demand_share": 1,
                "delay_median_seconds": 900,
            },
        ],
        catalog={"skus": 2, "demand_per_day": 96, "stock": 15, "quantity_weights": [0.8, 0.2]},
    )


def shrinking() -> Scenario:
    """Units go missing unseen and no count finds them: pickers come up short on Walmart
    whatever it is shown, so its cancellations stay over its 2% target."""
    return scenario(
        hours=48,
        channels=[
            {"code": "amazon", "platform": "amazon", "demand_share": 1},
            {"code": "walmart", "platform": "walmart", "demand_share": 1},
        ],
        catalog={"skus": 1, "demand_per_day": 24, "stock": 30},
        shrinkage={"units_per_sku_per_day": 10, "count_every_hours": 1000},
    )


@pytest.fixture(scope="module")
def tuned() -> Tuned:
    return tune(tiny(), SEEDS, max_runs=400, passes=1)


def test_the_tuned_policy_meets_every_target_and_loses_no_more_sales(tuned: Tuned) -> None:
    assert tuned.found()
    for figures in tuned.best.channels:
        if figures.target is not None:
            assert figures.rate < figures.target, figures
    assert tuned.best.lost_sales() <= tuned.default.lost_sales()
    assert tuned.best.lost_sales() < tuned.default.lost_sales()  # here the default holds back
    assert tuned.default.settings == (Policy(),) * 3  # the shipped default: the empty policy
    assert tuned.runs <= 400 and tuned.runs == tuned.evaluated * len(SEEDS)


def test_what_it_reports_is_what_the_simulation_says(tuned: Tuned) -> None:
    """The winner and the default, run again on the same seeds, give the figures reported."""
    race = tiny()
    goals = targets(race, {})
    for reported in (tuned.default, tuned.best):
        chosen = Strategy("again", dict(zip(race.channel_codes(), reported.settings, strict=True)))
        runs = [simulate(race, draw(race, seed), chosen) for seed in SEEDS]
        assert evaluation(reported.settings, runs, goals, None) == reported


def test_the_search_is_the_same_every_time_and_in_processes(tuned: Tuned) -> None:
    again = tune(tiny(), SEEDS, max_runs=400, passes=1, jobs=2)
    assert again.best == tuned.best and again.default == tuned.default
    assert (again.runs, again.passes, again.stopped) == (tuned.runs, tuned.passes, tuned.stopped)


def test_the_policy_file_reads_back_as_the_policies_found(tuned: Tuned) -> None:
    race = tiny()
    written = policy_file(tuned.best)
    assert list(written) == list(race.channel_codes())
    parsed = parse_policies(written, race, "tuned")
    assert tuple(parsed[code] for code in race.channel_codes()) == tuned.best.settings


def test_max_runs_bounds_the_search() -> None:
    bounded = tune(tiny(), SEEDS, max_runs=21, passes=3)
    assert bounded.stopped == "budget"
    assert bounded.runs <= 21
    assert bounded.evaluated == bounded.runs // len(SEEDS)
    assert bounded.best.rank() <= bounded.default.rank()


def test_when_no_policy_meets_a_target_the_search_says_so() -> None:
    stuck = tune(shrinking(), SEEDS, max_runs=200)
    assert not stuck.found()
    assert [f.channel for f in stuck.best.channels if f.over()] == ["walmart"]
    assert stuck.stopped == "converged"
    assert stuck.evaluated == 1 + len(LADDER) * 2 - 2  # each channel's default epsilon skipped


def test_targets_are_the_marketplaces_unless_the_seller_sets_one() -> None:
    race = tiny()
    assert targets(race, {}) == (None, 0.025, 0.02)
    assert targets(race, {"shopify": 0.05, "amazon": 0.01}) == (0.05, 0.01, 0.02)
    with pytest.raises(LabError, match="no channel ebay"):
        targets(race, {"ebay": 0.01})
    with pytest.raises(LabError, match="above 0"):
        targets(race, {"amazon": 0})


def test_the_upper_bound_is_cautious_for_few_orders() -> None:
    assert upper_bound(1, 40, None) == 0.025
    assert upper_bound(0, 0, 0.9) == 0.0
    assert 0.03 < upper_bound(0, 40, 0.9) < 0.05  # no cancellation in 40: not proof of < 2.5%
    assert upper_bound(0, 10_000, 0.9) < 0.001
    assert upper_bound(50, 1000, 0.9) > 0.05
