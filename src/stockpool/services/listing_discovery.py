"""Discovering listings: read the platform's catalogue and map every item whose platform SKU is
a stockpool SKU code, with what the platform needs to address it (a Shopify inventory item at a
location, an Amazon fulfilment channel, a Walmart ship node). Items already mapped are left as
the seller mapped them; items matching no SKU are reported, never guessed at."""

from __future__ import annotations

from dataclasses import dataclass

from stockpool.domain.channels import Platform
from stockpool.domain.errors import StockpoolError
from stockpool.domain.listings import Listing
from stockpool.domain.platforms import PlatformItem
from stockpool.services.availability import AvailabilityService
from stockpool.services.lookups import channel_of
from stockpool.services.platform_orders import ConnectorFor
from stockpool.services.ports import Clock, UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class Discovered:
    mapped: tuple[str, ...]  # channel SKUs mapped now, each to the SKU of the same code
    already_mapped: int  # items the channel had listings for: left as they were
    unmatched: tuple[str, ...]  # channel SKUs that are no SKU's code: map them by hand


class ListingDiscovery:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        availability: AvailabilityService,
        connector_for: ConnectorFor,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._availability = availability
        self._connector_for = connector_for

    def discover(self, channel: str) -> Discovered:
        """Read the channel's catalogue from its platform and map what matches, in one
        transaction; the new listings' numbers are queued for their first push."""
        with self._uow(write=False) as uow:
            wanted = _unmapped_skus(uow, channel)
        connector = self._connector_for(channel)
        try:
            items = connector.catalogue(wanted)
        finally:
            connector.close()
        with self._uow() as uow:
            platform = channel_of(uow, channel).platform
            codes = [item.channel_sku for item in items]
            mapped = uow.listings.map_channel_skus(channel, codes)
            known = uow.catalog.known_skus(code for code in codes if code not in mapped)
            new: list[Listing] = []
            unmatched: list[str] = []
            for item in items:
                if item.channel_sku in mapped:
                    continue
                listing = _matching(channel, item, platform, known)
                if listing is None:
                    unmatched.append(item.channel_sku)
                else:
                    new.append(listing)
            at = self._clock()
            for listing in new:
                uow.listings.put(listing, at)
            uow.changes.config = True
            self._availability.queue_listings(uow, new)
            uow.follow_changes()
            uow.commit()
        return Discovered(
            tuple(listing.channel_sku for listing in new),
            len(items) - len(new) - len(unmatched),
            tuple(sorted(unmatched)),
        )


def _matching(
    channel: str, item: PlatformItem, platform: Platform, known: set[str]
) -> Listing | None:
    """The listing mapping item to the SKU of its code, or None: no such SKU, or the platform
    ids it came with do not make a listing of that platform (the seller maps it by hand)."""
    if item.channel_sku not in known:
        return None
    listing = Listing(
        channel,
        item.channel_sku,
        item.channel_sku,
        inventory_item_id=item.inventory_item_id,
        location_id=item.location_id,
        fulfillment_channel=item.fulfillment_channel,
        ship_node=item.ship_node,
    )
    try:
        return listing.for_platform(platform)
    except StockpoolError:
        return None


def _unmapped_skus(uow: UnitOfWork, channel: str) -> list[str]:
    """Our SKU codes no listing of the channel maps yet: what a platform whose catalogue listing
    stops short looks up one by one."""
    codes: list[str] = []
    after: str | None = None
    while page := uow.availability.sku_codes(after=after, limit=5_000):
        mapped = uow.listings.map_channel_skus(channel, page)
        codes += [code for code in page if code not in mapped]
        after = page[-1]
    return codes
