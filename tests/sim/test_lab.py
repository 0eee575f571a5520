"""The lab runs the production decision, routing and conflict choice: its strategies behave as
they must on the shipped and the plainest scenarios."""

from __future__ import annotations

import pytest

from stockpool.domain import availability, conflicts, routing
from stockpool.domain.policies import Policy
from stockpool.entrypoints.api.availability_schemas import PolicyPut
from stockpool.sim.compare import chosen_strategies, compare
from stockpool.sim.run import Lab, draw, simulate
from stockpool.sim.scenario import load_scenario
from stockpool.sim.strategies import STRATEGIES, Strategy, strategy
from tests.sim.conftest import scenario


def oversold(scenario_, name: str, seed: int) -> int:
    return simulate(scenario_, draw(scenario_, seed), strategy(name, scenario_)).total(
        "oversold_orders"
    )


def test_article_race_mirror_oversells_and_stockpool_does_not() -> None:
    race = load_scenario("article-race")
    results = {r.strategy: r for r in compare(race, chosen_strategies(race, [], []), seed=1)}
    assert results["mirror"].total("oversold_orders") > 0
    assert results["stockpool"].total("oversold_orders") == 0


@pytest.mark.parametrize("seed", range(5))
def test_one_channel_and_no_delay_oversells_under_no_strategy(seed: int) -> None:
    alone = scenario(
        channels=[
            {"code": "amazon", "platform": "amazon", "demand_share": 1, "delay_median_seconds": 0}
        ],
        catalog={"skus": 3, "demand_per_day": 200, "stock": 20, "quantity_weights": [3, 1]},
    )
    for name in STRATEGIES:
        assert oversold(alone, name, seed) == 0, name


def test_every_strategy_sees_the_same_shoppers() -> None:
    """Common random numbers: one draw, replayed for each strategy."""
    race = load_scenario("article-race")
    mirror, stockpool = compare(race, chosen_strategies(race, ["mirror", "stockpool"], []), 3)
    assert [c.shoppers for c in mirror.channels] == [c.shoppers for c in stockpool.channels]
    assert sum(c.shoppers for c in mirror.channels) == len(draw(race, 3).shoppers)
    assert draw(race, 3) == draw(race, 3)  # the same seed, the same run


def test_the_simulation_calls_the_production_decision(monkeypatch) -> None:
    calls = {"advertise": 0, "route": 0, "resolve": 0}

    def spy(module, name):
        real = getattr(module, name)

        def counted(*args, **kwargs):
            calls[name] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, counted)

    spy(availability, "advertise")
    spy(routing, "route")
    spy(conflicts, "resolve")
    race = load_scenario("article-race")
    result = simulate(race, draw(race, 1), strategy("mirror", race))
    assert calls["advertise"] > result.total("orders")  # each SKU at the start, then each change
    assert calls["route"] == result.total("orders")
    # Once per order short of stock; each that no one covers cancels a line (its own or a
    # cheaper one's): an oversold order. article-race loses nothing unseen: no reroute.
    assert calls["resolve"] >= result.total("oversold_orders") > 0
    assert result.extras["short_at_picking"] == 0


def test_a_bigger_buffer_set_as_the_api_sets_it_oversells_less_and_loses_more_sales() -> None:
    """Amazon's buffer, parsed the way PUT /v1/channels/amazon/policy parses it. Amazon costs
    more to cancel than Shopify, so its short orders take Shopify's units: the oversold orders
    (lines cancelled) fewer are counted over every channel."""
    race = load_scenario("article-race")
    mirror = strategy("mirror", race)
    buffered = Strategy(
        "amazon-buffer",
        {**mirror.policies, "amazon": Policy(**PolicyPut(buffer=3).model_dump())},
    )
    totals = {"mirror": [0, 0], "amazon-buffer": [0, 0]}
    for seed in range(10):
        draws = draw(race, seed)
        for chosen in (mirror, buffered):
            result = simulate(race, draws, chosen)
            amazon = result.channels[1]
            assert amazon.channel == "amazon"
            totals[chosen.name][0] += result.total("oversold_orders")
            totals[chosen.name][1] += amazon.lost_sales
    assert totals["amazon-buffer"][0] < totals["mirror"][0]
    assert totals["amazon-buffer"][1] > totals["mirror"][1]


