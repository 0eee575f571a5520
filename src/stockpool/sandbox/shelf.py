"""What each listing shows buyers, and the pushes that have not reached them yet."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Pending:
    quantity: int
    visible_at: float  # on the shelf's clock


@dataclass(slots=True)
class Listing:
    sku: str
    shown: int = 0  # what buyers see, and order against, now
    pending: list[Pending] = field(default_factory=list)  # pushed, not visible yet, oldest first
    sold: int = 0
    pushes: int = 0
    attributes: dict[str, Any] = field(default_factory=dict)  # platform's own (ids, titles)


class Shelf:
    """A platform's listings. A push is an absolute quantity that becomes what buyers see after
    `delay_seconds`; sales decrement what is shown. Not locked: the sandbox holds its lock."""

    def __init__(self, delay_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.delay_seconds = delay_seconds
        self._clock = clock
        self._listings: dict[str, Listing] = {}

    def add(self, sku: str, quantity: int = 0, **attributes: Any) -> Listing:
        listing = self._listings.get(sku)
        if listing is None:
            listing = self._listings[sku] = Listing(sku, shown=quantity)
        listing.attributes.update(attributes)
        return listing

    def get(self, sku: str) -> Listing | None:
        listing = self._listings.get(sku)
        if listing is not None:
            self._land(listing)
        return listing

    def __contains__(self, sku: object) -> bool:
        return sku in self._listings

    def all(self) -> list[Listing]:
        for listing in self._listings.values():
            self._land(listing)
        return sorted(self._listings.values(), key=lambda listing: listing.sku)

    def push(self, sku: str, quantity: int, delay_seconds: float | None = None) -> Listing:
        """Set the quantity buyers will see once the delay has passed (now, if it is 0)."""
        listing = self.add(sku)
        delay = self.delay_seconds if delay_seconds is None else delay_seconds
        listing.pushes += 1
        listing.pending.append(Pending(quantity, self._clock() + max(delay, 0.0)))
        self._land(listing)
        return listing

    def expected(self, sku: str) -> int:
        """What the listing will show once every push has landed (and nobody buys meanwhile)."""
        listing = self.get(sku)
        if listing is None:
            return 0
        return listing.pending[-1].quantity if listing.pending else listing.shown

    def take(self, sku: str, units: int, *, pending_too: bool = False) -> bool:
        """A buyer's order for `units`: taken only if that many are shown. `pending_too` also
        lowers the pushes still on their way (Shopify's admin number moves with each sale)."""
        listing = self.get(sku)
        if listing is None or units < 1 or listing.shown < units:
            return False
        listing.shown -= units
        listing.sold += units
        if pending_too:
            for push in listing.pending:
                push.quantity = max(push.quantity - units, 0)
        return True

    def give_back(self, sku: str, units: int) -> None:
        """A cancelled or restocked order's units shown again."""
        listing = self.get(sku)
        if listing is not None:
            listing.shown += units
            listing.sold = max(listing.sold - units, 0)

    def _land(self, listing: Listing) -> None:
        now = self._clock()
        while listing.pending and listing.pending[0].visible_at <= now:
            listing.shown = listing.pending.pop(0).quantity

    def describe(self, listing: Listing) -> dict[str, Any]:
        now = self._clock()
        return {
            "sku": listing.sku,
            "shown": listing.shown,
            "pending": [
                {"quantity": push.quantity, "visible_in_seconds": round(push.visible_at - now, 3)}
                for push in listing.pending
            ],
            "sold": listing.sold,
            "pushes": listing.pushes,
            **{key: value for key, value in listing.attributes.items() if _plain(value)},
        }


def _plain(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) or value is None
