"""SKUs and locations: what is stocked, and where, and which channels each place serves."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from stockpool.domain.errors import InvalidRequest
from stockpool.domain.text import clean_text

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:+#-]*$"
CHANNEL_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
_CODE = re.compile(CODE_PATTERN)
_CHANNEL = re.compile(CHANNEL_PATTERN)

SKU_MAX = 100
LOCATION_MAX = 64
CHANNEL_MAX = 32
NAME_MAX = 200
BARCODE_MAX = 64
REGION_MAX = 32
UNIT_COST_PLACES = 4
UNIT_COST_MAX = Decimal("1000000000")  # exclusive; the column holds 10 digits before the point
_UNIT_COST_STEP = Decimal(1).scaleb(-UNIT_COST_PLACES)


class LocationKind(StrEnum):
    WAREHOUSE = "warehouse"
    THIRD_PARTY = "3pl"
    STORE = "store"
    MARKETPLACE_FULFILLED = "marketplace_fulfilled"


def sku_code(value: str) -> str:
    """A seller's SKU: letters, digits and . _ : + # -, starting with a letter or digit."""
    return _code(value, "sku", SKU_MAX)


def location_code(value: str) -> str:
    """A location code such as DAL-1 or FBA-US."""
    return _code(value, "location", LOCATION_MAX)


def channel_code(value: str) -> str:
    """A channel code such as shopify, amazon-us or walmart."""
    if not (1 <= len(value) <= CHANNEL_MAX) or not _CHANNEL.match(value):
        raise InvalidRequest(
            f"channel codes are 1-{CHANNEL_MAX} lower-case letters, digits, _ or -, "
            f"starting with a letter or digit (got {value!r})."
        )
    return value


def _code(value: str, field_name: str, limit: int) -> str:
    if not (1 <= len(value) <= limit) or not _CODE.match(value):
        raise InvalidRequest(
            f"{field_name} must be 1-{limit} characters of letters, digits and . _ : + # -, "
            f"starting with a letter or digit (got {value!r})."
        )
    return value


def _name(value: str) -> str:
    return clean_text(value, "name", NAME_MAX)


COMPONENTS_MAX = 50
UNITS_MAX = 10_000


@dataclass(frozen=True, slots=True)
class Component:
    sku: str
    units: int  # of the component in one bundle

    def __post_init__(self) -> None:
        sku_code(self.sku)
        if isinstance(self.units, bool) or not 1 <= self.units <= UNITS_MAX:
            raise InvalidRequest(
                f"units of component {self.sku} must be a whole number from 1 to {UNITS_MAX} "
                f"(got {self.units})."
            )


def check_components(bundle: str, components: Sequence[Component]) -> tuple[Component, ...]:
    """A bundle's components as stored: each SKU once, never the bundle itself."""
    if len(components) > COMPONENTS_MAX:
        raise InvalidRequest(
            f"a bundle has at most {COMPONENTS_MAX} components (got {len(components)})."
        )
    seen: set[str] = set()
    for component in components:
        if component.sku == bundle:
            raise InvalidRequest(f"bundle {bundle} cannot be a component of itself.")
        if component.sku in seen:
            raise InvalidRequest(
                f"component {component.sku} is listed twice; give it once, with its units."
            )
        seen.add(component.sku)
    return tuple(sorted(components, key=lambda c: c.sku))


@dataclass(frozen=True, slots=True)
class Sku:
    """A SKU; with components it is a bundle, sold as one and made of them. restock_on_receipt:
    its returns skip the QC queue (inspected as restock when received). unit_cost: what a unit
    is worth to the seller, for the value of a count's variance; None: not priced."""

    code: str
    name: str = ""
    barcode: str | None = None
    components: tuple[Component, ...] = ()
    restock_on_receipt: bool = False
    unit_cost: Decimal | None = None

    def __post_init__(self) -> None:
        sku_code(self.code)
        if not isinstance(self.restock_on_receipt, bool):
            raise InvalidRequest(
                f"restock_on_receipt must be true or false (got {self.restock_on_receipt!r})."
            )
        if self.unit_cost is not None:
            object.__setattr__(self, "unit_cost", unit_cost(self.unit_cost))
        object.__setattr__(self, "components", check_components(self.code, self.components))
        object.__setattr__(self, "name", _name(self.name))
        if self.barcode is not None:  # blank means none
            object.__setattr__(
                self, "barcode", clean_text(self.barcode, "barcode", BARCODE_MAX) or None
            )


def unit_cost(value: Decimal | int | str) -> Decimal:
    """A unit cost: from 0 up to (not including) a billion, with at most 4 decimals; kept with
    exactly 4, as the store holds it, so what is written reads back equal."""
    try:
        cost = value if isinstance(value, Decimal) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        cost = Decimal("NaN")
    if isinstance(value, bool | float) or not cost.is_finite():
        raise InvalidRequest(f'unit_cost must be a decimal number such as "12.50" (got {value!r}).')
    if not 0 <= cost < UNIT_COST_MAX:
        raise InvalidRequest(
            f"unit_cost must be from 0 to less than {UNIT_COST_MAX:,} (got {cost})."
        )
    if cost != cost.quantize(_UNIT_COST_STEP):
        raise InvalidRequest(
            f"unit_cost has at most {UNIT_COST_PLACES} decimals (got {cost}); round it."
        )
    return cost.quantize(_UNIT_COST_STEP) + 0  # + 0: -0.0000 becomes 0.0000


@dataclass(frozen=True, slots=True)
class Location:
    """A place that holds stock. channels lists the channel codes it serves; empty means all."""

    code: str
    kind: LocationKind
    name: str = ""
    channels: frozenset[str] = field(default_factory=frozenset)
    priority: int = 100
    region: str | None = None
    # A 3PL or marketplace reporting stock snapshots (counts): how old the last may get before
    # its stock is only partly counted as available. None: it reports none.
    snapshot_max_age_seconds: int | None = None

    def __post_init__(self) -> None:
        location_code(self.code)
        age = self.snapshot_max_age_seconds
        if age is not None and (isinstance(age, bool) or not 60 <= age <= 366 * 86400):
            raise InvalidRequest(
                "snapshot_max_age_seconds must be a whole number of seconds from 60 to a year "
                f"(got {age!r})."
            )
        object.__setattr__(self, "name", _name(self.name))
        for channel in self.channels:
            channel_code(channel)
        if isinstance(self.priority, bool) or not 0 <= self.priority <= 10_000:
            raise InvalidRequest(
                f"priority must be a whole number from 0 to 10000, lower first (got {self.priority})."
            )
        if self.region is not None:  # blank means none
            object.__setattr__(
                self, "region", clean_text(self.region, "region", REGION_MAX) or None
            )

    def serves(self, channel: str) -> bool:
        """Whether stock here may be promised to channel."""
        return not self.channels or channel in self.channels


def parse_kind(value: str) -> LocationKind:
    try:
        return LocationKind(value)
    except ValueError:
        names = ", ".join(k.value for k in LocationKind)
        raise InvalidRequest(f"kind must be one of {names} (got {value!r}).") from None
