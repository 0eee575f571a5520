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
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Literal

from stockpool.domain.availability import (
    Advertised,
    BundleAdvertised,
    ChannelFacts,
    Decision,
    Place,
    advertise,
    bundle_number,
    bundles_at,
    decide,
    holdback,
)
from stockpool.domain.catalog import Component
from stockpool.domain.channels import Channel, Platform
from stockpool.domain.demand import Rate, Used, decayed, used, with_sale
from stockpool.domain.errors import UnknownChannel, UnknownSku
from stockpool.domain.listings import Listing
from stockpool.domain.policies import Policy, Rules, resolve
from stockpool.domain.sync_health import Health, health
from stockpool.services.ports import Clock, Progress, UnitOfWorkFactory
from stockpool.store.repositories.availability import decode, encode
from stockpool.store.repositories.listings import StoredListing
from stockpool.store.uow import UnitOfWork

CHUNK = 2_000  # SKUs per transaction in a full recompute


@dataclass(frozen=True, slots=True)
class AvailabilitySettings:
    demand_half_life_hours: float = 72
    demand_floor_per_hour: float = 0.5 / 24
    default_lags: Mapping[Platform, float] = field(
        default_factory=lambda: {
            Platform.SHOPIFY: 10.0,
            Platform.AMAZON: 900.0,
            Platform.WALMART: 1800.0,
            Platform.MANUAL: 0.0,
        }
    )
    holdback_percent: int = 10
    stale_after: timedelta = timedelta(minutes=15)
    feed_stuck_after: timedelta = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Lag:
    seconds: float
    source: Literal["measured", "default"]
    samples: int


@dataclass(frozen=True, slots=True)
class LocationSetup:
    code: str
    serves: frozenset[str]  # of the channels that exist
    snapshot_max_age: timedelta | None
    snapshot_at: datetime | None

    def stale(self, now: datetime) -> bool:
        if self.snapshot_max_age is None:
            return False
        return self.snapshot_at is None or now - self.snapshot_at > self.snapshot_max_age


@dataclass(frozen=True, slots=True)
class Setup:
    """What availability reads as configuration, as of one revision."""

    revision: int
    channels: tuple[Channel, ...]
    policies: Mapping[str, Policy]
    lags: Mapping[str, Lag]
    health: Mapping[str, tuple[str, tuple[str, ...]]]  # status, reasons: as last judged
    locations: tuple[LocationSetup, ...]
    overrides: int  # SKU policy overrides that exist
    bundles: int
    listings: int
    # The locations grouped by the set of channels they serve: how decide groups stock.
    groups: tuple[frozenset[str], ...] = ()
    group_of: Mapping[str, int] = field(default_factory=dict)  # location code: group index

    def stale_channels(self) -> frozenset[str]:
        return frozenset(code for code, (status, _) in self.health.items() if status == "stale")


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


@dataclass(slots=True)
class _Inputs:
    """One batch of SKUs as loaded: what decide needs for each."""

    available: dict[str, dict[str, int]]
    rates: dict[str, dict[str, Rate]]  # by SKU, then channel
    overrides: dict[tuple[str, str], Policy]
    exposures: dict[tuple[str, str], int]
    components: dict[str, list[Component]]


