"""What a transaction changed that the advertised numbers depend on: noted by the use cases as
they go, and followed once, in the same transaction, by UnitOfWork.follow_changes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from stockpool.domain.movements import Movement
from stockpool.domain.states import State

Sale = tuple[str, str, int, datetime]  # sku, channel, units, at


@dataclass(slots=True)
class Changes:
    skus: set[str] = field(default_factory=set)  # available stock of these changed
    sales: list[Sale] = field(default_factory=list)  # demand, as ordered
    everything: bool = False  # a change that can move every SKU's numbers (a channel, a location)
    config: bool = False  # something availability caches per process changed

    def __bool__(self) -> bool:
        return bool(self.skus or self.sales or self.everything or self.config)

    def moved(self, movements: Iterable[Movement]) -> None:
        """Movements were written: the SKUs whose available stock moved follow."""
        for m in movements:
            if m.from_state is State.AVAILABLE or m.to_state is State.AVAILABLE:
                self.skus.add(m.sku)

    def sold(self, sku: str, channel: str, units: int, at: datetime) -> None:
        self.sales.append((sku, channel, units, at))
        self.skus.add(sku)

    def clear(self) -> None:
        self.skus.clear()
        self.sales.clear()
        self.everything = False
        self.config = False
