"""A SKU's demand forecast: pace per channel, days of cover, stockout date against its lots."""

from __future__ import annotations

from fastapi import APIRouter

from stockpool.entrypoints.api.deps import ContainerDep, Viewer
from stockpool.entrypoints.api.routes.availability import SkuPath
from stockpool.entrypoints.api.schemas.alerts import (
    ChannelPacePublic,
    ForecastPublic,
    LotPublic,
)

router = APIRouter(tags=["alerts"])


@router.get("/skus/{sku}/forecast", response_model=ForecastPublic)
def sku_forecast(sku: SkuPath, key: Viewer, container: ContainerDep) -> ForecastPublic:
    """How fast the SKU sells on each channel (the kept rates and a faster-moving one), how
    many days its available units last, and when it runs out, counting the incoming lots that
    land before then."""
    found = container.alerting.forecast.of_sku(sku)
    ahead = found.forecast
    return ForecastPublic(
        sku=found.sku,
        as_of=found.as_of,
        half_life_hours=found.half_life_hours,
        fast_half_life_hours=found.fast_half_life_hours,
        channels=[
            ChannelPacePublic(
                channel=p.channel,
                units_per_day=p.units_per_day,
                fast_units_per_day=p.fast_units_per_day,
            )
            for p in found.channels
        ],
        sellable=ahead.sellable,
        units_per_day=ahead.units_per_day,
        fast_units_per_day=found.fast_units_per_day,
        days_of_cover=ahead.days_of_cover,
        fast_days_of_cover=found.fast_days_of_cover,
        stockout_at=ahead.stockout_at,
        stockout_without_lots_at=ahead.stockout_without_lots_at,
        lots=[LotPublic(units=lot.units, eta=lot.eta) for lot in found.lots],
        lots_in_time=ahead.lots_in_time,
        lots_late=ahead.lots_late,
    )
