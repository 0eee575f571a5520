"""The partition shares a group out on top of what each channel's orders took, so that a sale
moves nothing between channels: the seller's number is one less, every rival's is unchanged, and
no rival is sent a lower number that lands late while it goes on selling the old one. Pure."""

from __future__ import annotations

import dataclasses

from hypothesis import assume, given
from hypothesis import strategies as st

from stockpool.domain.availability import decide
from stockpool.domain.channel_facts import ChannelFacts
from stockpool.domain.partition import dhondt
from stockpool.domain.policies import Policy, resolve
from stockpool.domain.stock_groups import Place

weights = st.lists(st.floats(0.01, 100), min_size=1, max_size=5)


def greedy(seats: int, weights: list[float], taken: list[int]) -> list[int]:
    """D'Hondt by its definition, one seat at a time: the oracle."""
    holding = list(taken)
    for _ in range(seats):
        best = max(range(len(weights)), key=lambda i: (weights[i] / (holding[i] + 1), -i))
        holding[best] += 1
    return [have - had for have, had in zip(holding, taken, strict=True)]


@given(st.integers(0, 300), weights, st.data())
def test_shares_on_top_of_what_is_taken_are_dhondts_by_its_definition(seats, ws, data):
    taken = data.draw(st.lists(st.integers(0, 400), min_size=len(ws), max_size=len(ws)))
    assert dhondt(seats, ws, taken) == greedy(seats, ws, taken)


@given(st.integers(1, 300), weights, st.data())
def test_a_seat_taken_leaves_every_other_share_as_it_was(seats, ws, data):
    taken = data.draw(st.lists(st.integers(0, 60), min_size=len(ws), max_size=len(ws)))
    before = dhondt(seats, ws, taken)
    seller = data.draw(st.integers(0, len(ws) - 1))
    assume(before[seller] > 0)
    after = dhondt(seats - 1, ws, [t + (n == seller) for n, t in enumerate(taken)])
    assert after == [share - (n == seller) for n, share in enumerate(before)]


CHANNELS = ("shopify", "amazon", "walmart")


@st.composite
def busy_channels(draw: st.DrawFn) -> list[ChannelFacts]:
    """Channels selling fast against long lags (the partition's ground), without the seller's
    limits (a share of the pool moves with the pool, by design)."""
    return [
        ChannelFacts(
            code,
            resolve(Policy(priority=draw(st.integers(1, 3))), draw(st.integers(0, 200))),
            demand=draw(st.floats(0, 5_000)),
            lag=draw(st.sampled_from([2.0, 5.0, 60.0, 900.0])),
        )
        for code in CHANNELS
    ]


@given(busy_channels(), st.integers(1, 40), st.lists(st.sampled_from(CHANNELS), max_size=40))
def test_in_partition_a_sale_changes_only_the_sellers_number(channels, units, buyers):
    """A run of sales, each on a channel showing a unit: while the group stays partitioned,
    each lowers the seller's number by one and moves no rival's."""
    taken = dict.fromkeys(CHANNELS, 0)
    place = Place("DAL-1", frozenset(CHANNELS), units)
    shown = decide([place], channels)
    for buyer in buyers:
        if shown.channels[buyer].advertised == 0 or shown.channels[buyer].mode != "partition":
            continue
        taken[buyer] += 1
        place = dataclasses.replace(place, available=place.available - 1, taken=dict(taken))
        after = decide([place], channels)
        for code in CHANNELS:
            expected = shown.channels[code].advertised - (code == buyer)
            assert after.channels[code].advertised == expected, (code, buyer)
        shown = after


def test_a_channel_that_already_sold_its_share_gets_no_more_of_the_last_units():
    channels = [
        ChannelFacts(code, resolve(Policy(), 100), demand=100.0, lag=900.0) for code in CHANNELS
    ]
    place = Place("DAL-1", frozenset(CHANNELS), 4, taken={"shopify": 6})

    decision = decide([place], channels)

    assert {a.mode for a in decision.channels.values()} == {"partition"}
    assert decision.numbers() == {"shopify": 0, "amazon": 2, "walmart": 2}
    shopify = decision.channels["shopify"].groups[0]
    assert (shopify.taken, shopify.slice) == (6, 0)
