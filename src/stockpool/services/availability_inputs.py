"""What deciding a batch of SKUs' numbers needs, read in the transaction: available stock,
demand, what each channel's open orders hold, the shrink rates counts measured, overrides, what
stale channels still show, and the components of bundles."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from stockpool.domain.catalog import Component
from stockpool.domain.demand import Rate
from stockpool.domain.policies import Policy
from stockpool.services.availability_setup import Setup
from stockpool.services.ports import UnitOfWork
from stockpool.services.ports.availability import ShrinkRates


@dataclass(slots=True)
class Inputs:
    """One batch of SKUs as loaded: what deciding each needs."""

    available: dict[str, dict[str, int]]  # by SKU, then location
    rates: dict[str, dict[str, Rate]]  # by SKU, then channel
    # by SKU, then location, then channel: units its open orders hold there (committed, or
    # reserved while pending; nonzero only)
    held: dict[str, dict[str, dict[str, int]]]
    overrides: dict[tuple[str, str], Policy]  # (sku, channel)
    exposures: dict[tuple[str, str], int]  # (sku, channel): what a stale channel still shows
    components: dict[str, list[Component]]  # of the bundles among them
    # by SKU, then location: the shrink rate its counts measured (above 0 only), last count
    shrink: ShrinkRates = field(default_factory=dict)


def load(
    uow: UnitOfWork,
    setup: Setup,
    targets: Sequence[str],
    at: datetime,
    *,
    old: bool = False,
    lock: bool = False,
) -> tuple[int, dict[str, str], Inputs]:
    """The inputs of targets (and of the components of the bundles among them); also the
    revision the database holds, and (old) their stored numbers. lock: lock them first, in
    the same round trip (PostgreSQL; no bundles); rows a lock makes are stamped at."""
    components = uow.catalog.components(targets) if setup.bundles else {}
    wanted = sorted(set(targets) | {c.sku for parts in components.values() for c in parts})
    if lock:
        read = uow.availability.lock_then_read(wanted, at)
    else:
        read = uow.availability.inputs(wanted, at, old=old)
    revision, stored, available, rates, held, shrink = read
    inputs = Inputs(
        available=available,
        rates=rates,
        held=held,
        overrides=uow.policies.sku_overrides(wanted) if setup.overrides else {},
        exposures=exposures(uow, setup, wanted),
        components=components,
        shrink=shrink,
    )
    return revision, stored, inputs


def exposures(uow: UnitOfWork, setup: Setup, skus: Sequence[str]) -> dict[tuple[str, str], int]:
    """What stale channels still show of these SKUs: their listings' last pushed (or seen)
    numbers."""
    stale = setup.stale_channels()
    found: dict[tuple[str, str], int] = {}
    if stale:
        for listed in uow.listings.of_skus(skus):
            if listed.listing.channel in stale:
                key = (listed.listing.sku, listed.listing.channel)
                shown = max(listed.pushed_quantity or 0, listed.confirmed_quantity or 0)
                found[key] = found.get(key, 0) + shown
    return found