class AvailabilityService:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, settings: AvailabilitySettings | None = None
    ) -> None:
        self._uow = uow
        self._clock = clock
        self.settings = settings or AvailabilitySettings()
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
        loaded = self._load_setup(uow, revision)
        if not fresh:
            with self._lock:
                self._cached = loaded
        return loaded

    def _load_setup(self, uow: UnitOfWork, revision: int) -> Setup:
        channels = tuple(uow.channels.list())
        codes = frozenset(c.code for c in channels)
        sync = uow.sync.channels()
        lags: dict[str, Lag] = {}
        judged: dict[str, tuple[str, tuple[str, ...]]] = {}
        for channel in channels:
            row = sync.get(channel.code)
            if row is not None and row.lag_samples > 0 and row.lag_seconds is not None:
                lags[channel.code] = Lag(row.lag_seconds, "measured", row.lag_samples)
            else:
                lags[channel.code] = Lag(self.settings.default_lags[channel.platform], "default", 0)
            judged[channel.code] = (row.status, row.reasons) if row else ("ok", ())
        snapshots = uow.catalog.snapshots()
        locations = tuple(
            LocationSetup(
                code=loc.code,
                serves=codes if not loc.channels else frozenset(loc.channels) & codes,
                snapshot_max_age=(
                    timedelta(seconds=loc.snapshot_max_age_seconds)
                    if loc.snapshot_max_age_seconds
                    else None
                ),
                snapshot_at=snapshots.get(loc.code),
            )
            for loc in uow.catalog.list_locations()
        )
        serving = tuple(loc for loc in locations if loc.serves)
        groups = tuple(sorted({loc.serves for loc in serving}, key=lambda k: sorted(k)))
        return Setup(
            revision=revision,
            channels=channels,
            policies=uow.policies.channel_policies(),
            lags=lags,
            health=judged,
            locations=serving,
            overrides=uow.policies.count_overrides(),
            bundles=uow.catalog.count_bundles(),
            listings=uow.listings.count(),
            groups=groups,
            group_of={loc.code: groups.index(loc.serves) for loc in serving},
        )

    # Following changes, in the transaction that made them

    def before_commit(self, uow: UnitOfWork) -> None:
        """Bring the numbers of everything this transaction changed up to date (the unit of
        work calls this just before it commits)."""
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
        decider = _Decider(self, setup, at)
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
    ) -> Recomputed:
        """Decide and store the numbers of skus (and the bundles made of them), queue changed
        numbers of listed SKUs, and fold sales into demand."""
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
                revision, locked = uow.availability.lock_reading_revision(
                    [s for s in ordered if s not in old], at
                )
                old.update(locked)
                if revision != setup.revision:
                    setup = self.setup(uow)
                    continue
                _, _, inputs = self._load(uow, setup, ordered)
                break
            revision, old, inputs = self._load(uow, setup, ordered, old=True)
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
            self._queue(uow, {s: decode(old.get(s)) for s in changed}, numbers, at)
        return Recomputed(len(ordered), len(changed))

    def _load(
        self, uow: UnitOfWork, setup: Setup, targets: Sequence[str], *, old: bool = False
    ) -> tuple[int, dict[str, str], _Inputs]:
        """The inputs of targets (and of the components of the bundles among them); also the
        revision the database holds, and (old) their stored numbers."""
        components = uow.catalog.components(targets) if setup.bundles else {}
        load = sorted(set(targets) | {c.sku for parts in components.values() for c in parts})
        revision, stored, available, rates = uow.availability.inputs(load, old=old)
        inputs = _Inputs(
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
        inputs: _Inputs,
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
        self, setup: Setup, targets: Sequence[str], inputs: _Inputs, at: datetime
    ) -> dict[str, dict[str, int]]:
        decider = _Decider(self, setup, at)
        numbers: dict[str, dict[str, int]] = {}
        for sku in sorted(set(targets) | {c.sku for p in inputs.components.values() for c in p}):
            if sku not in inputs.components:
                numbers[sku] = decider.decide(sku, inputs)
        for sku, parts in inputs.components.items():
            numbers[sku] = {
                code: b.advertised
                for code, b in self._bundle(setup, sku, parts, inputs, numbers).items()
            }
        return {sku: numbers[sku] for sku in targets}

    def _decide(self, setup: Setup, sku: str, inputs: _Inputs, at: datetime) -> Decision:
        """The decision with its explanation (what _numbers decides, explained)."""
        places, facts = self._facts(setup, sku, inputs, at)
        return decide(places, facts, holdback_percent=self.settings.holdback_percent)

    def _facts(
        self, setup: Setup, sku: str, inputs: _Inputs, at: datetime
    ) -> tuple[tuple[Place, ...], tuple[ChannelFacts, ...]]:
        stock = inputs.available.get(sku, {})
        places = tuple(
            Place(loc.code, loc.serves, stock.get(loc.code, 0), loc.stale(at))
            for loc in setup.locations
        )
        stale = setup.stale_channels()
        facts = tuple(
            ChannelFacts(
                channel.code,
                self._rules(setup, channel, inputs.overrides.get((sku, channel.code))),
                self._demand(inputs.rates.get(sku, {}).get(channel.code), at).units_per_hour,
                setup.lags[channel.code].seconds,
                inputs.exposures.get((sku, channel.code), 0) if channel.code in stale else None,
            )
            for channel in setup.channels
        )
        return places, facts

    def _rules(self, setup: Setup, channel: Channel, override: Policy | None) -> Rules:
        policy = setup.policies.get(channel.code, _NO_POLICY)
        if override is not None:
            policy = override.over(policy)
        return _resolved(policy, channel.cost)

    def _demand(self, rate: Rate | None, at: datetime) -> Used:
        measured = 0.0 if rate is None else decayed(rate, at, self.settings.demand_half_life_hours)
        return used(measured, self.settings.demand_floor_per_hour)

    def _bundle(
        self,
        setup: Setup,
        sku: str,
        parts: Sequence[Component],
        inputs: _Inputs,
        numbers: Mapping[str, Mapping[str, int]],
    ) -> dict[str, BundleAdvertised]:
        result: dict[str, BundleAdvertised] = {}
        for channel in setup.channels:
            pool = sum(
                bundles_at(
                    parts,
                    {c.sku: inputs.available.get(c.sku, {}).get(loc.code, 0) for c in parts},
                )
                for loc in setup.locations
                if channel.code in loc.serves
            )
            made = {c.sku: numbers.get(c.sku, {}).get(channel.code, 0) for c in parts}
            rules = self._rules(setup, channel, inputs.overrides.get((sku, channel.code)))
            result[channel.code] = bundle_number(channel.code, parts, made, pool, rules)
        return result

    def _queue(
        self,
        uow: UnitOfWork,
        before: Mapping[str, Mapping[str, int]],
        numbers: Mapping[str, Mapping[str, int]],
        at: datetime,
    ) -> None:
        """Queue every listing whose channel's number for its SKU changed."""
        entries = []
        for listed in uow.listings.of_skus(before):
            listing = listed.listing
            now = numbers[listing.sku].get(listing.channel)
            if now is not None and before[listing.sku].get(listing.channel) != now:
                entries.append((listing.channel, listing.channel_sku, listing.sku, now))
        uow.availability.queue(entries, at)

    def queue_listings(self, uow: UnitOfWork, listings: Sequence[Listing]) -> None:
        """Queue a push of each listing's number (a new or re-mapped listing must be told,
        whether or not its SKU's numbers just changed)."""
        if not listings:
            return
        setup = self.setup(uow, fresh=True)
        at = self._clock()
        codes = sorted({x.sku for x in listings})
        self._recompute(uow, setup, codes, at)
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
        decider: _Decider | None = None
        bundles: list[str] = []
        while True:
            with self._uow() as uow:
                codes = uow.availability.sku_codes(after=after, limit=chunk)
                if not codes:
                    break
                setup = self.setup(uow)
                if decider is None or decider.setup is not setup:
                    decider = _Decider(self, setup, at)
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
        self, uow: UnitOfWork, setup: Setup, decider: _Decider, codes: Sequence[str], at: datetime
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
            _, _, inputs = self._load(uow, setup, [sku])
            stored, computed_at = uow.availability.stored(sku)
            listed = uow.listings.of_skus([sku])
            parts = inputs.components.get(sku)
            decision: Decision | None = None
            bundled: dict[str, BundleAdvertised] = {}
            if parts:
                numbers = self._numbers(setup, [c.sku for c in parts], inputs, at)
                bundled = self._bundle(setup, sku, parts, inputs, numbers)
            else:
                decision = self._decide(setup, sku, inputs, at)
        explained = []
        for ch in setup.channels:
            if channel is not None and ch.code != channel:
                continue
            demand = self._demand(inputs.rates.get(sku, {}).get(ch.code), at)
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
                    rules=self._rules(setup, ch, inputs.overrides.get((sku, ch.code))),
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


