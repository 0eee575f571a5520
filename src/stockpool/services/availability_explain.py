"""Explaining a SKU's number on each channel: decided afresh, with everything that decided it
(the pool, the demand and lag used, the buffer and where it came from, the limits applied) and
what was last recorded, pushed and confirmed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from stockpool.domain.availability import Advertised, Decision, decide
from stockpool.domain.bundle_availability import BundleAdvertised
from stockpool.domain.channels import Channel
from stockpool.domain.demand import Used
from stockpool.domain.errors import UnknownChannel, UnknownSku
from stockpool.domain.listings import StoredListing
from stockpool.domain.policies import Rules
from stockpool.domain.shrinkage import expected_missing, hours_since
from stockpool.services.availability_decider import bundle_numbers, explained_facts
from stockpool.services.availability_inputs import Inputs, load
from stockpool.services.availability_recompute import decide_numbers
from stockpool.services.availability_setup import AvailabilitySettings, Lag, Setup, SetupCache
from stockpool.services.ports import Clock, UnitOfWork


@dataclass(frozen=True, slots=True)
class ShrinkSeen:
    """Shrinkage counts measured at one location the channel sells from: the rate, the hours
    since the SKU was last counted there, and the units that may have gone missing since."""

    location: str
    units_per_hour: float
    hours_since_count: float
    expected_missing: float


@dataclass(frozen=True, slots=True)
class ChannelExplanation:
    """One channel's number for a SKU, with everything that decided it."""

    channel: str
    advertised: int
    stored: int | None  # what stockpool last recorded for it
    decision: Advertised | None  # None for a bundle
    bundle: BundleAdvertised | None
    demand: Used
    rival_demand: float
    lag: Lag
    rules: Rules
    health: tuple[str, tuple[str, ...]]
    listings: tuple[StoredListing, ...]
    shrinkage: tuple[ShrinkSeen, ...] = ()  # at its locations, where counts measured some


@dataclass(frozen=True, slots=True)
class SkuAvailability:
    sku: str
    computed_at: datetime | None
    channels: tuple[ChannelExplanation, ...]


@dataclass(frozen=True, slots=True)
class _Explaining:
    """What explaining one SKU read and decided, in its transaction."""

    sku: str
    at: datetime
    setup: Setup
    inputs: Inputs
    stored: dict[str, int]
    listed: list[StoredListing]
    decision: Decision | None  # None for a bundle
    bundled: dict[str, BundleAdvertised]


def explain(
    uow: UnitOfWork, setups: SetupCache, clock: Clock, sku: str, channel: str | None
) -> SkuAvailability:
    """A SKU's number on each channel (or one), decided afresh, with why."""
    if uow.catalog.get_sku(sku) is None:
        raise UnknownSku(sku)
    setup = setups.current(uow)
    if channel is not None and channel not in {c.code for c in setup.channels}:
        raise UnknownChannel(channel)
    at = clock()
    _, _, inputs = load(uow, setup, [sku], at)
    stored, computed_at = uow.availability.stored(sku)
    listed = uow.listings.of_skus([sku])
    settings = setups.settings
    parts = inputs.components.get(sku)
    decision: Decision | None = None
    bundled: dict[str, BundleAdvertised] = {}
    if parts:
        numbers = decide_numbers(settings, setup, [c.sku for c in parts], inputs, at)
        bundled = bundle_numbers(setup, sku, parts, inputs, numbers)
    else:
        places, facts = explained_facts(settings, setup, sku, inputs, at)
        decision = decide(places, facts, holdback_percent=settings.holdback_percent)
    read = _Explaining(sku, at, setup, inputs, stored, listed, decision, bundled)
    explained = tuple(
        _channel(settings, read, ch)
        for ch in setup.channels
        if channel is None or ch.code == channel
    )
    return SkuAvailability(sku, computed_at, explained)


def _channel(
    settings: AvailabilitySettings, read: _Explaining, channel: Channel
) -> ChannelExplanation:
    code = channel.code
    shown = read.decision.channels[code] if read.decision else None
    groups = shown.groups if shown else ()
    return ChannelExplanation(
        channel=code,
        advertised=shown.advertised if shown else read.bundled[code].advertised,
        stored=read.stored.get(code),
        decision=shown,
        bundle=read.bundled.get(code),
        demand=settings.demand(read.inputs.rates.get(read.sku, {}).get(code), read.at),
        rival_demand=max((g.rival_demand for g in groups), default=0.0),
        lag=read.setup.lags[code],
        rules=read.setup.rules(channel, read.inputs.overrides.get((read.sku, code))),
        health=read.setup.health.get(code, ("ok", ())),
        listings=tuple(x for x in read.listed if x.listing.channel == code),
        shrinkage=_shrinkage(read, code),
    )


def _shrinkage(read: _Explaining, channel: str) -> tuple[ShrinkSeen, ...]:
    """What counts measured at the locations serving the channel (those with a rate)."""
    measured = read.inputs.shrink.get(read.sku, {})
    return tuple(
        ShrinkSeen(
            loc.code,
            rate,
            hours_since(last, read.at),
            expected_missing(rate, last, read.at),
        )
        for loc in read.setup.locations
        if channel in loc.serves and loc.code in measured
        for rate, last in (measured[loc.code],)
    )
