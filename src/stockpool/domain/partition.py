"""The partition: near the last units, a shared group of stock split by priority x demand share
(D'Hondt), so that what the channels show adds up to at most the group and nothing can oversell.

The units each channel's open orders already took from the group count as seats it holds: the
group's units are shared out on top of them. So a sale moves nothing between channels - the
seller's slice is one less, every rival's is what it was - and no rival is sent a lower number
that lands late while it keeps selling the old one. (Its own number needs no push either: its
platform took the unit off itself.)

The switch from the risk numbers is placed so that more stock, or a higher epsilon, never shows
any channel less: units are shared out in a fixed order (D'Hondt is house-monotone), and the risk
model takes over only once every channel's risk number is at least its slice of every larger
group. For channel c the slices of larger groups exceed its risk number exactly while its rivals'
slices add up to less than q_c (they grow with the group), so the test is one slice computation
per channel, no search.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from stockpool.domain.channel_facts import ChannelFacts
from stockpool.domain.risk_buffer import RivalWindow

# Keeps every channel's partition weight above zero (a demand floor of 0 is allowed).
WEIGHT_FLOOR = 1e-9


def partition_weights(members: Sequence[ChannelFacts]) -> list[float]:
    """Each channel's claim on a shared group: priority x demand, never 0."""
    return [f.rules.priority * max(f.demand, WEIGHT_FLOOR) for f in members]


def dhondt(seats: int, weights: Sequence[float], taken: Sequence[int] = ()) -> list[int]:
    """seats shared out by D'Hondt on top of the seats each already holds (taken, none if
    empty): each next one to the highest weight / (seats it holds + 1), ties to the earlier.
    Each one's share of the seats, taken not counted.

    House-monotone: the shares of n + 1 seats are those of n plus one. And a seat one moves
    into its taken (taken + 1, seats - 1) leaves every share as it was but its own, one less,
    if it had a share: the same seats win, the first of them now held already."""
    count = len(weights)
    if seats <= 0 or count == 0:
        return [0] * count
    held = list(taken) or [0] * count
    holding = _lower_bound(seats, weights, held)
    for _ in range(seats + sum(held) - sum(holding)):
        best, claim = 0, weights[0] / (holding[0] + 1)
        for i in range(1, count):  # the first of equal claims wins
            mine = weights[i] / (holding[i] + 1)
            if mine > claim:
                best, claim = i, mine
        holding[best] += 1
    return [have - had for have, had in zip(holding, held, strict=True)]


def _lower_bound(seats: int, weights: Sequence[float], held: list[int]) -> list[int]:
    """Seats each surely holds once the seats are shared out (its taken included), to start
    the count from: every claim of at least a threshold theta wins when there are no more of
    them than seats. One claim less each is safe from float rounding."""
    total = sum(weights)
    if not any(held):  # the usual case: theta = total / seats
        return [max(0, math.floor(w * seats / total) - 1) for w in weights]
    everything = seats + sum(held)

    def holding(theta: float) -> int:
        return sum(max(h, math.floor(w / theta)) for w, h in zip(weights, held, strict=True))

    low, high = total / (everything + len(weights)), max(weights) * 2  # too many, few enough
    for _ in range(48):
        middle = (low + high) / 2
        if holding(middle) > everything:
            low = middle
        else:
            high = middle
    return [max(h, math.floor(w / high) - 1) for w, h in zip(weights, held, strict=True)]


def partitioned(
    units: int,
    members: Sequence[ChannelFacts],
    weights: Sequence[float],
    windows: Sequence[RivalWindow],
    taken: Sequence[int] = (),
) -> list[int] | None:
    """The group's slices (members' order; shared out on top of what their orders took) when
    the partition takes over from the risk numbers (the windows' quantiles): some channel's
    slice of it and of every larger group beats its risk number. None while the risk numbers
    hold."""
    count = len(members)
    total = sum(weights)
    held = list(taken) or [0] * count
    everything = units + sum(held) + count
    by_seats: dict[int, list[int]] = {}  # D'Hondt by number of seats, computed once each
    for n, own in enumerate(members):
        q = windows[n][3]  # its risk number (the quantile)
        if own.rules.buffer is not None or q < 1:
            continue
        # A slice is at most weight x (units + all taken + count) / total - its taken: while
        # the rest is at least q, its rivals hold q or more and its risk number is no less.
        if units - (weights[n] * everything / total - held[n] + 1) > q - 1:
            continue
        # Its slices beat its risk number from here on while its rivals' slices (which grow
        # with the group) add up to less than q, and it has a slice of a group of q at all.
        whole = _allocated(by_seats, units, weights, held)
        if units - whole[n] <= q - 1 and _allocated(by_seats, q, weights, held)[n] >= 1:
            return whole
    return None


def _allocated(
    by_seats: dict[int, list[int]], seats: int, weights: Sequence[float], taken: Sequence[int]
) -> list[int]:
    found = by_seats.get(seats)
    if found is None:
        found = by_seats[seats] = dhondt(seats, weights, taken)
    return found


def partition_threshold(
    units_hint: int, n: int, q: int, weights: Sequence[float], taken: Sequence[int] = ()
) -> int | None:
    """The largest group size at which channel n's slice beats its risk number (for an
    explanation: the group is partitioned up to there). None if it never does."""
    if q < 1 or dhondt(q, weights, taken)[n] < 1:
        return None
    low, high = q, max(q, units_hint) + 1
    while high - dhondt(high, weights, taken)[n] <= q - 1:
        high *= 2
    while high - low > 1:  # low satisfies, high does not
        middle = (low + high) // 2
        if middle - dhondt(middle, weights, taken)[n] <= q - 1:
            low = middle
        else:
            high = middle
    return low
