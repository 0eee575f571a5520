"""How many units each channel may show: the product's main number, decided and explained.

A SKU's stock is grouped by the set of channels its locations serve (domain.stock_groups). A
group one channel alone serves (FBA stock for Amazon) is that channel's, at no risk. Ring fences
carve units out of the shared stock for one channel, from the groups with the fewest channels
first. The rest is decided group by group: each channel holds back a full window of its rivals'
demand (domain.risk_buffer; exact for the usual one shared warehouse, cautious when groups
overlap), until near the last units a partition takes over (domain.partition), so that what the
channels show adds up to at most the group, shared out on top of what each channel's orders
already took so that a sale on one channel never moves a rival's number. A channel whose sync is stale keeps selling at the
number it last got: its rivals hold that much more back. Units its locations may have lost
unseen since their last count (domain.shrinkage) add to the same window, and near the last
units no channel is shown what those losses may have taken. Then the seller's limits
(domain.seller_limits): fixed buffer, share of pool, cap, floor.

Pure: values in, values out; rates in units per hour, lags in seconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, overload

from stockpool.domain.channel_facts import ChannelFacts
from stockpool.domain.partition import dhondt, partition_weights, partitioned
from stockpool.domain.risk_buffer import rival_windows, shrink_cap
from stockpool.domain.seller_limits import Limit, apply_limits, limited
from stockpool.domain.stock_groups import Grouped, Groups, Place, Shrink, Taken, grouped

Mode = Literal["risk", "partition", "exclusive"]
GroupMode = Literal["risk", "partition"]
BufferSource = Literal["risk_model", "partition", "policy", "none"]


@dataclass(frozen=True, slots=True)
class GroupShare:
    """One channel's part of a group of stock shared with rivals."""

    locations: tuple[str, ...]
    channels: tuple[str, ...]
    units: int  # the group's units after ring fences and holdbacks
    mode: GroupMode
    shown: int  # what the channel shows of this group
    rival_demand: float  # units per hour its rivals in the group sell
    window_mean: float  # expected sales in the group (its own included) during the channel's lag
    quantile: int  # the (1 - epsilon) quantile of that window's sales
    stale_exposure: int  # units stale rivals may still sell at their last number
    slice: int  # its partition slice of this group (on top of what its orders took)
    taken: int  # units its open orders hold in this group
    # Units the group's locations may have lost unseen since their last counts (a mean), and
    # how many fewer the channel shows of the group for them (0 with no shrinkage measured).
    shrink_mean: float = 0.0
    shrink_held: int = 0


@dataclass(frozen=True, slots=True)
class Advertised:
    """What a channel should show, and why."""

    channel: str
    advertised: int
    pool: int  # the eligible pool: available at its locations, less others' ring fences
    exclusive: int  # of which only it can sell (its own locations, its ring fence)
    ring_fenced: int
    held_back: int  # stock at its locations not counted because a snapshot is overdue
    mode: Mode
    buffer: int  # units of the pool held back before the seller's limits
    buffer_source: BufferSource
    epsilon: float
    groups: tuple[GroupShare, ...] = ()
    limits: tuple[Limit, ...] = ()


@dataclass(frozen=True, slots=True)
class Decision:
    """Every channel's number for one SKU."""

    channels: dict[str, Advertised] = field(default_factory=dict)

    def numbers(self) -> dict[str, int]:
        return {code: a.advertised for code, a in self.channels.items()}


def decide(
    places: Sequence[Place],
    channels: Sequence[ChannelFacts],
    *,
    holdback_percent: int = 10,
) -> Decision:
    """Every channel's advertised number for one SKU, with its explanation."""
    facts = {c.channel: c for c in channels}
    stock = grouped(places, facts, holdback_percent=holdback_percent)
    return _solve(dict(stock.units), facts, stock.taken, stock.shrink, stock)


def advertise(
    units: Groups,
    channels: Sequence[ChannelFacts],
    taken: Taken | None = None,
    shrink: Shrink | None = None,
) -> dict[str, int]:
    """The numbers decide gives, from stock already grouped (see grouped), without the
    explanation: the path every recompute takes, and the same decision."""
    facts = {c.channel: c for c in channels}
    return _solve(dict(units), facts, taken or {}, shrink or {}, None)


@lru_cache(maxsize=1024)
def _group_order(key: frozenset[str]) -> tuple[int, tuple[str, ...]]:
    return (len(key), tuple(sorted(key)))