_NO_POLICY = Policy()


class _Decider:
    """Decides many SKUs' numbers under one setup at one moment, each distinct set of inputs
    once: most SKUs of a catalog share theirs (no sales yet - the demand floor - and the same
    few stock levels). The same decision as _facts + decide, through domain.advertise."""

    def __init__(self, service: AvailabilityService, setup: Setup, at: datetime) -> None:
        self.setup = setup
        self._service = service
        self._at = at
        self._percent = service.settings.holdback_percent
        self.stale_channels = setup.stale_channels()
        self.locations = tuple(loc.code for loc in setup.locations)
        self.no_stock = (0,) * len(self.locations)
        self._groups = tuple(setup.group_of[code] for code in self.locations)
        self._stale = tuple(loc.stale(at) and self._percent > 0 for loc in setup.locations)
        self._codes = tuple(c.code for c in setup.channels)
        self._memo: dict[tuple[object, ...], tuple[dict[str, int], str]] = {}
        self._facts_memo: dict[tuple[object, ...], tuple[ChannelFacts, ...]] = {}

    def decide(self, sku: str, inputs: _Inputs) -> dict[str, int]:
        stock = inputs.available.get(sku, {})
        return self.numbers(
            tuple(stock.get(code, 0) for code in self.locations),
            inputs.rates.get(sku),
            self.per_channel(inputs.overrides, sku) if inputs.overrides else None,
            self.exposed(inputs.exposures, sku) if self.stale_channels else None,
        )[0]

    def text(
        self,
        stock: tuple[int, ...],
        rates: Mapping[str, Rate] | None,
        overrides: tuple[Policy | None, ...] | None,
        exposures: tuple[int, ...] | None,
    ) -> str:
        """The SKU's numbers as stored (see repositories.availability.encode)."""
        return self.numbers(stock, rates, overrides, exposures)[1]

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
    ) -> tuple[dict[str, int], str]:
        """stock: available per location of the setup, in order."""
        demand: tuple[float, ...] | None = None
        if rates:
            demand = tuple(
                self._service._demand(rates.get(code), self._at).units_per_hour
                for code in self._codes
            )
        key = (stock, demand, overrides, exposures)
        found = self._memo.get(key)
        if found is None:
            facts = self._facts(demand, overrides, exposures)
            numbers = advertise(self._grouped(stock), facts)
            found = (numbers, encode(numbers))
            self._memo[key] = found
        return found

    def _grouped(self, stock: tuple[int, ...]) -> dict[frozenset[str], int]:
        units = [0] * len(self.setup.groups)
        for available, group, stale in zip(stock, self._groups, self._stale, strict=True):
            units[group] += available - holdback(available, self._percent) if stale else available
        return dict(zip(self.setup.groups, units, strict=True))

    def _facts(
        self,
        demand: tuple[float, ...] | None,
        overrides: tuple[Policy | None, ...] | None,
        exposures: tuple[int, ...] | None,
    ) -> tuple[ChannelFacts, ...]:
        key = (demand, overrides, exposures)
        found = self._facts_memo.get(key)
        if found is None:
            floor = self._service._demand(None, self._at).units_per_hour
            setup, service = self.setup, self._service
            found = tuple(
                ChannelFacts(
                    channel.code,
                    service._rules(setup, channel, overrides[n] if overrides else None),
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


@lru_cache(maxsize=4096)
def _resolved(policy: Policy, cost: int) -> Rules:
    return resolve(policy, cost)
