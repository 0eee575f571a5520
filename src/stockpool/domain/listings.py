"""Listings: a channel's own SKU mapped to one stockpool SKU, with what the platform needs to
address it - Shopify an inventory item at a location, Amazon a seller SKU on a fulfilment
channel, Walmart a SKU at a ship node."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from stockpool.domain.catalog import channel_code, sku_code
from stockpool.domain.channels import Platform
from stockpool.domain.errors import InvalidRequest
from stockpool.domain.text import clean_text

CHANNEL_SKU_MAX = 200
PLATFORM_ID_MAX = 100
_FULFILMENT = re.compile(r"^[A-Z0-9_]{1,40}$")

# Which platform-specific fields a listing on each platform takes; the first ones are required.
_FIELDS: dict[Platform, tuple[tuple[str, ...], tuple[str, ...]]] = {
    Platform.SHOPIFY: (("inventory_item_id", "location_id"), ()),
    Platform.AMAZON: ((), ("fulfillment_channel",)),
    Platform.WALMART: ((), ("ship_node",)),
    Platform.MANUAL: ((), ()),
}
_NAMES = {
    "inventory_item_id": "Shopify",
    "location_id": "Shopify",
    "fulfillment_channel": "Amazon",
    "ship_node": "Walmart",
}


def channel_sku_code(value: str) -> str:
    """A channel's own SKU text: 1-200 printable characters."""
    text = clean_text(value, "channel_sku", CHANNEL_SKU_MAX)
    if not text:
        raise InvalidRequest("channel_sku must not be blank: it is the SKU the channel uses.")
    return text


@dataclass(frozen=True, slots=True)
class Listing:
    channel: str
    channel_sku: str
    sku: str
    inventory_item_id: str | None = None  # Shopify
    location_id: str | None = None  # Shopify
    fulfillment_channel: str | None = None  # Amazon: DEFAULT (seller-fulfilled) or AMAZON_NA...
    ship_node: str | None = None  # Walmart

    def __post_init__(self) -> None:
        channel_code(self.channel)
        object.__setattr__(self, "channel_sku", channel_sku_code(self.channel_sku))
        sku_code(self.sku)
        for name in _NAMES:
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, clean_text(value, name, PLATFORM_ID_MAX) or None)

    def for_platform(self, platform: Platform) -> Listing:
        """The listing checked against its channel's platform: the fields it needs are there,
        fields of other platforms are not; Amazon's fulfilment channel defaults to DEFAULT."""
        required, optional = _FIELDS[platform]
        for name, owner in _NAMES.items():
            if getattr(self, name) is not None and name not in required + optional:
                raise InvalidRequest(
                    f"{name} is for {owner} listings; channel {self.channel} is on {platform.value}."
                )
        missing = [name for name in required if getattr(self, name) is None]
        if missing:
            raise InvalidRequest(
                f"A {platform.value} listing needs {' and '.join(missing)} "
                f"(channel_sku {self.channel_sku})."
            )
        listing = self
        if platform == Platform.AMAZON:
            code = self.fulfillment_channel or "DEFAULT"
            if not _FULFILMENT.match(code):
                raise InvalidRequest(
                    "fulfillment_channel is Amazon's fulfilment channel code, e.g. DEFAULT or "
                    f"AMAZON_NA (got {code!r})."
                )
            listing = _replace(self, fulfillment_channel=code)
        return listing


@dataclass(frozen=True, slots=True)
class StoredListing:
    """A listing with what was last pushed to its channel and last read back from it."""

    listing: Listing
    pushed_quantity: int | None
    pushed_at: datetime | None
    pushed_changed_at: datetime | None  # when the number pushed was decided
    confirmed_quantity: int | None
    confirmed_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Unmapped:
    """A channel SKU that orders named and no listing maps: how often, and when."""

    channel: str
    channel_sku: str
    orders: int
    last_external_id: str
    first_seen_at: datetime
    last_seen_at: datetime


def _replace(listing: Listing, **changes: str) -> Listing:
    from dataclasses import replace

    return replace(listing, **changes)