# The explanation comes back exactly when the grouping to explain is given.
@overload
def _solve(
    units: Groups, facts: Mapping[str, ChannelFacts], taken: Taken, shrink: Shrink, explain: Grouped
) -> Decision: ...
@overload
def _solve(
    units: Groups, facts: Mapping[str, ChannelFacts], taken: Taken, shrink: Shrink, explain: None
) -> dict[str, int]: ...
def _solve(
    units: Groups,
    facts: Mapping[str, ChannelFacts],
    taken: Taken,
    shrink: Shrink,
    explain: Grouped | None,
) -> Decision | dict[str, int]:
    """Ring fences, then each shared group split, then each channel's total and limits. With
    explain (the grouping, for its locations and holdbacks), the whole explanation."""
    ranked = sorted(facts, key=lambda code: (-facts[code].rules.priority, code))
    fenced = dict.fromkeys(facts, 0)
    if any(f.rules.ring_fence for f in facts.values()):
        fenced = _ring_fence(units, ranked, facts)
    exclusive, pool, shown = dict(fenced), dict(fenced), dict(fenced)
    shares: dict[str, list[GroupShare]] = {code: [] for code in facts}
    for key in sorted(units, key=_group_order):
        group = units[key]
        if len(key) == 1:
            (code,) = key
            exclusive[code] += group
            pool[code] += group
            shown[code] += group
            continue
        members = [facts[code] for code in ranked if code in key]
        in_group = taken.get(key, {})
        took = [in_group.get(own.channel, 0) for own in members] if in_group else []
        lost = shrink.get(key, 0.0)
        numbers = _split(group, members, took, lost)
        for own, number in zip(members, numbers, strict=True):
            pool[own.channel] += group
            shown[own.channel] += number
        if explain is not None:
            explained = _shares(group, members, took, numbers, explain.locations.get(key, ()), lost)
            for own, share in zip(members, explained, strict=True):
                shares[own.channel].append(share)
    if explain is None:
        return {code: limited(facts[code].rules, shown[code], pool[code]) for code in sorted(facts)}
    return Decision(
        {
            code: _channel_number(
                facts[code],
                pool[code],
                shown[code],
                exclusive[code],
                fenced[code],
                explain.held.get(code, 0),
                tuple(shares[code]),
            )
            for code in sorted(facts)
        }
    )


def _ring_fence(
    units: Groups, ranked: Sequence[str], facts: Mapping[str, ChannelFacts]
) -> dict[str, int]:
    """Carve each channel's ring fence out of the groups it is served from (fewest channels
    first, so it takes what others could not sell anyway), highest priority first. Changes
    units in place; the units fenced per channel."""
    fenced = dict.fromkeys(facts, 0)
    for code in ranked:
        wanted = facts[code].rules.ring_fence
        for key in sorted((k for k in units if code in k), key=_group_order):
            if wanted == 0:
                break
            taken = min(wanted, units[key])
            units[key] -= taken
            fenced[code] += taken
            wanted -= taken
    return fenced


def _split(
    units: int, members: Sequence[ChannelFacts], taken: Sequence[int], shrink: float = 0.0
) -> list[int]:
    """Each channel's number of one shared group (members ranked; taken: what their orders
    hold in it, or empty; shrink: units it may have lost unseen): its risk number, or its slice
    once the partition takes over near the last units."""
    windows = rival_windows(members, shrink)
    numbers = partitioned(units, members, partition_weights(members), windows, taken)
    if numbers is None:
        # The group less its risk number (window[3], the quantile); a fixed buffer comes off
        # the channel's total instead, with its limits.
        numbers = [
            units if own.rules.buffer is not None else max(0, units - window[3])
            for own, window in zip(members, windows, strict=True)
        ]
    if shrink > 0:  # a partition's slice too stops short of what losses may have taken
        numbers = [
            number
            if own.rules.buffer is not None
            else min(number, shrink_cap(units, shrink, own.rules.epsilon))
            for own, number in zip(members, numbers, strict=True)
        ]
    return numbers


def _shares(
    units: int,
    members: Sequence[ChannelFacts],
    taken: Sequence[int],
    numbers: Sequence[int],
    locations: tuple[str, ...],
    shrink: float = 0.0,
) -> list[GroupShare]:
    """Each channel's part of one shared group (as _split decided it: numbers), explained;
    what it holds back for shrinkage is what it would show without it, less what it shows."""
    windows = rival_windows(members, shrink)
    unshrunk = _split(units, members, taken) if shrink > 0 else numbers
    weights = partition_weights(members)
    slices = partitioned(units, members, weights, windows, taken)
    mode: GroupMode = "risk" if slices is None else "partition"
    if slices is None:
        slices = dhondt(units, weights, taken)
    channels = tuple(sorted(own.channel for own in members))
    return [
        GroupShare(
            locations=locations,
            channels=channels,
            units=units,
            mode=mode,
            shown=numbers[n],
            rival_demand=rival_demand,
            window_mean=mean,
            quantile=quantile,
            stale_exposure=stale_exposure,
            slice=slices[n],
            taken=taken[n] if taken else 0,
            shrink_mean=shrink,
            shrink_held=unshrunk[n] - numbers[n],
        )
        for n, (rival_demand, mean, stale_exposure, quantile) in enumerate(windows)
    ]


def _channel_number(
    facts: ChannelFacts,
    pool: int,
    shown: int,
    exclusive: int,
    fenced: int,
    held: int,
    shares: tuple[GroupShare, ...],
) -> Advertised:
    """One channel's number with its explanation: its mode, its buffer and where that came
    from, and the limits that lowered it."""
    rules = facts.rules
    mode: Mode = "exclusive"
    if shares:
        mode = "partition" if any(s.mode == "partition" for s in shares) else "risk"
    source: BufferSource = "none"
    if rules.buffer is not None:
        source = "policy"
        shown = max(0, shown - rules.buffer)
    elif mode == "partition":
        source = "partition"
    elif pool > shown:
        source = "risk_model"
    number, limits = apply_limits(rules, shown, pool)
    return Advertised(
        channel=facts.channel,
        advertised=number,
        pool=pool,
        exclusive=exclusive,
        ring_fenced=fenced,
        held_back=held,
        mode=mode,
        buffer=pool - shown,
        buffer_source=source,
        epsilon=rules.epsilon,
        groups=shares,
        limits=limits,
    )
