"""The partition: near the last units, a shared group of stock split by priority x demand share
(D'Hondt), so that what the channels show adds up to at most the group and nothing can oversell.

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


def dhondt(seats: int, weights: Sequence[float]) -> list[int]:
    """seats shared out by D'Hondt: each next unit to the highest weight / (units so far + 1),
    ties to the earlier. House-monotone: the allocation for n + 1 is that for n plus one."""
    count = len(weights)
    if seats <= 0 or count == 0:
        return [0] * count
    total = sum(weights)
    # D'Hondt never gives less than the lower quota; one less is safe from float rounding.
    allocation = [max(0, math.floor(w * seats / total) - 1) for w in weights]
    for _ in range(seats - sum(allocation)):
        best, claim = 0, weights[0] / (allocation[0] + 1)
        for i in range(1, count):  # the first of equal claims wins
            mine = weights[i] / (allocation[i] + 1)
            if mine > claim:
                best, claim = i, mine
        allocation[best] += 1
    return allocation


def partitioned(
    units: int,
    members: Sequence[ChannelFacts],
    weights: Sequence[float],
    windows: Sequence[RivalWindow],
) -> list[int] | None:
    """The group's slices (members' order) when the partition takes over from the risk numbers
    (the windows' quantiles): some channel's slice of it and of every larger group beats its
    risk number. None while the risk numbers hold."""
    count = len(members)
    total = sum(weights)
    by_seats: dict[int, list[int]] = {}  # D'Hondt by number of seats, computed once each
    for n, own in enumerate(members):
        q = windows[n][3]  # its risk number (the quantile)
        if own.rules.buffer is not None or q < 1:
            continue
        # D'Hondt gives a channel less than weight * units / total + count + 1: while the
        # rest is at least q, its rivals hold q or more and its risk number is no less.
        if units - (weights[n] * units / total + count + 1) > q - 1:
            continue
        # Its slices beat its risk number from here on while its rivals' slices (which grow
        # with the group) add up to less than q, and it has a slice of a group of q at all.
        whole = _allocated(by_seats, units, weights)
        if units - whole[n] <= q - 1 and _allocated(by_seats, q, weights)[n] >= 1:
            return whole
    return None


def _allocated(by_seats: dict[int, list[int]], seats: int, weights: Sequence[float]) -> list[int]:
    found = by_seats.get(seats)
    if found is None:
        found = by_seats[seats] = dhondt(seats, weights)
    return found


def partition_threshold(units_hint: int, n: int, q: int, weights: Sequence[float]) -> int | None:
    """The largest group size at which channel n's slice beats its risk number (for an
    explanation: the group is partitioned up to there). None if it never does."""
    if q < 1 or dhondt(q, weights)[n] < 1:
        return None
    low, high = q, max(q, units_hint) + 1
    while high - dhondt(high, weights)[n] <= q - 1:
        high *= 2
    while high - low > 1:  # low satisfies, high does not
        middle = (low + high) // 2
        if middle - dhondt(middle, weights)[n] <= q - 1:
            low = middle
        else:
            high = middle
    return low
