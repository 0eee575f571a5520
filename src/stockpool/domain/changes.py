"""What a transaction changed that the advertised numbers depend on: noted by the use cases as
they go, and followed once, in the same transaction, by UnitOfWork.follow_changes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from stockpool.domain.movements import Movement
from stockpool.domain.states import State

Sale = tuple[str, str, int, datetime]  # sku, channel, units, at
# channel, the SKU as ordered (a bundle itself), the channel SKU ordered from (None: the order
# named our SKU), units, placed at: what the platform took off the number it shows on its own
ListedSale = tuple[str, str, str | None, int, datetime]
# A ListedSale as the store lowers it: a push the platform accepted by the time the buyer ordered
# had the sale taken off it; one accepted later undid the platform's own decrement
SoldFrom = ListedSale


@dataclass(slots=True)
class Changes:
    skus: set[str] = field(default_factory=set)  # available stock of these changed
    sales: list[Sale] = field(default_factory=list)  # demand, as ordered
    listed_sales: list[ListedSale] = field(default_factory=list)  # as the platforms lowered them
    everything: bool = False  # a change that can move every SKU's numbers (a channel, a location)
    config: bool = False  # something availability caches per process changed

    def __bool__(self) -> bool:
        return bool(self.skus or self.sales or self.listed_sales or self.everything or self.config)

    def moved(self, movements: Iterable[Movement]) -> None:
        """Movements were written: the SKUs whose available stock moved follow."""
        for m in movements:
            if m.from_state is State.AVAILABLE or m.to_state is State.AVAILABLE:
                self.skus.add(m.sku)

    def sold(self, sku: str, channel: str, units: int, at: datetime) -> None:
        self.sales.append((sku, channel, units, at))
        self.skus.add(sku)

    def sold_listed(
        self, channel: str, sku: str, channel_sku: str | None, units: int, at: datetime
    ) -> None:
        """A buyer ordered units of sku (as listed: a bundle, not its components) on channel
        at `at`: its platform lowered the number it shows by as many, on its own."""
        self.listed_sales.append((channel, sku, channel_sku, units, at))
        self.skus.add(sku)

    def clear(self) -> None:
        self.skus.clear()
        self.sales.clear()
        self.listed_sales.clear()
        self.everything = False
        self.config = False
