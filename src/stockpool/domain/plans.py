"""What every stock command plans: the movements it means, and the references it carries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from stockpool.domain.catalog import location_code, sku_code
from stockpool.domain.movements import (
    Movement,
)
from stockpool.domain.text import clean_text

REFERENCE_MAX = 200


def reference_text(value: str | None) -> str | None:
    """A document reference (PO, RMA, count sheet); blank means none."""
    if value is None:
        return None
    return clean_text(value, "reference", REFERENCE_MAX) or None


@dataclass(frozen=True, slots=True)
class CountResult:
    sku: str
    expected: int
    counted: int

    @property
    def variance(self) -> int:
        return self.counted - self.expected


@dataclass(frozen=True, slots=True)
class Plan:
    """The movements a command means, plus per-SKU count results for a cycle count, and when
    the units it makes incoming are expected to land (None: not known)."""

    movements: tuple[Movement, ...]
    counts: tuple[CountResult, ...] = ()
    eta: datetime | None = None


def check_place(sku: str, location: str) -> None:
    sku_code(sku)
    location_code(location)
