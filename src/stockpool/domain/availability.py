"""How many units each channel may show: the product's main number, decided and explained.

The oversell risk on a channel comes from what the *other* channels sell before it hears of it.
Channel c learns of a change L_c seconds late; meanwhile its rivals sell Poisson(lambda * L_c)
units, lambda their demand. Showing the pool less q_c, the (1 - epsilon_c) quantile of that,
keeps c's chance of overselling under epsilon_c: the **risk model**.

Near the last units that leaves slow channels nothing, and a **partition** takes over: the pool
is split by priority x demand share (D'Hondt), so what the channels show adds up to at most the
pool and nothing can oversell. The switch is placed so that more stock, or a higher epsilon,
never shows any channel less: units are shared out in a fixed order (D'Hondt is house-monotone),
and the risk model takes over only once every channel's risk number is at least its slice of
every larger pool. For channel c the slices of larger pools exceed its risk number exactly while
its rivals' slices add up to less than q_c (they grow with the pool), so the test is one slice
computation per channel, no search.

Stock is grouped by the set of channels its locations serve. A group one channel alone serves
(FBA stock for Amazon) is that channel's, at no risk; the rest is decided group by group, each
holding back a full window of rival demand: exact for the usual one shared warehouse, cautious
when groups overlap. Ring fences carve units out of the shared stock for one channel, from the
groups with the fewest channels first. A location whose snapshot (3PL, marketplace-fulfilled) is
overdue counts only part of its stock. A channel whose sync is stale keeps selling at the number
it last got: its rivals hold that much more back.

Then the seller's limits, in this order: fixed buffer, share of pool, cap, floor.

Pure: values in, values out; rates in units per hour, lags in seconds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, overload

from stockpool.domain import poisson
from stockpool.domain.catalog import Component
from stockpool.domain.policies import Rules

Mode = Literal["risk", "partition", "exclusive"]
BufferSource = Literal["risk_model", "partition", "policy", "none"]
LimitRule = Literal["share_percent", "cap", "floor"]

# Keeps every channel's partition weight above zero (a demand floor of 0 is allowed).
WEIGHT_FLOOR = 1e-9


@dataclass(frozen=True, slots=True)
class Place:
    """The SKU's sellable stock at one location."""

    location: str
    channels: frozenset[str]  # the channels it serves, of those being decided
    available: int
    stale: bool = False  # its stock snapshot is overdue: only part of it counts

    def __post_init__(self) -> None:
        if isinstance(self.available, bool) or self.available < 0:
            raise ValueError(f"available must be 0 or more (got {self.available!r})")


