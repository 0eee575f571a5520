"""The shop's locations and inventory items, one per SKU, stocked at the primary location.

`available` is the shelf's admin number (`shelf.expected`): a write lands there at once and
reaches the storefront (`listing.shown`) after the shelf's delay. The other named quantities
live on the listing; `on_hand` is derived from them, never stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from stockpool.sandbox.shelf import Listing, Shelf

STATES = ("committed", "reserved", "incoming", "damaged", "quality_control", "safety_stock")
ON_HAND_PARTS = ("available", "committed", "reserved", "damaged", "quality_control", "safety_stock")
NAMES = ("available", "on_hand", *STATES)
_GID = re.compile(r"^gid://shopify/([A-Za-z]+)/(\d{1,18})(?:\?.*)?$")


def gid(kind: str, number: int) -> str:
    return f"gid://shopify/{kind}/{number}"


def gid_number(value: Any, kind: str) -> int | None:
    """The number in `gid://shopify/{kind}/{n}`, or None when `value` is not one."""
    found = _GID.match(value) if isinstance(value, str) else None
    if found is None or found.group(1) != kind:
        return None
    return int(found.group(2))


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(slots=True)
class Location:
    number: int
    name: str
    primary: bool = False
    active: bool = True

    @property
    def id(self) -> str:
        return gid("Location", self.number)


DEFAULT_LOCATIONS = (
    Location(70_000_000_001, "Shop location", primary=True),
    Location(70_000_000_002, "Warehouse DAL-1"),
    Location(70_000_000_003, "Pop-up store (closed)", active=False),
)


class Catalog:
    """Variants and inventory items by their Shopify numbers, over the sandbox's shelf."""

    def __init__(self, shelf: Shelf) -> None:
        self.shelf = shelf
        self.locations = [
            Location(item.number, item.name, item.primary, item.active)
            for item in DEFAULT_LOCATIONS
        ]
        self.primary = self.locations[0]
        self._items: dict[int, str] = {}
        self._variants: dict[int, str] = {}
        self._next = 1

    def add(self, sku: str, quantity: int) -> Listing:
        if sku in self.shelf:
            listing = self.shelf.add(sku)
            listing.shown = quantity
            listing.pending = []
            return listing
        number = self._next
        self._next += 1
        stamp = now_iso()
        listing = self.shelf.add(
            sku,
            quantity,
            product_id=8_000_000_000 + number,
            variant_id=44_000_000_000 + number,
            inventory_item_id=46_000_000_000 + number,
            location_id=self.primary.number,
            created_at=stamp,
            updated_at=stamp,
        )
        listing.attributes["quantities"] = dict.fromkeys(STATES, 0)
        self._items[listing.attributes["inventory_item_id"]] = sku
        self._variants[listing.attributes["variant_id"]] = sku
        return listing

    def listings(self) -> list[Listing]:
        return self.shelf.all()

    def by_item(self, item_id: Any) -> Listing | None:
        number = gid_number(item_id, "InventoryItem")
        sku = self._items.get(number) if number is not None else None
        return self.shelf.get(sku) if sku is not None else None

    def by_variant(self, variant_id: Any) -> Listing | None:
        number = gid_number(variant_id, "ProductVariant")
        sku = self._variants.get(number) if number is not None else None
        return self.shelf.get(sku) if sku is not None else None

    def location(self, location_id: Any) -> Location | None:
        number = gid_number(location_id, "Location")
        return next((item for item in self.locations if item.number == number), None)

    def stocked(self, listing: Listing, location: Location) -> bool:
        return bool(location.number == listing.attributes["location_id"])

    def quantities(self, listing: Listing) -> dict[str, int]:
        """Every named quantity of the listing's level, as the Admin API reports them now."""
        named = {"available": self.shelf.expected(listing.sku), **listing.attributes["quantities"]}
        named["on_hand"] = sum(named[name] for name in ON_HAND_PARTS)
        return named

    def set_available(self, listing: Listing, quantity: int) -> None:
        self.shelf.push(listing.sku, quantity)
        listing.attributes["updated_at"] = now_iso()

    def change_state(self, listing: Listing, name: str, delta: int) -> None:
        listing.attributes["quantities"][name] += delta
        listing.attributes["updated_at"] = now_iso()

    def sell(self, listing: Listing, units: int) -> bool:
        """A buyer's order: units leave what the storefront shows and become committed."""
        if not self.shelf.take(listing.sku, units, pending_too=True):
            return False
        self.change_state(listing, "committed", units)
        return True

    def release(self, listing: Listing, units: int, *, restock: bool) -> None:
        """Units of an order no longer committed; restocked ones are available again (at once on
        the storefront too, as the mirror of a sale)."""
        units = min(units, listing.attributes["quantities"]["committed"])
        self.change_state(listing, "committed", -units)
        if restock and units:
            self._available_again(listing, units)

    def ship(self, listing: Listing, units: int) -> None:
        """Units of an order fulfilled: no longer committed, and gone from on_hand."""
        units = min(units, listing.attributes["quantities"]["committed"])
        self.change_state(listing, "committed", -units)

    def restock_return(self, listing: Listing, units: int) -> None:
        """Fulfilled units a buyer sent back, restocked: available (and on_hand) again."""
        if units:
            self._available_again(listing, units)
            listing.attributes["updated_at"] = now_iso()

    def _available_again(self, listing: Listing, units: int) -> None:
        self.shelf.give_back(listing.sku, units)
        for push in listing.pending:
            push.quantity += units
