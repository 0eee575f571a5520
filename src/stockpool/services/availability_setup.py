"""What availability reads as configuration - channels, their policies, lags and health, the
locations and the channels each serves - as of one revision of the database. Processes keep one
and load a new one when the revision moves on (SetupCache)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Literal

from stockpool.domain.channels import Channel, Platform
from stockpool.domain.demand import Rate, Used, decayed, used
from stockpool.domain.policies import Policy, Rules, resolve
from stockpool.services.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class AvailabilitySettings:
    """What Settings says about availability (bootstrap.availability_settings; the defaults live
    in Settings alone)."""

    demand_half_life_hours: float
    demand_floor_per_hour: float
    default_lags: Mapping[Platform, float]
    holdback_percent: int
    stale_after: timedelta
    feed_stuck_after: timedelta

    def demand(self, rate: Rate | None, at: datetime) -> Used:
        """The demand a decision uses: the rate decayed to at, no less than the floor."""
        measured = 0.0 if rate is None else decayed(rate, at, self.demand_half_life_hours)
        return used(measured, self.demand_floor_per_hour)


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

    def rules(self, channel: Channel, override: Policy | None) -> Rules:
        """The channel's policy, with a SKU's override over it, every default filled in."""
        policy = self.policies.get(channel.code, _NO_POLICY)
        if override is not None:
            policy = override.over(policy)
        return _resolved(policy, channel.cost)


class SetupCache:
    """The setup a process decides with: kept while the revision the database holds is its
    own, loaded again when the revision moves on."""

    def __init__(self, settings: AvailabilitySettings) -> None:
        self.settings = settings
        self.cached: Setup | None = None
        self._lock = threading.Lock()

    def current(self, uow: UnitOfWork, *, fresh: bool = False) -> Setup:
        """The configuration as of this transaction: the cached one while the revision holds.
        fresh: this transaction changed it (never cached: it may yet roll back)."""
        revision = uow.availability.revision()
        cached = self.cached
        if not fresh and cached is not None and cached.revision == revision:
            return cached
        loaded = load_setup(uow, revision, self.settings)
        if not fresh:
            with self._lock:
                self.cached = loaded
        return loaded


def load_setup(uow: UnitOfWork, revision: int, settings: AvailabilitySettings) -> Setup:
    """The configuration as this transaction sees it."""
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
            lags[channel.code] = Lag(settings.default_lags[channel.platform], "default", 0)
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
    groups = tuple(sorted({loc.serves for loc in serving}, key=sorted))
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


_NO_POLICY = Policy()


@lru_cache(maxsize=4096)
def _resolved(policy: Policy, cost: int) -> Rules:
    return resolve(policy, cost)
