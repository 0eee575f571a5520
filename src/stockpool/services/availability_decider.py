"""Turning a batch of SKUs' loaded inputs into their numbers, the way the domain decides them:
Decider for the numbers alone (every recompute), explained_facts for decide's explanation, and
bundle_numbers for SKUs made of others."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from stockpool.domain.advertised import encode
from stockpool.domain.availability import advertise
from stockpool.domain.bundle_availability import BundleAdvertised, bundle_number
from stockpool.domain.bundles import bundle_available
from stockpool.domain.catalog import Component
from stockpool.domain.channel_facts import ChannelFacts
from stockpool.domain.demand import Rate
from stockpool.domain.policies import Policy
from stockpool.domain.shrinkage import expected_missing
from stockpool.domain.stock_groups import Place, Shrink, Taken, holdback
from stockpool.services.availability_inputs import Inputs
from stockpool.services.availability_setup import AvailabilitySettings, Setup

# What each channel's open orders hold of a SKU: per location of the setup, per channel, in order.
Holdings = tuple[tuple[int, ...], ...]
# Units a SKU may have lost unseen since counted, per location of the setup (Poisson means).
Losses = tuple[float, ...]


class Decider:
    """Decides many SKUs' numbers under one setup at one moment, each distinct set of inputs
    once: most SKUs of a catalog share theirs (no sales yet - the demand floor - and the same
    few stock levels). The same decision as explained_facts + domain.decide, through
    domain.advertise."""

    def __init__(self, settings: AvailabilitySettings, setup: Setup, at: datetime) -> None:
        self.setup = setup
        self._settings = settings
        self._at = at
        self._percent = settings.holdback_percent
        self.stale_channels = setup.stale_channels()
        self.locations = tuple(loc.code for loc in setup.locations)
        self.no_stock = (0,) * len(self.locations)
        self._groups = tuple(setup.group_of[code] for code in self.locations)
        self._stale = tuple(loc.stale(at) and self._percent > 0 for loc in setup.locations)
        self._codes = tuple(c.code for c in setup.channels)
        self._memo: dict[tuple[object, ...], tuple[dict[str, int], str]] = {}
        self._facts_memo: dict[tuple[object, ...], tuple[ChannelFacts, ...]] = {}

    def decide(self, sku: str, inputs: Inputs) -> dict[str, int]:
        stock = inputs.available.get(sku, {})
        held = inputs.held.get(sku)
        shrink = inputs.shrink.get(sku)
        return self.numbers(
            tuple(stock.get(code, 0) for code in self.locations),
            inputs.rates.get(sku),
            self.per_channel(inputs.overrides, sku) if inputs.overrides else None,
            self.exposed(inputs.exposures, sku) if self.stale_channels else None,
            self.taken(held) if held else None,
            self.losses(shrink) if shrink else None,
        )[0]

    def text(
        self,
        stock: tuple[int, ...],
        rates: Mapping[str, Rate] | None,
        overrides: tuple[Policy | None, ...] | None,
        exposures: tuple[int, ...] | None,
        taken: Holdings | None,
        losses: Losses | None = None,
    ) -> str:
        """The SKU's numbers as stored (see domain.advertised)."""
        return self.numbers(stock, rates, overrides, exposures, taken, losses)[1]

    def taken(self, held: Mapping[str, Mapping[str, int]]) -> Holdings:
        """What each channel's open orders hold of a SKU (by location, then channel) as the
        decider takes it: per location of the setup, per channel, in order."""
        return tuple(
            tuple(held.get(location, {}).get(code, 0) for code in self._codes)
            for location in self.locations
        )

    def losses(self, shrink: Mapping[str, tuple[float, datetime]]) -> Losses | None:
        """Units a SKU may have lost unseen at each location of the setup since its last count
        there (its shrink rates by location), None for none."""
        found = tuple(
            expected_missing(*shrink[code], self._at) if code in shrink else 0.0
            for code in self.locations
        )
        return found if any(found) else None

    def per_channel(
        self, overrides: Mapping[tuple[str, str], Policy], sku: str
    ) -> tuple[Policy | None, ...] | None:
        found = tuple(overrides.get((sku, code)) for code in self._codes)
        return found if any(found) else None

    def exposed(self, exposures: Mapping[tuple[str, str], int], sku: str) -> tuple[int, ...]:
        return tuple(exposures.get((sku, code), 0) for code in self._codes)

    def numbers(
        self,
        stock: tuple[int, ...],
        rates: Mapping[str, Rate] | None,
        overrides: tuple[Policy | None, ...] | None,
        exposures: tuple[int, ...] | None,
        taken: Holdings | None = None,
        losses: Losses | None = None,
    ) -> tuple[dict[str, int], str]:
        """stock: available per location of the setup, in order; taken: what each channel's
        orders hold there (see taken), losses: what may be missing there (see losses), None for
        nothing."""
        demand: tuple[float, ...] | None = None
        if rates:
            demand = tuple(
                self._settings.demand(rates.get(code), self._at).units_per_hour
                for code in self._codes
            )
        key = (stock, demand, overrides, exposures, taken, losses)
        found = self._memo.get(key)
        if found is None:
            facts = self._facts(demand, overrides, exposures)
            numbers = advertise(
                self._grouped(stock),
                facts,
                self._taken(taken) if taken else None,
                self._shrink(losses) if losses else None,
            )
            found = (numbers, encode(numbers))
            self._memo[key] = found
        return found

    def _grouped(self, stock: tuple[int, ...]) -> dict[frozenset[str], int]:
        units = [0] * len(self.setup.groups)
        for available, group, stale in zip(stock, self._groups, self._stale, strict=True):
            units[group] += available - holdback(available, self._percent) if stale else available
        return dict(zip(self.setup.groups, units, strict=True))

    def _shrink(self, losses: Losses) -> Shrink:
        """What may be missing, by group of the setup."""
        found: Shrink = {}
        for lost, group in zip(losses, self._groups, strict=True):
            if lost:
                key = self.setup.groups[group]
                found[key] = found.get(key, 0.0) + lost
        return found

    def _taken(self, taken: Holdings) -> Taken:
        """What each channel's orders hold, by group of the setup then channel (a channel's
        orders at a location that does not serve it hold nothing it could share)."""
        found: Taken = {}
        for held, group in zip(taken, self._groups, strict=True):
            key = self.setup.groups[group]
            for code, units in zip(self._codes, held, strict=True):
                if units and code in key:
                    in_group = found.setdefault(key, {})
                    in_group[code] = in_group.get(code, 0) + units
        return found

    def _facts(
        self,
        demand: tuple[float, ...] | None,
        overrides: tuple[Policy | None, ...] | None,
        exposures: tuple[int, ...] | None,
    ) -> tuple[ChannelFacts, ...]:
        key = (demand, overrides, exposures)
        found = self._facts_memo.get(key)
        if found is None:
            floor = self._settings.demand(None, self._at).units_per_hour
            setup = self.setup
            found = tuple(
                ChannelFacts(
                    channel.code,
                    setup.rules(channel, overrides[n] if overrides else None),
                    demand[n] if demand else floor,
                    setup.lags[channel.code].seconds,
                    (exposures[n] if exposures else 0)
                    if channel.code in self.stale_channels
                    else None,
                )
                for n, channel in enumerate(setup.channels)
            )
            self._facts_memo[key] = found
        return found


