"""What the availability decision knows of one channel for a SKU: its rules, its demand, how
late it hears of a change, and (its sync stale) the number it still shows."""

from __future__ import annotations

import math
from dataclasses import dataclass

from stockpool.domain.policies import Rules


@dataclass(frozen=True, slots=True)
class ChannelFacts:
    """What the decision knows of one channel for this SKU."""

    channel: str
    rules: Rules
    demand: float  # units per hour it sells of this SKU (floor applied)
    lag: float  # seconds before a number pushed to it shows there
    exposure: int | None = None  # its sync is stale: the number it still shows

    def __post_init__(self) -> None:
        for name in ("demand", "lag"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number of 0 or more (got {value!r})")
        if self.exposure is not None and self.exposure < 0:
            raise ValueError("exposure must be 0 or more")
