"""Availability: every change that can move a channel's number recomputes the SKUs it touched,
in the transaction that made it, and queues the numbers that changed for the sync outbox.

The use cases, each handing the work to the module that does it: following a transaction's
changes (availability_recompute), the full recompute by range (availability_ranges), judging
sync health (availability_health) and explaining a number (availability_explain). The inputs
come from the store (availability_inputs), the domain decides (domain.availability, through
availability_decider). Configuration (channels, policies, lags, locations, health) is cached per
process and reloaded when the revision the database holds moves on (availability_setup).
"""

from __future__ import annotations

from collections.abc import Sequence

from stockpool.domain.advertised import decode
from stockpool.domain.errors import UnknownChannel
from stockpool.domain.listings import Listing
from stockpool.domain.sync_health import Health
from stockpool.services import availability_health
from stockpool.services.availability_explain import SkuAvailability, explain
from stockpool.services.availability_ranges import CHUNK, recompute_all, recompute_all_in
from stockpool.services.availability_recompute import Recomputed, recompute
from stockpool.services.availability_setup import AvailabilitySettings, Lag, SetupCache
from stockpool.services.ports import Clock, Progress, UnitOfWork, UnitOfWorkFactory


class AvailabilityService:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, settings: AvailabilitySettings
    ) -> None:
        self._uow = uow
        self._clock = clock
        self.settings = settings
        self._setups = SetupCache(settings)

    # Following changes, in the transaction that made them

    def follow(self, uow: UnitOfWork) -> None:
        """Bring the numbers of everything this transaction changed up to date, and queue them
        in the outbox (UnitOfWork.follow_changes calls this, before the use case commits)."""
        changes = uow.changes
        if changes.config:
            uow.availability.bump_revision()
        at = self._clock()
        setups = self._setups
        if changes.everything:
            setup = setups.current(uow, fresh=changes.config)
            if changes.sales or changes.listed_sales:
                sold = {sku for sku, _, _, _ in changes.sales}
                sold |= {sku for _, sku, _, _, _ in changes.listed_sales}
                recompute(
                    uow,
                    setups,
                    setup,
                    sorted(sold),
                    at,
                    sales=changes.sales,
                    listed_sales=changes.listed_sales,
                )
            recompute_all_in(uow, setups, setup, at)
        elif changes.skus:
            # The cached setup, checked against the revision the first statement reads.
            cached = setups.cached
            if changes.config or cached is None:
                cached = setups.current(uow, fresh=changes.config)
            recompute(
                uow,
                setups,
                cached,
                sorted(changes.skus),
                at,
                sales=changes.sales,
                listed_sales=changes.listed_sales,
            )

    def queue_listings(self, uow: UnitOfWork, listings: Sequence[Listing]) -> None:
        """Queue a push of each listing's number (a new or re-mapped listing must be told,
        whether or not its SKU's numbers just changed) - once each."""
        if not listings:
            return
        setup = self._setups.current(uow, fresh=True)
        at = self._clock()
        codes = sorted({x.sku for x in listings})
        told = frozenset((x.channel, x.channel_sku) for x in listings)
        recompute(uow, self._setups, setup, codes, at, except_for=told)
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
        at = self._clock()
        return recompute_all(self._uow, self._setups, at, progress=progress, chunk=chunk)

    def count_skus(self) -> int:
        with self._uow(write=False) as uow:
            return uow.catalog.count_skus()

    # Health

    def judge_health(self) -> dict[str, Health]:
        """Judge every channel's sync health now and record it; a change of status changes
        the configuration (its rivals' buffers), so the caller recomputes."""
        with self._uow() as uow:
            judged = availability_health.judge(uow, self._clock(), self.settings)
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
            return explain(uow, self._setups, self._clock, sku, channel)

    def lag(self, channel: str) -> Lag:
        """The lag the channel's numbers are decided with: measured, or its platform's default."""
        with self._uow(write=False) as uow:
            setup = self._setups.current(uow)
        if channel not in setup.lags:
            raise UnknownChannel(channel)
        return setup.lags[channel]

    def stored(self, sku: str) -> dict[str, int]:
        with self._uow(write=False) as uow:
            return uow.availability.stored(sku)[0]