def explained_facts(
    settings: AvailabilitySettings, setup: Setup, sku: str, inputs: Inputs, at: datetime
) -> tuple[tuple[Place, ...], tuple[ChannelFacts, ...]]:
    """What domain.decide takes for a SKU: its places and each channel's facts."""
    stock = inputs.available.get(sku, {})
    held = inputs.held.get(sku, {})
    shrink = inputs.shrink.get(sku, {})
    places = tuple(
        Place(
            loc.code,
            loc.serves,
            stock.get(loc.code, 0),
            loc.stale(at),
            held.get(loc.code, {}),
            expected_missing(*shrink[loc.code], at) if loc.code in shrink else 0.0,
        )
        for loc in setup.locations
    )
    stale = setup.stale_channels()
    facts = tuple(
        ChannelFacts(
            channel.code,
            setup.rules(channel, inputs.overrides.get((sku, channel.code))),
            settings.demand(inputs.rates.get(sku, {}).get(channel.code), at).units_per_hour,
            setup.lags[channel.code].seconds,
            inputs.exposures.get((sku, channel.code), 0) if channel.code in stale else None,
        )
        for channel in setup.channels
    )
    return places, facts


def bundle_numbers(
    setup: Setup,
    sku: str,
    parts: Sequence[Component],
    inputs: Inputs,
    numbers: Mapping[str, Mapping[str, int]],
) -> dict[str, BundleAdvertised]:
    """A bundle's number on each channel, from its components' (numbers) and what they make at
    the channel's locations."""
    result: dict[str, BundleAdvertised] = {}
    for channel in setup.channels:
        pool = sum(
            bundle_available(
                parts, {c.sku: inputs.available.get(c.sku, {}).get(loc.code, 0) for c in parts}
            )
            for loc in setup.locations
            if channel.code in loc.serves
        )
        made = {c.sku: numbers.get(c.sku, {}).get(channel.code, 0) for c in parts}
        rules = setup.rules(channel, inputs.overrides.get((sku, channel.code)))
        result[channel.code] = bundle_number(channel.code, parts, made, pool, rules)
    return result
