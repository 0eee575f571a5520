"""Availability: every change that can move a channel's number recomputes the SKUs it touched,
in the transaction that made it, and queues the numbers that changed for the sync outbox.

load -> decide -> save: the inputs of the SKUs come from the store (available stock, demand,
overrides, what stale channels still show), the domain decides (domain.availability), the store
keeps the numbers and queues pushes. Configuration (channels, policies, lags, locations, health)
is cached per process and reloaded when the revision the database holds moves on.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from stockpool.domain.advertised import decode, encode
from stockpool.domain.availability import Advertised, Decision, decide
from stockpool.domain.bundle_availability import BundleAdvertised
from stockpool.domain.demand import Rate, Used, with_sale
from stockpool.domain.errors import UnknownChannel, UnknownSku
from stockpool.domain.listings import Listing, StoredListing
from stockpool.domain.policies import Rules
from stockpool.domain.sync_health import Health, health
from stockpool.services.availability_decider import (
    Decider,
    Inputs,
    bundle_numbers,
    explained_facts,
)
from stockpool.services.availability_setup import (
    AvailabilitySettings,
    Lag,
    Setup,
    load_setup,
)
from stockpool.services.ports import Clock, Progress, UnitOfWork, UnitOfWorkFactory

__all__ = ["AvailabilityService", "AvailabilitySettings", "Lag", "Setup"]

CHUNK = 2_000  # SKUs per transaction in a full recompute


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


@dataclass(frozen=True, slots=True)
class SkuAvailability:
    sku: str
    computed_at: datetime | None
    channels: tuple[ChannelExplanation, ...]


@dataclass(frozen=True, slots=True)
class Recomputed:
    skus: int
    changed: int


class AvailabilityService:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, settings: AvailabilitySettings
    ) -> None:
        self._uow = uow
        self._clock = clock
        self.settings = settings
        self._cached: Setup | None = None
        self._lock = threading.Lock()

    # Configuration

    def setup(self, uow: UnitOfWork, *, fresh: bool = False) -> Setup:
        """The configuration as of this transaction: the cached one while the revision holds.
        fresh: this transaction changed it (never cached: it may yet roll back)."""
        revision = uow.availability.revision()
        cached = self._cached
        if not fresh and cached is not None and cached.revision == revision:
            return cached
        loaded = load_setup(uow, revision, self.settings)
        if not fresh:
            with self._lock:
                self._cached = loaded
        return loaded

    # Following changes, in the transaction that made them

    def follow(self, uow: UnitOfWork) -> None:
        """Bring the numbers of everything this transaction changed up to date, and queue them
        in the outbox (UnitOfWork.follow_changes calls this, before the use case commits)."""
        changes = uow.changes
        if changes.config:
            uow.availability.bump_revision()
        at = self._clock()
        if changes.everything:
            setup = self.setup(uow, fresh=changes.config)
            if changes.sales:
                sold = sorted({sku for sku, _, _, _ in changes.sales})
                self._recompute(uow, setup, sold, at, sales=changes.sales)
            self._recompute_all_in(uow, setup, at)
        elif changes.skus:
            # The cached setup, checked against the revision the first statement reads.
            cached = self._cached
            if changes.config or cached is None:
                cached = self.setup(uow, fresh=changes.config)
            self._recompute(uow, cached, sorted(changes.skus), at, sales=changes.sales)

    def _recompute_all_in(self, uow: UnitOfWork, setup: Setup, at: datetime) -> Recomputed:
        """Every SKU, in this transaction (a change of configuration that moves them all)."""
        total = Recomputed(0, 0)
        after: str | None = None
        decider = Decider(self.settings, setup, at)
        bundles: list[str] = []
        while codes := uow.availability.sku_codes(after=after, limit=CHUNK):
            done, skipped = self._recompute_range(uow, setup, decider, codes, at)
            bundles += skipped
            total = Recomputed(total.skus + done.skus, total.changed + done.changed)
            after = codes[-1]
        if bundles:
            done = self._recompute(uow, setup, bundles, at, parents=False)
            total = Recomputed(total.skus + done.skus, total.changed + done.changed)
        return total

    def _recompute(
        self,
        uow: UnitOfWork,
        setup: Setup,
        skus: Sequence[str],
        at: datetime,
        *,
        sales: Sequence[tuple[str, str, int, datetime]] = (),
        parents: bool = True,
        except_for: frozenset[tuple[str, str]] = frozenset(),
    ) -> Recomputed:
        """Decide and store the numbers of skus (and the bundles made of them), queue changed
        numbers of listed SKUs (but except_for's), and fold sales into demand."""
        locking = uow.availability.postgresql
        old: dict[str, str] = {}
        while True:
            targets = set(skus)
            if setup.bundles and parents:
                for bundles in uow.availability.bundles_of(targets).values():
                    targets.update(bundles)
            ordered = sorted(targets)
            if locking:
                # Lock before reading stock, to see the last decider's commit. (Should a stale
                # setup hide a bundle, its row is locked below, after the others: only while
                # bundles change can that order cross another transaction's.)
                simple = not (setup.bundles or old)
                if simple:  # the lock and the read in one round trip
                    revision, old, inputs = self._load(uow, setup, ordered, at, lock=True)
                else:
                    revision, locked = uow.availability.lock_reading_revision(
                        [s for s in ordered if s not in old], at
                    )
                    old.update(locked)
                if revision != setup.revision:
                    setup = self.setup(uow)
                    continue
                if not simple:
                    _, _, inputs = self._load(uow, setup, ordered, at)
                break
            revision, old, inputs = self._load(uow, setup, ordered, at, old=True)
            if revision == setup.revision:
                break
            setup = self.setup(uow)  # the cached setup was old: decide with the new one
        if sales:
            self._fold_sales(uow, inputs, sales, {c.code for c in setup.channels})
        numbers = self._numbers(setup, ordered, inputs, at)
        changed = {
            sku: text
            for sku, text in ((s, encode(numbers[s])) for s in ordered)
            if old.get(sku) != text
        }
        uow.availability.write(changed, at)
        if changed and setup.listings:
            before = {s: decode(old.get(s)) for s in changed}
            self._queue(uow, before, numbers, at, except_for=except_for)
        return Recomputed(len(ordered), len(changed))

    def _load(
        self,
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
        load = sorted(set(targets) | {c.sku for parts in components.values() for c in parts})
        if lock:
            revision, stored, available, rates = uow.availability.lock_then_read(load, at)
        else:
            revision, stored, available, rates = uow.availability.inputs(load, at, old=old)
        inputs = Inputs(
            available=available,
            rates=rates,
            overrides=uow.policies.sku_overrides(load) if setup.overrides else {},
            exposures=self._exposures(uow, setup, load),
            components=components,
        )
        return revision, stored, inputs

    def _fold_sales(
        self,
        uow: UnitOfWork,
        inputs: Inputs,
        sales: Sequence[tuple[str, str, int, datetime]],
        channels: set[str],
    ) -> None:
        """This transaction's sales into the demand rates (read with the SKUs' rows locked):
        written back, and in inputs for the decision."""
        half_life = self.settings.demand_half_life_hours
        updated: dict[tuple[str, str], Rate] = {}
        for sku, channel, units, placed_at in sales:
            if channel not in channels:
                continue
            key = (sku, channel)
            before = updated.get(key) or inputs.rates.get(sku, {}).get(channel)
            updated[key] = with_sale(before, units, placed_at, half_life)
        uow.availability.write_demand(updated)
        for (sku, channel), rate in updated.items():
            inputs.rates.setdefault(sku, {})[channel] = rate

    def _numbers(
        self, setup: Setup, targets: Sequence[str], inputs: Inputs, at: datetime
    ) -> dict[str, dict[str, int]]:
        decider = Decider(self.settings, setup, at)
        numbers: dict[str, dict[str, int]] = {}
        for sku in sorted(set(targets) | {c.sku for p in inputs.components.values() for c in p}):
            if sku not in inputs.components:
                numbers[sku] = decider.decide(sku, inputs)
        for sku, parts in inputs.components.items():
            numbers[sku] = {
                code: b.advertised
                for code, b in bundle_numbers(setup, sku, parts, inputs, numbers).items()
            }
        return {sku: numbers[sku] for sku in targets}

    def _decide(self, setup: Setup, sku: str, inputs: Inputs, at: datetime) -> Decision:
        """The decision with its explanation (what _numbers decides, explained)."""
        places, facts = explained_facts(self.settings, setup, sku, inputs, at)
        return decide(places, facts, holdback_percent=self.settings.holdback_percent)

    def _queue(
        self,
        uow: UnitOfWork,
        before: Mapping[str, Mapping[str, int]],
        numbers: Mapping[str, Mapping[str, int]],
        at: datetime,
        *,
        except_for: frozenset[tuple[str, str]] = frozenset(),
    ) -> None:
        """Queue every listing whose channel's number for its SKU changed (but those of
        except_for, by (channel, channel_sku): the caller queues them itself)."""
        if not except_for:  # the usual case: found and queued in one statement
            uow.availability.queue_changed(
                [
                    (sku, channel, number)
                    for sku, now in numbers.items()
                    if sku in before
                    for channel, number in now.items()
                    if before[sku].get(channel) != number
                ],
                at,
            )
            return
        entries = []
        for channel, channel_sku, sku in uow.availability.listings_of(sorted(before)):
            now = numbers[sku].get(channel)
            if (
                now is not None
                and before[sku].get(channel) != now
                and (channel, channel_sku) not in except_for
            ):
                entries.append((channel, channel_sku, sku, now))
        uow.availability.queue(entries, at)

    def queue_listings(self, uow: UnitOfWork, listings: Sequence[Listing]) -> None:
        """Queue a push of each listing's number (a new or re-mapped listing must be told,
        whether or not its SKU's numbers just changed) - once each."""
        if not listings:
            return
        setup = self.setup(uow, fresh=True)
        at = self._clock()
        codes = sorted({x.sku for x in listings})
        told = frozenset((x.channel, x.channel_sku) for x in listings)
        self._recompute(uow, setup, codes, at, except_for=told)
        numbers = {sku: decode(text) for sku, text in uow.availability.lock(codes, at).items()}
        uow.availability.queue(
            [
                (x.channel, x.channel_sku, x.sku, numbers.get(x.sku, {}).get(x.channel, 0))
                for x in listings
            ],
            at,
        )

    # Full recompute

    def recompute_all(self, *, progress: Progress | None = None, chunk: int = CHUNK) -> Recomputed:
        """Every SKU's numbers decided again (policy-wide changes, demand that decayed, channels
        gone stale), a chunk of SKUs per transaction; only changed numbers are written. As of
        one moment, the start: SKUs sharing their inputs are decided once."""
        total = Recomputed(0, 0)
        after: str | None = None
        at = self._clock()
        decider: Decider | None = None
        bundles: list[str] = []
        while True:
            with self._uow() as uow:
                codes = uow.availability.sku_codes(after=after, limit=chunk)
                if not codes:
                    break
                setup = self.setup(uow)
                if decider is None or decider.setup is not setup:
                    decider = Decider(self.settings, setup, at)
                done, skipped = self._recompute_range(uow, setup, decider, codes, at)
                uow.commit()
            bundles += skipped
            total = Recomputed(total.skus + done.skus, total.changed + done.changed)
            if progress is not None:
                progress(total.skus)
            after = codes[-1]
        for start in range(0, len(bundles), chunk):  # after every component's number is in
            with self._uow() as uow:
                part = bundles[start : start + chunk]
                done = self._recompute(uow, self.setup(uow), part, at, parents=False)
                uow.commit()
            total = Recomputed(total.skus, total.changed + done.changed)
        return total

    def _recompute_range(
        self, uow: UnitOfWork, setup: Setup, decider: Decider, codes: Sequence[str], at: datetime
    ) -> tuple[Recomputed, list[str]]:
        """_recompute for a range of SKUs (codes, in order), reading the range whole; bundles
        are left out (their numbers come from components that may be further on), and returned."""
        first, last = codes[0], codes[-1]
        repository = uow.availability
        old = repository.lock_range(first, last, at)
        components = uow.catalog.components(codes) if setup.bundles else {}
        stock = repository.stock_range(first, last, decider.locations)
        rates = repository.demand_by_sku(first, last)
        overrides = uow.policies.sku_overrides(codes) if setup.overrides else {}
        exposures = self._exposures(uow, setup, codes)
        nothing = decider.no_stock
        changed: dict[str, str] = {}
        for sku in codes:
            if sku in components:
                continue
            text = decider.text(
                stock.get(sku, nothing),
                rates.get(sku),
                decider.per_channel(overrides, sku) if overrides else None,
                decider.exposed(exposures, sku) if decider.stale_channels else None,
            )
            if old.get(sku) != text:
                changed[sku] = text
        repository.write_texts(changed, at)
        if changed and setup.listings:
            numbers = {sku: decode(text) for sku, text in changed.items()}
            self._queue(uow, {s: decode(old.get(s)) for s in changed}, numbers, at)
        return Recomputed(len(codes) - len(components), len(changed)), sorted(components)

    def _exposures(
        self, uow: UnitOfWork, setup: Setup, skus: Sequence[str]
    ) -> dict[tuple[str, str], int]:
        """What stale channels still show of these SKUs: their listings' last pushed (or seen)
        numbers."""
        stale = setup.stale_channels()
        exposures: dict[tuple[str, str], int] = {}
        if stale:
            for listed in uow.listings.of_skus(skus):
                if listed.listing.channel in stale:
                    key = (listed.listing.sku, listed.listing.channel)
                    shown = max(listed.pushed_quantity or 0, listed.confirmed_quantity or 0)
                    exposures[key] = exposures.get(key, 0) + shown
        return exposures

    def count_skus(self) -> int:
        with self._uow(write=False) as uow:
            return uow.catalog.count_skus()

    # Health

    def judge_health(self) -> dict[str, Health]:
        """Judge every channel's sync health now and record it; a change of status changes
        the configuration (its rivals' buffers), so the caller recomputes."""
        with self._uow() as uow:
            at = self._clock()
            rows = uow.sync.channels()
            judged: dict[str, Health] = {}
            for channel in uow.channels.list():
                row = rows.get(channel.code)
                if row is None:
                    judged[channel.code] = Health("ok", ())
                    continue
                verdict = health(
                    row.state,
                    at,
                    stale_after=self.settings.stale_after,
                    feed_stuck_after=self.settings.feed_stuck_after,
                )
                judged[channel.code] = verdict
                if verdict.status != row.status or verdict.reasons != row.reasons:
                    uow.sync.judged(channel.code, verdict.status, verdict.reasons, at)
                if verdict.status != row.status:
                    uow.changes.config = True
            uow.follow_changes()
            uow.commit()
        return judged

    def refresh(self) -> Recomputed:
        """What the server does every few minutes: judge sync health, then recompute."""
        self.judge_health()
        return self.recompute_all()

    # Explaining

    def explain(self, sku: str, channel: str | None = None) -> SkuAvailability:
        """A SKU's number on each channel (or one), decided afresh, with why: the pool, the
        demand and lag used, the buffer and where it came from, the limits applied, and what
        was last recorded, pushed and confirmed."""
        with self._uow(write=False) as uow:
            if uow.catalog.get_sku(sku) is None:
                raise UnknownSku(sku)
            setup = self.setup(uow)
            if channel is not None and channel not in {c.code for c in setup.channels}:
                raise UnknownChannel(channel)
            at = self._clock()
            _, _, inputs = self._load(uow, setup, [sku], at)
            stored, computed_at = uow.availability.stored(sku)
            listed = uow.listings.of_skus([sku])
            parts = inputs.components.get(sku)
            decision: Decision | None = None
            bundled: dict[str, BundleAdvertised] = {}
            if parts:
                numbers = self._numbers(setup, [c.sku for c in parts], inputs, at)
                bundled = bundle_numbers(setup, sku, parts, inputs, numbers)
            else:
                decision = self._decide(setup, sku, inputs, at)
        explained = []
        for ch in setup.channels:
            if channel is not None and ch.code != channel:
                continue
            demand = self.settings.demand(inputs.rates.get(sku, {}).get(ch.code), at)
            shown = decision.channels[ch.code] if decision else None
            groups = shown.groups if shown else ()
            explained.append(
                ChannelExplanation(
                    channel=ch.code,
                    advertised=shown.advertised if shown else bundled[ch.code].advertised,
                    stored=stored.get(ch.code),
                    decision=shown,
                    bundle=bundled.get(ch.code),
                    demand=demand,
                    rival_demand=max((g.rival_demand for g in groups), default=0.0),
                    lag=setup.lags[ch.code],
                    rules=setup.rules(ch, inputs.overrides.get((sku, ch.code))),
                    health=setup.health.get(ch.code, ("ok", ())),
                    listings=tuple(x for x in listed if x.listing.channel == ch.code),
                )
            )
        return SkuAvailability(sku, computed_at, tuple(explained))

    def lag(self, channel: str) -> Lag:
        """The lag the channel's numbers are decided with: measured, or its platform's default."""
        with self._uow(write=False) as uow:
            setup = self.setup(uow)
        if channel not in setup.lags:
            raise UnknownChannel(channel)
        return setup.lags[channel]

    def stored(self, sku: str) -> dict[str, int]:
        with self._uow(write=False) as uow:
            return uow.availability.stored(sku)[0]
