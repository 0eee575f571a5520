"""A scenario: the channels, the catalog, the shoppers and the warehouse the lab simulates,
read from YAML and validated, with errors that name the bad field. Scenarios shipped with
stockpool live beside this module (scenarios/*.yaml) and are found by name."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, Self

import yaml  # type: ignore[import-untyped]
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from stockpool.domain.channels import Platform

# The sync lag each platform typically shows (Settings' lag_*_seconds defaults): the median of a
# channel's delay when its scenario sets none.
TYPICAL_DELAY_SECONDS: dict[Platform, float] = {
    Platform.SHOPIFY: 10,
    Platform.AMAZON: 900,
    Platform.WALMART: 1800,
    Platform.MANUAL: 0,
}


class LabError(Exception):
    """A scenario or policy file the lab cannot use; message says which field and why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Window(_Spec):
    """From start_hours to end_hours of the run."""

    start_hours: float = Field(ge=0)
    end_hours: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end_hours <= self.start_hours:
            raise ValueError("end_hours must be after start_hours")
        return self

    def holds(self, hours: float) -> bool:
        return self.start_hours <= hours < self.end_hours


class ChannelSpec(_Spec):
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    platform: Platform
    demand_share: float = Field(gt=0, description="This channel's part of each SKU's demand.")
    delay_median_seconds: float | None = Field(default=None, ge=0)
    delay_sigma: float = Field(default=0.5, ge=0, le=3, description="lognormal sigma")
    outages: tuple[Window, ...] = ()  # no update lands meanwhile (a stuck feed, an outage)

    def median_delay(self) -> float:
        if self.delay_median_seconds is not None:
            return self.delay_median_seconds
        return TYPICAL_DELAY_SECONDS[self.platform]


class LocationSpec(_Spec):
    code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
    channels: tuple[str, ...] = ()  # the channels it serves; empty: all
    stock_share: float = Field(default=1.0, gt=0)


class Promotion(_Spec):
    """Demand times multiplier during the window, on the first skus SKUs (all if unset) and
    the channels named (all if unset)."""

    window: Window
    multiplier: float = Field(gt=0, le=1000)
    skus: int | None = Field(default=None, ge=1)
    channels: tuple[str, ...] = ()


class Cycles(_Spec):
    """Demand swings by hour of day and day of week: 1 + amplitude x cos(distance from peak)."""

    daily_amplitude: float = Field(default=0, ge=0, le=1)
    daily_peak_hour: float = Field(default=20, ge=0, lt=24)
    weekly_amplitude: float = Field(default=0, ge=0, le=1)
    weekly_peak_day: float = Field(default=5, ge=0, lt=7)  # 0: Monday


class Catalog(_Spec):
    skus: int = Field(ge=1, le=100_000)
    demand_per_day: float = Field(gt=0, description="the median SKU's units a day, all channels")
    demand_spread: float = Field(default=0, ge=0, le=3, description="lognormal sigma over SKUs")
    stock: int | None = Field(default=None, ge=0, description="units of each SKU at the start")
    stock_days: float | None = Field(default=None, gt=0, description="or days of its demand")
    quantity_weights: tuple[float, ...] = Field(default=(1.0,), min_length=1, max_length=20)

    @model_validator(mode="after")
    def _stock(self) -> Self:
        if (self.stock is None) == (self.stock_days is None):
            raise ValueError("set exactly one of stock and stock_days")
        if any(w < 0 for w in self.quantity_weights) or sum(self.quantity_weights) <= 0:
            raise ValueError("quantity_weights are 0 or more, some above 0")
        return self


class Returns(_Spec):
    rate: float = Field(ge=0, le=1, description="share of shipped orders sent back")
    delay_hours: float = Field(gt=0, description="mean time from shipping to the return landing")
    inspection_hours: float = Field(ge=0)
    restock_rate: float = Field(ge=0, le=1, description="share inspected back to available")


class Shrinkage(_Spec):
    """Units lost unseen (theft, misplacement): the ledger is wrong until a count finds them."""

    units_per_sku_per_day: float = Field(gt=0)
    count_every_hours: float = Field(gt=0)


class Replenishment(_Spec):
    reorder_days: float = Field(gt=0, description="reorder when cover falls to this many days")
    order_days: float = Field(gt=0, description="order this many days of demand")
    lead_time_hours: float = Field(ge=0)


class Scenario(_Spec):
    name: str
    description: str = ""
    hours: float = Field(gt=0, le=24 * 366)
    channels: tuple[ChannelSpec, ...] = Field(min_length=1, max_length=20)
    locations: tuple[LocationSpec, ...] = (LocationSpec(code="WH-1"),)
    catalog: Catalog
    cycles: Cycles = Cycles()
    promotions: tuple[Promotion, ...] = ()
    returns: Returns | None = None
    shrinkage: Shrinkage | None = None
    replenishment: Replenishment | None = None
    handling_hours: float = Field(default=24, ge=0, description="from accepted to shipped")
    fixed_buffer: int = Field(default=2, ge=0, description="the fixed-buffer strategy's units")

    @model_validator(mode="after")
    def _known_channels(self) -> Self:
        codes = [c.code for c in self.channels]
        if len(set(codes)) != len(codes):
            raise ValueError("channel codes must differ")
        named = [c for loc in self.locations for c in loc.channels]
        named += [c for promo in self.promotions for c in promo.channels]
        unknown = sorted(set(named) - set(codes))
        if unknown:
            raise ValueError(f"unknown channel(s) {', '.join(unknown)}; channels are {codes}")
        return self

    def channel_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.channels)


def shipped_scenarios() -> tuple[str, ...]:
    """The names of the scenarios stockpool ships."""
    folder = resources.files("stockpool.sim").joinpath("scenarios")
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml")))


def load_scenario(name_or_file: str) -> Scenario:
    """A shipped scenario by name, or a YAML file."""
    if name_or_file in shipped_scenarios():
        source = resources.files("stockpool.sim").joinpath("scenarios", f"{name_or_file}.yaml")
        return parse_scenario(source.read_text(encoding="utf-8"), name_or_file)
    path = Path(name_or_file)
    if not path.is_file():
        raise LabError(
            f"no scenario {name_or_file!r}: not a file, nor one of the shipped scenarios "
            f"({', '.join(shipped_scenarios())})."
        )
    return parse_scenario(path.read_text(encoding="utf-8"), str(path))


def parse_scenario(text: str, source: str) -> Scenario:
    """A scenario from YAML text; source names it in errors."""
    return _valid(read_yaml(text, source), source)


def read_yaml(text: str, source: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise LabError(f"{source}: not valid YAML: {error}") from None


def _valid(data: Any, source: str) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        raise LabError(f"{source}: {field_errors(error)}") from None


def field_errors(error: ValidationError) -> str:
    """Each error as field.path: message, one per line after the first."""
    return "; ".join(
        f"{'.'.join(str(part) for part in e['loc']) or '(top)'}: {e['msg']}" for e in error.errors()
    )
