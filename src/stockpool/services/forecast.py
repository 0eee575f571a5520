"""A SKU's demand forecast: its pace per channel (the kept rates, and a faster one worked out
from the recent sales), days of cover, and when it runs out counting the lots due in time."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from stockpool.domain.demand import decayed
from stockpool.domain.errors import UnknownSku
from stockpool.domain.forecast import Forecast, Lot, forecast, recent_rate, velocity
from stockpool.services.ports import Clock, UnitOfWorkFactory

# Sales older than this many fast half-lives weigh under 1/64 of a fresh one: not read.
FAST_WINDOW = 6


@dataclass(frozen=True, slots=True)
class ChannelPace:
    channel: str
    units_per_day: float  # the kept rate (STOCKPOOL_DEMAND_HALF_LIFE_HOURS), decayed to now
    fast_units_per_day: float  # the same from the recent sales, with the fast half-life


@dataclass(frozen=True, slots=True)
class SkuForecast:
    sku: str
    as_of: datetime
    half_life_hours: float
    fast_half_life_hours: float
    channels: tuple[ChannelPace, ...]
    fast_units_per_day: float
    fast_days_of_cover: float | None
    lots: tuple[Lot, ...]
    forecast: Forecast


class ForecastService:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, half_life_hours: float, fast_hours: float
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._half_life = half_life_hours
        self._fast = fast_hours

    def of_sku(self, sku: str) -> SkuForecast:
        now = self._clock()
        since = now - timedelta(hours=self._fast * FAST_WINDOW)
        with self._uow(write=False) as uow:
            if uow.catalog.get_sku(sku) is None:
                raise UnknownSku(sku)
            facts = uow.sku_facts
            rates, available = facts.rates_of(sku), facts.available_of(sku)
            lots, sales = facts.lots_of(sku), facts.sales_of(sku, since)
        by_channel: dict[str, list[tuple[int, datetime]]] = defaultdict(list)
        for channel, units, placed_at in sales:
            by_channel[channel].append((units, placed_at))
        paces = tuple(
            ChannelPace(
                code,
                decayed(rates[code], now, self._half_life) * 24 if code in rates else 0.0,
                recent_rate(by_channel.get(code, ()), now, self._fast) * 24,
            )
            for code in sorted(set(rates) | set(by_channel))
        )
        per_day = velocity({p.channel: p.units_per_day / 24 for p in paces})
        fast = sum(p.fast_units_per_day for p in paces)
        return SkuForecast(
            sku=sku,
            as_of=now,
            half_life_hours=self._half_life,
            fast_half_life_hours=self._fast,
            channels=paces,
            fast_units_per_day=fast,
            fast_days_of_cover=max(available, 0) / fast if fast > 0 else None,
            lots=tuple(lots),
            forecast=forecast(available, per_day, lots, now),
        )
