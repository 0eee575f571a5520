"""The full recompute: every SKU's numbers decided again (policy-wide changes, demand that
decayed, channels gone stale), a range of SKUs at a time, set-based: each range read whole in a
few statements, SKUs sharing their inputs decided once, only changed numbers written. Bundles
come last, once every component's number is in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from stockpool.domain.advertised import decode
from stockpool.services.availability_decider import Decider
from stockpool.services.availability_inputs import exposures
from stockpool.services.availability_recompute import Recomputed, queue_pushes, recompute
from stockpool.services.availability_setup import Setup, SetupCache
from stockpool.services.ports import Progress, UnitOfWork, UnitOfWorkFactory

CHUNK = 2_000  # SKUs per transaction in a full recompute


def recompute_all(
    uow_factory: UnitOfWorkFactory,
    setups: SetupCache,
    at: datetime,
    *,
    progress: Progress | None = None,
    chunk: int = CHUNK,
) -> Recomputed:
    """Every SKU as of at, a chunk of SKUs per transaction: SKUs sharing their inputs are
    decided once."""
    total = Recomputed(0, 0)
    after: str | None = None
    decider: Decider | None = None
    bundles: list[str] = []
    while True:
        with uow_factory() as uow:
            codes = uow.availability.sku_codes(after=after, limit=chunk)
            if not codes:
                break
            setup = setups.current(uow)
            if decider is None or decider.setup is not setup:
                decider = Decider(setups.settings, setup, at)
            done, skipped = recompute_range(uow, setup, decider, codes, at)
            uow.commit()
        bundles += skipped
        total += done
        if progress is not None:
            progress(total.skus)
        after = codes[-1]
    for start in range(0, len(bundles), chunk):  # after every component's number is in
        with uow_factory() as uow:
            part = bundles[start : start + chunk]
            done = recompute(uow, setups, setups.current(uow), part, at, parents=False)
            uow.commit()
        total = Recomputed(total.skus, total.changed + done.changed)
    return total


def recompute_all_in(uow: UnitOfWork, setups: SetupCache, setup: Setup, at: datetime) -> Recomputed:
    """Every SKU, in this transaction (a change of configuration that moves them all)."""
    total = Recomputed(0, 0)
    after: str | None = None
    decider = Decider(setups.settings, setup, at)
    bundles: list[str] = []
    while codes := uow.availability.sku_codes(after=after, limit=CHUNK):
        done, skipped = recompute_range(uow, setup, decider, codes, at)
        bundles += skipped
        total += done
        after = codes[-1]
    if bundles:
        done = recompute(uow, setups, setup, bundles, at, parents=False)
        total += done
    return total


def recompute_range(
    uow: UnitOfWork, setup: Setup, decider: Decider, codes: Sequence[str], at: datetime
) -> tuple[Recomputed, list[str]]:
    """recompute for a range of SKUs (codes, in order), reading the range whole; bundles are
    left out (their numbers come from components that may be further on), and returned."""
    first, last = codes[0], codes[-1]
    repository = uow.availability
    old = repository.lock_range(first, last, at)
    components = uow.catalog.components(codes) if setup.bundles else {}
    stock = repository.stock_range(first, last, decider.locations)
    rates = repository.demand_by_sku(first, last)
    held = repository.held_range(first, last)
    shrink = repository.shrink_range(first, last)
    overrides = uow.policies.sku_overrides(codes) if setup.overrides else {}
    exposed = exposures(uow, setup, codes)
    nothing = decider.no_stock
    changed: dict[str, str] = {}
    for sku in codes:
        if sku in components:
            continue
        text = decider.text(
            stock.get(sku, nothing),
            rates.get(sku),
            decider.per_channel(overrides, sku) if overrides else None,
            decider.exposed(exposed, sku) if decider.stale_channels else None,
            decider.taken(held[sku]) if sku in held else None,
            decider.losses(shrink[sku]) if sku in shrink else None,
        )
        if old.get(sku) != text:
            changed[sku] = text
    repository.write_texts(changed, at)
    if changed and setup.listings:
        numbers = {sku: decode(text) for sku, text in changed.items()}
        queue_pushes(uow, {s: decode(old.get(s)) for s in changed}, numbers, at)
    return Recomputed(len(codes) - len(components), len(changed)), sorted(components)
