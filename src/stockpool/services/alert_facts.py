"""Gathering what alerts are decided from, in one transaction: each fact one set-based read
(never a query per SKU), then the forecasts and sync verdicts worked out from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from stockpool.domain.alerts import ChannelSync, Facts, SkuOutlook, Thresholds
from stockpool.domain.demand import Rate, decayed
from stockpool.domain.forecast import Lot, forecast, velocity
from stockpool.domain.sync_health import health
from stockpool.services.availability_setup import SetupCache
from stockpool.services.oversell_risk import risks
from stockpool.services.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class AlertSettings:
    thresholds: Thresholds
    half_life_hours: float  # the demand rates' (STOCKPOOL_DEMAND_HALF_LIFE_HOURS)
    stale_after: timedelta
    feed_stuck_after: timedelta


def gather(uow: UnitOfWork, settings: AlertSettings, setups: SetupCache, now: datetime) -> Facts:
    limits = settings.thresholds
    facts = uow.alert_facts
    selling = facts.selling()
    return Facts(
        outlooks=outlooks(
            selling,
            facts.available_of_selling(),
            facts.lots_of_selling(),
            settings.half_life_hours,
            now,
        ),
        channels=[
            ChannelSync(
                code,
                row.state,
                health(
                    row.state,
                    now,
                    stale_after=settings.stale_after,
                    feed_stuck_after=settings.feed_stuck_after,
                ),
            )
            for code, row in sorted(uow.sync.channels().items())
        ],
        snapshots=facts.snapshot_ages(),
        returns=facts.overdue_returns(now - limits.returns_overdue),
        conflicts=facts.waiting_conflicts(now - limits.conflicts_waiting),
        risks=risks(uow, setups, sorted(selling), limits.oversell_risk, now),
    )


def outlooks(
    rates: dict[str, dict[str, Rate]],
    available: dict[str, int],
    lots: dict[str, list[Lot]],
    half_life_hours: float,
    now: datetime,
) -> list[SkuOutlook]:
    """Each selling SKU's forecast: its rates decayed to now, its available units, its lots."""
    found: list[SkuOutlook] = []
    for sku in sorted(rates):
        per_hour = {ch: decayed(rate, now, half_life_hours) for ch, rate in rates[sku].items()}
        ahead = forecast(available.get(sku, 0), velocity(per_hour), lots.get(sku, ()), now)
        found.append(SkuOutlook(sku, ahead))
    return found
