"""Stock on its way: lots due at a location, and the short order lines promised them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Lot:
    """Units of a SKU expected at a location, by eta (None: no date given)."""

    id: int
    location: str
    units: int
    eta: datetime | None
    reference: str | None
    promised: int  # units short lines are waiting for


@dataclass(frozen=True, slots=True)
class Promise:
    """A short order line waiting for a lot."""

    order_id: int
    line_no: int
    units: int  # promised, and still short on the line