@dataclass(frozen=True, slots=True)
class ChannelFacts:
    """What the decision knows of one channel for this SKU."""

    channel: str
    rules: Rules
    demand: float  # units per hour it sells of this SKU (floor applied)
    lag: float  # seconds before a number pushed to it shows there
    exposure: int | None = None  # its sync is stale: the number it still shows

    def __post_init__(self) -> None:
        for name in ("demand", "lag"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number of 0 or more (got {value!r})")
        if self.exposure is not None and self.exposure < 0:
            raise ValueError("exposure must be 0 or more")


@dataclass(frozen=True, slots=True)
class GroupShare:
    """One channel's part of a group of stock shared with rivals."""

    locations: tuple[str, ...]
    channels: tuple[str, ...]
    units: int  # the group's units after ring fences and holdbacks
    mode: Literal["risk", "partition"]
    shown: int  # what the channel shows of this group
    rival_demand: float  # units per hour its rivals in the group sell
    window_mean: float  # rivals' expected sales during the channel's lag
    quantile: int  # the (1 - epsilon) quantile of that window's sales
    stale_exposure: int  # units stale rivals may still sell at their last number
    slice: int  # its partition slice of this group


@dataclass(frozen=True, slots=True)
class Limit:
    """A seller's limit that lowered the number: which, its setting, the number before and after."""

    rule: LimitRule
    value: int
    before: int
    after: int


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


def holdback(available: int, percent: int) -> int:
    """Units of an overdue snapshot's stock not counted: percent of it, rounded up."""
    return min(available, -(-available * percent // 100))


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


Groups = dict[frozenset[str], int]  # units, by the set of channels their locations serve


@dataclass(frozen=True, slots=True)
class Grouped:
    """A SKU's stock grouped by the channels its locations serve, after overdue snapshots'
    holdbacks: what the decision works on."""

    units: Groups
    locations: dict[frozenset[str], tuple[str, ...]]
    held: dict[str, int]  # per channel: units not counted at its locations (overdue snapshots)


def grouped(
    places: Sequence[Place], channels: Iterable[str], *, holdback_percent: int = 10
) -> Grouped:
    """The places' stock by the set of (these) channels each serves; a stale place counts its
    stock less the holdback."""
    codes = frozenset(channels)
    units: Groups = {}
    locations: dict[frozenset[str], list[str]] = {}
    held = dict.fromkeys(codes, 0)
    for place in places:
        served = place.channels & codes
        if not served:
            continue
        kept = place.available
        if place.stale and holdback_percent:
            withheld = holdback(place.available, holdback_percent)
            kept -= withheld
            for code in served:
                held[code] += withheld
        units[served] = units.get(served, 0) + kept
        locations.setdefault(served, []).append(place.location)
    return Grouped(units, {k: tuple(sorted(v)) for k, v in locations.items()}, held)


def decide(
    places: Sequence[Place],
    channels: Sequence[ChannelFacts],
    *,
    holdback_percent: int = 10,
) -> Decision:
    """Every channel's advertised number for one SKU, with its explanation."""
    facts = {c.channel: c for c in channels}
    stock = grouped(places, facts, holdback_percent=holdback_percent)
    return _solve(dict(stock.units), facts, stock)


def advertise(units: Groups, channels: Sequence[ChannelFacts]) -> dict[str, int]:
    """The numbers decide gives, from stock already grouped (see grouped), without the
    explanation: the path every recompute takes, and the same decision."""
    return _solve(dict(units), {c.channel: c for c in channels}, None)


@lru_cache(maxsize=1024)
def _group_order(key: frozenset[str]) -> tuple[int, tuple[str, ...]]:
    return (len(key), tuple(sorted(key)))


# The explanation comes back exactly when the grouping to explain is given.
@overload
def _solve(units: Groups, facts: Mapping[str, ChannelFacts], explain: Grouped) -> Decision: ...
@overload
def _solve(units: Groups, facts: Mapping[str, ChannelFacts], explain: None) -> dict[str, int]: ...
def _solve(
    units: Groups, facts: Mapping[str, ChannelFacts], explain: Grouped | None
) -> Decision | dict[str, int]:
    """Ring fences, then each shared group split, then each channel's total and limits. With
    explain (the grouping, for its locations and holdbacks), the whole explanation."""
    ranked = sorted(facts, key=lambda code: (-facts[code].rules.priority, code))
    fenced = dict.fromkeys(facts, 0)
    if any(f.rules.ring_fence for f in facts.values()):
        fenced = _ring_fence(units, ranked, facts)
    exclusive = dict(fenced)
    pool = dict(fenced)
    shown = dict(fenced)
    shares: dict[str, list[GroupShare]] = {code: [] for code in facts}
    for key in sorted(units, key=_group_order):
        if len(key) == 1:
            (code,) = key
            exclusive[code] += units[key]
            pool[code] += units[key]
            shown[code] += units[key]
            continue
        codes = [c for c in ranked if c in key]
        locations = explain.locations.get(key, ()) if explain is not None else ()
        for code, number, share in _split(units[key], codes, facts, locations, explain is not None):
            pool[code] += units[key]
            shown[code] += number
            if share is not None:
                shares[code].append(share)
    if explain is None:
        return {
            code: _limited(facts[code].rules, shown[code], pool[code]) for code in sorted(facts)
        }
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
    units: int,
    codes: Sequence[str],
    facts: Mapping[str, ChannelFacts],
    locations: tuple[str, ...],
    explain: bool,
) -> list[tuple[str, int, GroupShare | None]]:
    """How the channels of one shared group (ranked) split it: risk numbers, or a partition.
    Each channel's number of it, and (explain) its share as explained."""
    count = len(codes)
    members = [facts[code] for code in codes]
    weights = [f.rules.priority * max(f.demand, WEIGHT_FLOOR) for f in members]
    total = sum(weights)
    healthy = sum(f.demand for f in members if f.exposure is None)
    exposed = sum(f.exposure for f in members if f.exposure is not None)
    quantiles: list[int] = []
    windows: list[tuple[float, float, int]] = []
    for own in members:
        if own.exposure is None:
            rival_demand, stale = healthy - own.demand, exposed
        else:
            rival_demand, stale = healthy, exposed - own.exposure
        rival_demand = max(rival_demand, 0.0)  # float rounding of the difference
        window = rival_demand * own.lag / 3600
        quantiles.append(poisson.quantile(window, 1 - own.rules.epsilon) + stale)
        windows.append((rival_demand, window, stale))
    partition = False
    allocations: dict[int, list[int]] = {}  # D'Hondt by number of seats, computed once each

    def allocated(seats: int) -> list[int]:
        found = allocations.get(seats)
        if found is None:
            found = allocations[seats] = dhondt(seats, weights)
        return found

    for n, code in enumerate(codes):
        q = quantiles[n]
        if facts[code].rules.buffer is not None or q < 1:
            continue
        # D'Hondt gives a channel less than weight * units / total + count + 1: while the
        # rest is at least q, its rivals hold q or more and its risk number is no less.
        if units - (weights[n] * units / total + count + 1) > q - 1:
            continue
        # Its slices beat its risk number from here on while its rivals' slices (which grow
        # with the group) add up to less than q, and it has a slice of a group of q at all.
        if units - allocated(units)[n] <= q - 1 and allocated(q)[n] >= 1:
            partition = True
            break
    slices = allocated(units) if partition or explain else []
    result: list[tuple[str, int, GroupShare | None]] = []
    for n, code in enumerate(codes):
        if partition:
            number = slices[n]
        elif facts[code].rules.buffer is not None:
            number = units
        else:
            number = max(0, units - quantiles[n])
        share = None
        if explain:
            rival_demand, window, stale = windows[n]
            share = GroupShare(
                locations=locations,
                channels=tuple(sorted(codes)),
                units=units,
                mode="partition" if partition else "risk",
                shown=number,
                rival_demand=rival_demand,
                window_mean=window,
                quantile=quantiles[n],
                stale_exposure=stale,
                slice=slices[n],
            )
        result.append((code, number, share))
    return result


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


def _limited(rules: Rules, shown: int, pool: int) -> int:
    """What _channel_number decides (and apply_limits), without the explanation."""
    if rules.buffer is not None:
        shown = max(0, shown - rules.buffer)
    if rules.share_percent is not None:
        shown = min(shown, pool * rules.share_percent // 100)
    if rules.cap is not None:
        shown = min(shown, rules.cap)
    if rules.floor is not None and pool <= rules.floor:
        shown = 0
    return shown


def _channel_number(
    facts: ChannelFacts,
    pool: int,
    shown: int,
    exclusive: int,
    fenced: int,
    held: int,
    shares: tuple[GroupShare, ...],
) -> Advertised:
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


def apply_limits(rules: Rules, number: int, pool: int) -> tuple[int, tuple[Limit, ...]]:
    """The seller's limits on a number: share of the pool, cap, then floor (0 while the pool
    is at or below it). Each one that lowered the number is recorded."""
    limits: list[Limit] = []

    def lower(rule: LimitRule, value: int, bound: int) -> None:
        nonlocal number
        if bound < number:
            limits.append(Limit(rule, value, number, bound))
            number = bound

    if rules.share_percent is not None:
        lower("share_percent", rules.share_percent, pool * rules.share_percent // 100)
    if rules.cap is not None:
        lower("cap", rules.cap, rules.cap)
    if rules.floor is not None and pool <= rules.floor:
        lower("floor", rules.floor, 0)
    return number, tuple(limits)


# Bundles


@dataclass(frozen=True, slots=True)
class BundleAdvertised:
    channel: str
    advertised: int
    pool: int  # whole bundles the components make at the channel's locations
    made_from: int  # whole bundles the components' own advertised numbers make
    scarcest: str | None  # the component that allows the fewest
    limits: tuple[Limit, ...] = ()


def bundle_number(
    channel: str,
    components: Sequence[Component],
    advertised: Mapping[str, int],
    pool: int,
    rules: Rules,
) -> BundleAdvertised:
    """A bundle shows the whole bundles its components' advertised numbers make (they already
    hold back for every channel's demand, bundles included), no more than the bundles its
    components make at the channel's locations, then its own limits."""
    made, scarcest = pool, None
    for component in sorted(components, key=lambda c: c.sku):
        whole = advertised.get(component.sku, 0) // component.units
        if scarcest is None or whole < made:
            made, scarcest = whole, component.sku
    made = min(made, pool) if components else 0
    number = made if rules.buffer is None else max(0, made - rules.buffer)
    number, limits = apply_limits(rules, number, pool)
    return BundleAdvertised(channel, number, pool, made, scarcest, limits)


def bundles_at(components: Sequence[Component], available: Mapping[str, int]) -> int:
    """Whole bundles the components' available units make at one location."""
    if not components:
        return 0
    return min(available.get(c.sku, 0) // c.units for c in components)
