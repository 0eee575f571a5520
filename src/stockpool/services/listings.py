"""Listings: which stockpool SKU each channel SKU is. A new or re-mapped listing is queued for a
push of its SKU's number on its channel, in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from stockpool.domain.catalog import channel_code
from stockpool.domain.errors import (
    InvalidRequest,
    InvariantBroken,
    NotFound,
    StockpoolError,
    UnknownChannel,
    UnknownSku,
)
from stockpool.domain.listings import Listing, StoredListing, Unmapped, channel_sku_code
from stockpool.services.availability import AvailabilityService
from stockpool.services.catalog import page_limit
from stockpool.services.csv_files import ImportRejected, RowError, parse_each, read_rows, refuse
from stockpool.services.ports import Clock, Progress, UnitOfWork, UnitOfWorkFactory

LISTING_COLUMNS = (
    "channel",
    "channel_sku",
    "sku",
    "inventory_item_id",
    "location_id",
    "fulfillment_channel",
    "ship_node",
)
IMPORT_MAX = 200_000


@dataclass(frozen=True, slots=True)
class Mapped:
    listing: StoredListing
    created: bool
    previous_sku: str | None  # the SKU it mapped before, when that was another


@dataclass(frozen=True, slots=True)
class ListingImport:
    rows: int
    created: int
    remapped: int


class ListingService:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, availability: AvailabilityService
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._availability = availability

    def put(self, listing: Listing) -> Mapped:
        """Map a channel SKU to a SKU (create or replace)."""
        with self._uow() as uow:
            created, previous = self._put(uow, listing)
            self._availability.queue_listings(uow, [listing])
            stored = uow.listings.get(listing.channel, listing.channel_sku)
            uow.follow_changes()
            uow.commit()
        if stored is None:
            raise InvariantBroken(
                f"Listing {listing.channel}/{listing.channel_sku} was not there once put."
            )
        return Mapped(stored, created, previous)

    def _put(self, uow: UnitOfWork, listing: Listing) -> tuple[bool, str | None]:
        channel = uow.channels.get(listing.channel)
        if channel is None:
            raise UnknownChannel(listing.channel)
        if uow.catalog.get_sku(listing.sku) is None:
            raise UnknownSku(listing.sku)
        checked = listing.for_platform(channel.platform)
        uow.changes.config = True
        return uow.listings.put(checked, self._clock())

    def import_csv(self, stream: TextIO, progress: Progress | None = None) -> ListingImport:
        """Listings from CSV (columns: channel, channel_sku, sku, then the platform's own:
        inventory_item_id, location_id, fulfillment_channel, ship_node), all or none. Every
        wrong row is named."""
        header, rows, unreadable = read_rows(stream, LISTING_COLUMNS[:3])
        unknown = [c for c in header if c not in LISTING_COLUMNS]
        if unknown:
            raise ImportRejected(
                [
                    RowError(
                        1,
                        f"unknown column(s) {', '.join(unknown)}; the columns are "
                        f"{', '.join(LISTING_COLUMNS)}",
                    )
                ]
            )
        parsed, errors = parse_each(rows, _listing, lambda x: f"{x.channel} {x.channel_sku}")
        with self._uow() as uow:
            channels = {c.code: c for c in uow.channels.list()}
            known = uow.catalog.known_skus(x.sku for _, x in parsed)
            checked: list[Listing] = []
            for line, listing in parsed:
                channel = channels.get(listing.channel)
                try:
                    if channel is None:
                        raise UnknownChannel(listing.channel)
                    if listing.sku not in known:
                        raise UnknownSku(listing.sku)
                    checked.append(listing.for_platform(channel.platform))
                except StockpoolError as error:
                    errors.append(RowError(line, error.message))
            refuse(unreadable + errors)
            if len(checked) > IMPORT_MAX:
                raise InvalidRequest(f"At most {IMPORT_MAX:,} listings per import; split the file.")
            created = remapped = 0
            at = self._clock()
            for done, listing in enumerate(checked, start=1):
                new, previous = uow.listings.put(listing, at)
                created += new
                remapped += previous is not None
                if progress is not None and done % 1000 == 0:
                    progress(done)
            uow.changes.config = True
            self._availability.queue_listings(uow, checked)
            uow.follow_changes()
            uow.commit()
        if progress is not None:
            progress(len(checked))
        return ListingImport(len(checked), created, remapped)

    def get(self, channel: str, channel_sku: str) -> StoredListing:
        with self._uow(write=False) as uow:
            found = uow.listings.get(channel, channel_sku)
            if found is None:
                if uow.channels.get(channel) is None:
                    raise UnknownChannel(channel)
                raise NotFound(f"Channel {channel} has no listing {channel_sku!r}.")
            return found

    def page(
        self, channel: str, *, sku: str | None = None, after: str | None = None, limit: int = 100
    ) -> list[StoredListing]:
        with self._uow(write=False) as uow:
            if uow.channels.get(channel) is None:
                raise UnknownChannel(channel)
            return uow.listings.page(channel, sku=sku, after=after, limit=page_limit(limit))

    def delete(self, channel: str, channel_sku: str) -> None:
        """Unmap a channel SKU; its pending push goes with it."""
        with self._uow() as uow:
            if uow.listings.delete(channel, channel_sku) is None:
                if uow.channels.get(channel) is None:
                    raise UnknownChannel(channel)
                raise NotFound(f"Channel {channel} has no listing {channel_sku!r}.")
            uow.changes.config = True
            uow.follow_changes()
            uow.commit()

    def unmapped(
        self, channel: str, *, after: str | None = None, limit: int = 100
    ) -> list[Unmapped]:
        """Channel SKUs that orders named and no listing maps (those orders were refused)."""
        with self._uow(write=False) as uow:
            if uow.channels.get(channel) is None:
                raise UnknownChannel(channel)
            return uow.listings.unmapped(channel, after=after, limit=page_limit(limit))


def _listing(row: dict[str, str]) -> Listing:
    return Listing(
        channel_code(row.get("channel", "")),
        channel_sku_code(row.get("channel_sku", "")),
        row.get("sku", ""),
        **{name: row.get(name) or None for name in LISTING_COLUMNS[3:]},
    )
