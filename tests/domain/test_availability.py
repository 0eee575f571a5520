"""What each channel may show: the risk model, the partition, the seller's limits. Pure domain.

The properties the issue names are checked on generated SKUs: any number of locations serving
any subsets of up to four channels, any demand, lag, epsilon, policy and stale sync.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal, getcontext

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from stockpool.domain import poisson
from stockpool.domain.availability import advertise, decide
from stockpool.domain.bundle_availability import bundle_number
from stockpool.domain.catalog import Component
from stockpool.domain.channel_facts import ChannelFacts
from stockpool.domain.partition import dhondt, partition_threshold
from stockpool.domain.policies import Policy, Rules, default_epsilon, resolve
from stockpool.domain.stock_groups import Place, grouped, holdback

CODES = ("amazon", "shopify", "walmart", "pos")


def rules(**fields: object) -> Rules:
    cost = fields.pop("cost", 100)
    return resolve(Policy(**fields), cost)  # type: ignore[arg-type]


def facts(
    channel: str, *, demand: float = 1.0, lag: float = 60.0, **policy: object
) -> ChannelFacts:
    exposure = policy.pop("exposure", None)
    return ChannelFacts(channel, rules(**policy), demand, lag, exposure)  # type: ignore[arg-type]


def everywhere(available: int, *codes: str) -> list[Place]:
    return [Place("DAL-1", frozenset(codes), available)]


# --- exact Poisson, independent of the code under test ----------------------------------------

getcontext().prec = 60


def exact_tail(mean: float, k: int) -> Decimal:
    """P(X > k) for X ~ Poisson(mean), in 60-digit decimals."""
    m = Decimal(repr(mean))
    term = (-m).exp()
    below = Decimal(0)
    for i in range(k + 1):
        below += term
        term = term * m / (i + 1)
    return 1 - below


# --- the article's scenario --------------------------------------------------------------------


def test_three_channels_with_measured_lags_each_oversell_with_at_most_epsilon():
    """Pool 10 in one warehouse; Shopify, Amazon and Walmart sell alike (2 units an hour each)
    and hear of changes 2 s, 900 s and 600 s late. Each shows what keeps the chance that more
    than the units it holds back sell before it hears, under epsilon: its rivals' sales, and its
    own, which its number, absolute and landing late, shows again."""
    lags = {"shopify": 2.0, "amazon": 900.0, "walmart": 600.0}
    epsilon = 0.005
    channels = [facts(c, demand=2.0, lag=lag, epsilon=epsilon) for c, lag in lags.items()]

    decision = decide(everywhere(10, *lags), channels)

    shown = decision.numbers()
    for code, lag in lags.items():
        mean = 6.0 * lag / 3600  # the two rivals' demand and its own over this channel's lag
        held_back = 10 - shown[code]
        assert exact_tail(mean, held_back) <= Decimal(epsilon), code
        # ...and not more held back than needed: one unit less would break the bound.
        assert held_back == 0 or exact_tail(mean, held_back - 1) > Decimal(epsilon), code
        assert decision.channels[code].mode == "risk"
    assert shown == {"shopify": 10, "amazon": 5, "walmart": 6}


def test_near_the_last_units_the_channels_split_the_pool_instead():
    lags = {"shopify": 2.0, "amazon": 900.0, "walmart": 600.0}
    channels = [facts(c, demand=2.0, lag=lag, epsilon=0.005) for c, lag in lags.items()]

    decision = decide(everywhere(3, *lags), channels)

    assert {a.mode for a in decision.channels.values()} == {"partition"}
    assert sum(decision.numbers().values()) == 3
    assert all(a.buffer_source == "partition" for a in decision.channels.values())


# --- building blocks ---------------------------------------------------------------------------


@given(st.floats(0, 500), st.floats(0.0001, 0.5))
def test_the_quantile_is_the_smallest_count_covering_the_probability(mean, epsilon):
    k = poisson.quantile(mean, 1 - epsilon)
    assert poisson.tail(mean, k) <= epsilon * (1 + 1e-9) + 1e-15
    if k > 0:
        assert poisson.tail(mean, k - 1) > epsilon * (1 - 1e-9) - 1e-15


def test_the_quantile_agrees_with_an_exact_computation():
    for mean, epsilon in [(0.5, 0.01), (1.0, 0.005), (4.0, 0.05), (30.0, 0.001), (0.001, 0.01)]:
        k = poisson.quantile(mean, 1 - epsilon)
        assert exact_tail(mean, k) <= Decimal(epsilon)
        assert k == 0 or exact_tail(mean, k - 1) > Decimal(epsilon)


def test_large_means_neither_underflow_nor_drift():
    assert poisson.quantile(10_000.0, 0.5) in (9_999, 10_000)
    assert 10_300 < poisson.quantile(10_000.0, 0.999) < 10_320


@given(st.integers(0, 300), st.lists(st.floats(0.01, 100), min_size=1, max_size=5))
def test_dhondt_hands_out_every_unit_and_one_more_never_takes_any_away(seats, weights):
    now, more = dhondt(seats, weights), dhondt(seats + 1, weights)
    assert sum(now) == seats and sum(more) == seats + 1
    assert all(b >= a for a, b in zip(now, more, strict=True))


def test_holdback_rounds_up_and_never_exceeds_the_stock():
    assert holdback(10, 10) == 1 and holdback(11, 10) == 2 and holdback(1, 10) == 1
    assert holdback(0, 10) == 0 and holdback(5, 100) == 5


def test_default_epsilon_follows_the_cost_of_a_cancellation():
    assert default_epsilon(100) == 0.005
    assert default_epsilon(10) == 0.05
    assert default_epsilon(0) == 0.25
    assert rules(cost=100).epsilon == 0.005 and rules(cost=100).epsilon_is_default


# --- seller's policies -------------------------------------------------------------------------


def test_a_fixed_buffer_replaces_the_risk_model():
    decision = decide(
        everywhere(20, "amazon", "shopify"), [facts("amazon", buffer=3), facts("shopify")]
    )
    amazon = decision.channels["amazon"]
    assert amazon.advertised == 17 and amazon.buffer == 3 and amazon.buffer_source == "policy"


def test_share_cap_and_floor_lower_the_number_and_say_so():
    channels = [facts("amazon", share_percent=50, cap=8, lag=0), facts("shopify", lag=0)]
    amazon = decide(everywhere(20, "amazon", "shopify"), channels).channels["amazon"]
    assert amazon.advertised == 8
    assert [(lim.rule, lim.before, lim.after) for lim in amazon.limits] == [
        ("share_percent", 20, 10),
        ("cap", 10, 8),
    ]

    floored = [facts("amazon", floor=5, lag=0), facts("shopify", lag=0)]
    assert decide(everywhere(5, "amazon", "shopify"), floored).numbers()["amazon"] == 0
    assert decide(everywhere(6, "amazon", "shopify"), floored).numbers()["amazon"] == 6


def test_a_ring_fence_keeps_units_for_one_channel_only():
    channels = [facts("amazon", ring_fence=4, lag=0), facts("shopify", lag=0)]
    decision = decide(everywhere(10, "amazon", "shopify"), channels)
    assert decision.channels["shopify"].pool == 6
    assert decision.channels["amazon"].pool == 10
    assert decision.channels["amazon"].ring_fenced == 4


def test_stock_only_one_channel_can_sell_is_shown_to_it_in_full():
    places = [
        Place("DAL-1", frozenset({"amazon", "shopify"}), 0),
        Place("FBA-US", frozenset({"amazon"}), 7),
    ]
    decision = decide(places, [facts("amazon", lag=3600), facts("shopify", demand=50)])
    assert decision.channels["amazon"].advertised == 7
    assert decision.channels["amazon"].exclusive == 7
    assert decision.channels["shopify"].advertised == 0


def test_a_stale_channel_makes_its_rivals_hold_back_what_it_still_shows():
    healthy = decide(everywhere(50, "amazon", "shopify"), [facts("amazon"), facts("shopify")])
    stale = decide(
        everywhere(50, "amazon", "shopify"), [facts("amazon", exposure=12), facts("shopify")]
    )
    before, after = healthy.channels["shopify"], stale.channels["shopify"]
    assert before.advertised == 49  # Amazon's demand over Shopify's lag: 1 unit at most
    # Amazon, stale, may sell everything it still shows, whatever its demand; Shopify's own
    # sales while its number lands are held back too (1 unit at most).
    assert after.advertised == 50 - 12 - 1
    assert after.groups[0].stale_exposure == 12 and after.groups[0].rival_demand == 0


def test_an_overdue_snapshot_counts_only_part_of_its_stock():
    places = [Place("3PL-1", frozenset({"amazon", "shopify"}), 100, stale=True)]
    decision = decide(places, [facts("amazon", lag=0), facts("shopify", lag=0)])
    assert decision.channels["amazon"].pool == 90
    assert decision.channels["amazon"].held_back == 10


def test_partition_threshold_marks_where_the_risk_model_takes_over():
    lags = {"shopify": 2.0, "amazon": 900.0, "walmart": 600.0}
    channels = [facts(c, demand=2.0, lag=lag, epsilon=0.005) for c, lag in lags.items()]
    modes = [decide(everywhere(n, *lags), channels).channels["amazon"].mode for n in range(20)]
    last_partition = max(n for n, mode in enumerate(modes) if mode == "partition")
    assert all(mode == "risk" for mode in modes[last_partition + 1 :])
    group = decide(everywhere(0, *lags), channels).channels["amazon"].groups[0]
    ranked = sorted(lags, key=lambda c: (-1, c))
    weights = [2.0] * 3
    thresholds = [
        partition_threshold(
            0, n, decide(everywhere(0, *lags), channels).channels[c].groups[0].quantile, weights
        )
        for n, c in enumerate(ranked)
    ]
    assert max(t for t in thresholds if t is not None) == last_partition
    assert group.quantile == 5


# --- bundles -----------------------------------------------------------------------------------


def test_a_bundle_shows_what_its_scarcest_component_allows():
    components = [Component("TEE", 1), Component("MUG", 2)]
    made = bundle_number("amazon", components, {"TEE": 9, "MUG": 7}, pool=8, rules=rules())
    assert (made.advertised, made.scarcest) == (3, "MUG")
    capped = bundle_number("amazon", components, {"TEE": 9, "MUG": 70}, pool=5, rules=rules(cap=4))
    assert capped.advertised == 4 and capped.limits[0].rule == "cap"


# --- properties on generated SKUs --------------------------------------------------------------

policies = st.builds(
    Policy,
    share_percent=st.none() | st.integers(1, 100),
    buffer=st.none() | st.integers(0, 30),
    cap=st.none() | st.integers(0, 60),
    floor=st.none() | st.integers(0, 20),
    ring_fence=st.none() | st.integers(0, 20),
    priority=st.none() | st.integers(1, 5),
    cancellation_cost=st.none() | st.integers(0, 200),
    epsilon=st.none() | st.floats(0.001, 0.5),
)


@st.composite
def skus(draw: st.DrawFn) -> tuple[list[Place], list[ChannelFacts]]:
    codes = draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=4, unique=True))
    channels = [
        ChannelFacts(
            code,
            resolve(draw(policies), draw(st.integers(0, 200))),
            demand=draw(st.floats(0, 50)),
            lag=draw(st.sampled_from([0.0, 2.0, 60.0, 600.0, 900.0, 3600.0])),
            exposure=draw(st.none() | st.none() | st.integers(0, 20)),
        )
        for code in codes
    ]
    places = [
        Place(
            f"L{n}",
            frozenset(draw(st.lists(st.sampled_from(codes), min_size=1, unique=True))),
            draw(st.integers(0, 60)),
            stale=draw(st.booleans()),
            taken=draw(st.dictionaries(st.sampled_from(codes), st.integers(0, 30))),
        )
        for n in range(draw(st.integers(1, 4)))
    ]
    return places, channels


def serving(places: list[Place], channel: str) -> int:
    return sum(p.available for p in places if channel in p.channels)


@settings(max_examples=200)
@given(skus())
def test_advertised_is_never_negative_nor_more_than_the_eligible_pool(sku):
    places, channels = sku
    for code, shown in decide(places, channels).channels.items():
        assert 0 <= shown.advertised <= shown.pool <= serving(places, code)


@settings(max_examples=200)
@given(skus())
def test_in_partition_mode_what_the_channels_show_adds_up_to_at_most_the_pool(sku):
    places, channels = sku
    decision = decide(places, channels)
    groups: dict[tuple[str, ...], list[int]] = {}
    units: dict[tuple[str, ...], int] = {}
    for shown in decision.channels.values():
        for group in shown.groups:
            if group.mode == "partition":
                groups.setdefault(group.locations, []).append(group.shown)
                units[group.locations] = group.units
    for key, shares in groups.items():
        assert sum(shares) <= units[key]
    every_group = [g for a in decision.channels.values() for g in a.groups]
    if all(g.mode == "partition" for g in every_group):
        assert sum(decision.numbers().values()) <= sum(p.available for p in places)


@settings(max_examples=200)
@given(skus(), st.data())
@example(
    sku=(
        [Place("L0", frozenset({"amazon", "shopify", "walmart"}), 10)],
        [
            facts("shopify", demand=2.0, lag=2.0, epsilon=0.005),
            facts("amazon", demand=2.0, lag=900.0, epsilon=0.005),
            facts("walmart", demand=2.0, lag=600.0, epsilon=0.005),
        ],
    ),
    data=None,
).via("the article's scenario")
def test_more_stock_never_shows_any_channel_less(sku, data):
    places, channels = sku
    before = decide(places, channels).numbers()
    if data is None:
        where, extra = 0, 1
    else:
        where = data.draw(st.integers(0, len(places) - 1))
        extra = data.draw(st.integers(1, 30))
    more = list(places)
    more[where] = dataclasses.replace(places[where], available=places[where].available + extra)
    after = decide(more, channels).numbers()
    for code, number in before.items():
        assert after[code] >= number, (code, number, after[code])


@settings(max_examples=200)
@given(skus(), st.data())
def test_a_higher_epsilon_never_shows_any_channel_less(sku, data):
    places, channels = sku
    which = data.draw(st.sets(st.integers(0, len(channels) - 1), min_size=1))
    bigger = []
    for n, channel in enumerate(channels):
        if n in which:
            epsilon = data.draw(st.floats(channel.rules.epsilon, 0.5))
            assume(epsilon >= channel.rules.epsilon)
            channel = dataclasses.replace(
                channel, rules=dataclasses.replace(channel.rules, epsilon=epsilon)
            )
        bigger.append(channel)
    before = decide(places, channels).numbers()
    after = decide(places, bigger).numbers()
    for code, number in before.items():
        assert after[code] >= number, (code, number, after[code])


@settings(max_examples=200)
@given(skus())
def test_the_risk_model_bounds_each_channels_chance_of_overselling(sku):
    """Where a channel is on the risk model, what it holds back of each shared group covers its
    rivals' sales during its lag with probability 1 - epsilon (stale rivals at their full
    number)."""
    places, channels = sku
    by_code = {c.channel: c for c in channels}
    for code, shown in decide(places, channels).channels.items():
        if shown.buffer_source != "risk_model":
            continue
        for group in shown.groups:
            held_back = group.units - group.shown
            if held_back < group.units:  # something shown: the bound must hold
                covered = held_back - group.stale_exposure
                assert covered >= 0
                assert (
                    poisson.tail(group.window_mean, covered) <= by_code[code].rules.epsilon + 1e-12
                )


@pytest.mark.parametrize("pool", [0, 1, 2, 5, 10, 40])
def test_one_channel_alone_shows_its_whole_pool(pool):
    decision = decide(everywhere(pool, "shopify"), [facts("shopify", lag=3600)])
    assert decision.numbers() == {"shopify": pool}


@settings(max_examples=300)
@given(skus())
def test_the_fast_path_decides_the_same_numbers_as_the_explained_one(sku):
    places, channels = sku
    stock = grouped(places, [c.channel for c in channels])
    assert advertise(stock.units, channels, stock.taken) == decide(places, channels).numbers()


@given(st.floats(0, 200), st.floats(0.0001, 0.5))
def test_the_quick_quantile_agrees_with_the_window_sum(mean, epsilon):
    from stockpool.domain.poisson import _pmf, _window

    low, high = _window(mean)
    cumulative, expected = 0.0, high
    for k in range(low, high + 1):
        cumulative += _pmf(mean, k)
        if cumulative >= 1 - epsilon:
            expected = k
            break
    assert abs(poisson.quantile(mean, 1 - epsilon) - expected) <= 1
