"""What a transaction changed that the advertised numbers depend on, collected as it goes and
acted on once, just before it commits (see UnitOfWork.commit)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(slots=True)
class Changes:
    skus: set[str] = field(default_factory=set)  # available stock of these changed
    sales: list[tuple[str, str, int, datetime]] = field(
        default_factory=list
    )  # sku, channel, units, at
    everything: bool = False  # a change that can move every SKU's numbers (a channel, a location)
    config: bool = False  # something availability caches per process changed

    def __bool__(self) -> bool:
        return bool(self.skus or self.sales or self.everything or self.config)

    def sold(self, sku: str, channel: str, units: int, at: datetime) -> None:
        self.sales.append((sku, channel, units, at))
        self.skus.add(sku)

    def clear(self) -> None:
        self.skus.clear()
        self.sales.clear()
        self.everything = False
        self.config = False
