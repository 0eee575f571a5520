"""The oversell chance of a channel's number: within epsilon under the risk model, above it
when a fixed buffer shows everything, and not judged for partitioned stock."""

from hypothesis import given
from hypothesis import strategies as st

from stockpool.domain.availability import decide
from stockpool.domain.channel_facts import ChannelFacts
from stockpool.domain.oversell import shown_risk
from stockpool.domain.policies import Policy, resolve
from stockpool.domain.stock_groups import Place


def chances(available, demand, lag, policy=Policy()):
    channels = [
        ChannelFacts("shopify", resolve(Policy(), 10), demand, 10),
        ChannelFacts("walmart", resolve(policy, 100), 0.1, lag),
    ]
    place = Place("DAL-1", frozenset({"shopify", "walmart"}), available)
    decision = decide([place], channels)
    return decision.channels["walmart"], shown_risk(decision.channels["walmart"], 0.05)


@given(st.integers(30, 500), st.floats(0.01, 5), st.floats(60, 3600))
def test_the_risk_model_keeps_the_chance_within_its_epsilon(available, demand, lag):
    shown, risk = chances(available, demand, lag)
    if risk is not None:  # None: partitioned near the last units
        assert risk.probability <= shown.epsilon + 1e-9
        assert shown.advertised <= risk.safe or risk.probability <= 0.05


def test_a_fixed_buffer_of_zero_shows_all_and_the_chance_goes_above_the_limit():
    shown, risk = chances(200, 2.0, 1800, Policy(buffer=0))
    assert shown.advertised == 200
    assert risk is not None and risk.probability > 0.5 and risk.safe < 200