def test_stockpool_holds_back_more_where_cancelling_costs_more() -> None:
    """The same scenario, Amazon's cancellation cost through the policy: epsilon follows."""
    race = scenario(hours=4, catalog={"skus": 1, "demand_per_day": 480, "stock": 60})
    cheap = Strategy("cheap", {"amazon": Policy(cancellation_cost=1)})
    dear = Strategy("dear", {"amazon": Policy(cancellation_cost=1000)})
    shown = {}
    for chosen in (cheap, dear):
        shown[chosen.name] = sum(
            simulate(race, draw(race, seed), chosen).channels[1].mean_share_shown
            for seed in range(5)
        )
    assert shown["dear"] < shown["cheap"]


def test_a_channel_stuck_in_an_outage_is_held_back_by_its_rivals() -> None:
    """After sync_stale_seconds without a push landing, production judges the channel stale:
    its rivals hold back what it still shows (ChannelFacts.exposure)."""
    stuck = scenario(
        hours=12,
        channels=[
            {"code": "shopify", "platform": "shopify", "demand_share": 1},
            {
                "code": "amazon",
                "platform": "amazon",
                "demand_share": 1,
                "outages": [{"start_hours": 1, "end_hours": 10}],
            },
        ],
        catalog={"skus": 1, "demand_per_day": 24, "stock": 100},
    )
    lab = Lab(stuck, draw(stuck, 1), strategy("stockpool", stuck), None)
    lab.loop.run(1.1 * 3600)
    assert not lab.stale(1)
    fresh = lab.decide(0)["shopify"]
    lab.loop.run(2 * 3600)
    assert lab.stale(1) and not lab.stale(0)
    held = lab.decide(0)["shopify"]
    assert held < fresh  # (here the partition's slice: amazon still shows nearly all)


def test_stock_only_one_channel_is_served_from_is_that_channels() -> None:
    """An Amazon-only location (FBA): its units are never shown to, nor sold on, Shopify."""
    fba = scenario(
        hours=48,
        locations=[
            {"code": "WH-1", "stock_share": 1e-9},
            {"code": "FBA-US", "channels": ["amazon"], "stock_share": 1},
        ],
        catalog={"skus": 2, "demand_per_day": 24, "stock": 20},
    )
    for name in STRATEGIES:
        shopify, amazon = simulate(fba, draw(fba, 2), strategy(name, fba)).channels
        assert shopify.orders == 0 and shopify.lost_sales == 0, name
        assert amazon.orders > 0 and amazon.oversold_orders == 0, name


def test_shrinkage_measured_by_the_counts_makes_stockpool_oversell_less_at_picking() -> None:
    """Units lost unseen until the weekly count: with the shrink rate its counts measure and
    the hours since each SKU's last count, the decision holds back what may be gone."""
    lossy = scenario(
        hours=24 * 42,
        channels=[
            {"code": "shopify", "platform": "shopify", "demand_share": 4},
            {"code": "amazon", "platform": "amazon", "demand_share": 4},
            {"code": "walmart", "platform": "walmart", "demand_share": 2},
        ],
        catalog={"skus": 60, "demand_per_day": 1.0, "stock_days": 14},
        shrinkage={"units_per_sku_per_day": 0.05, "count_every_hours": 168},
        replenishment={"reorder_days": 4, "order_days": 21, "lead_time_hours": 144},
    )
    draws = draw(lossy, 1)
    chosen = strategy("stockpool", lossy)
    blind = simulate(lossy, draws, chosen, measure_shrinkage=False)
    measured = simulate(lossy, draws, chosen)
    assert measured.total("oversold_at_picking") < blind.total("oversold_at_picking") / 2
    # Mirror shows everything whatever the counts found.
    mirror = strategy("mirror", lossy)
    assert (
        simulate(lossy, draws, mirror).channels
        == simulate(lossy, draws, mirror, measure_shrinkage=False).channels
    )
