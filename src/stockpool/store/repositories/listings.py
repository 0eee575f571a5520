"""Listings (a channel's SKU mapped to ours), the channel SKUs orders named that none maps, and
what each listing was last pushed and seen to show."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, delete, func, select, update

from stockpool.domain.listings import Listing, StoredListing, Unmapped
from stockpool.store.repositories._dialect import insert
from stockpool.store.repositories._paging import after_key
from stockpool.store.tables import listings, unmapped_listings

IDENTITY = ("inventory_item_id", "location_id", "fulfillment_channel", "ship_node")


class ListingRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def put(self, listing: Listing, at: datetime) -> tuple[bool, str | None]:
        """Create or replace a listing: (True when new, the SKU it mapped before if another).
        Mapping it also clears it from the unmapped report."""
        before = self._connection.execute(
            select(listings.c.sku).where(_key(listing.channel, listing.channel_sku))
        ).scalar_one_or_none()
        values = {
            "channel": listing.channel,
            "sku": listing.sku,
            **{name: getattr(listing, name) for name in IDENTITY},
            "updated_at": at,
        }
        statement = insert(self._connection, listings).values(
            channel_sku=listing.channel_sku, created_at=at, **values
        )
        self._connection.execute(
            statement.on_conflict_do_update(
                index_elements=[listings.c.channel, listings.c.channel_sku],
                set_={k: v for k, v in values.items() if k != "channel"},
            )
        )
        self._connection.execute(
            delete(unmapped_listings).where(
                unmapped_listings.c.channel == listing.channel,
                unmapped_listings.c.channel_sku == listing.channel_sku,
            )
        )
        return before is None, before if before not in (None, listing.sku) else None

    def delete(self, channel: str, channel_sku: str) -> str | None:
        """Remove a listing (its pending push goes with it); the SKU it mapped, if it existed."""
        sku = self._connection.execute(
            delete(listings).where(_key(channel, channel_sku)).returning(listings.c.sku)
        ).scalar_one_or_none()
        return sku

    def get(self, channel: str, channel_sku: str) -> StoredListing | None:
        row = self._connection.execute(select(listings).where(_key(channel, channel_sku))).first()
        return _stored(row) if row else None

    def page(
        self, channel: str, *, sku: str | None, after: str | None, limit: int
    ) -> list[StoredListing]:
        query = after_key(
            select(listings).where(listings.c.channel == channel),
            listings.c.channel_sku,
            after,
            limit,
        )
        if sku is not None:
            query = query.where(listings.c.sku == sku)
        return [_stored(r) for r in self._connection.execute(query)]

    def of_skus(self, skus: Iterable[str]) -> list[StoredListing]:
        """Every listing of these SKUs, on any channel."""
        wanted = sorted(set(skus))
        found: list[StoredListing] = []
        for start in range(0, len(wanted), 500):
            rows = self._connection.execute(_OF_SKUS, {"skus": wanted[start : start + 500]})
            found.extend(_stored(r) for r in rows)
        return found

    def map_channel_skus(self, channel: str, channel_skus: Iterable[str]) -> dict[str, str]:
        """channel SKU -> our SKU, for those of these the channel has listings for."""
        wanted = sorted(set(channel_skus))
        found: dict[str, str] = {}
        for start in range(0, len(wanted), 500):
            rows = self._connection.execute(
                _MAPPED, {"channel": channel, "codes": wanted[start : start + 500]}
            )
            found.update((r.channel_sku, r.sku) for r in rows)
        return found

    def count(self) -> int:
        return int(
            self._connection.execute(select(func.count()).select_from(listings)).scalar_one()
        )

    def pushed(
        self,
        channel: str,
        channel_sku: str,
        quantity: int,
        at: datetime,
        changed_at: datetime | None,
    ) -> str | None:
        """The platform accepted quantity (decided at changed_at) for the listing; the SKU it
        maps (None: no such listing)."""
        return self._connection.execute(
            update(listings)
            .where(_key(channel, channel_sku))
            .values(pushed_quantity=quantity, pushed_at=at, pushed_changed_at=changed_at)
            .returning(listings.c.sku)
        ).scalar_one_or_none()

    def confirmed(self, channel: str, channel_sku: str, quantity: int, at: datetime) -> None:
        """The platform was read to show quantity."""
        self._connection.execute(
            update(listings)
            .where(_key(channel, channel_sku))
            .values(confirmed_quantity=quantity, confirmed_at=at)
        )

    # Channel SKUs no listing maps

    def unmapped_seen(self, channel: str, seen: Sequence[tuple[str, str]], at: datetime) -> None:
        """Orders named these (channel SKU, order external id) with no listing: count them."""
        per_code: dict[str, tuple[int, str]] = {}
        for code, external_id in seen:
            count, _ = per_code.get(code, (0, external_id))
            per_code[code] = (count + 1, external_id)
        for code, (count, external_id) in sorted(per_code.items()):
            statement = insert(self._connection, unmapped_listings).values(
                channel=channel,
                channel_sku=code,
                orders=count,
                last_external_id=external_id,
                first_seen_at=at,
                last_seen_at=at,
            )
            self._connection.execute(
                statement.on_conflict_do_update(
                    index_elements=[unmapped_listings.c.channel, unmapped_listings.c.channel_sku],
                    set_={
                        "orders": unmapped_listings.c.orders + count,
                        "last_external_id": external_id,
                        "last_seen_at": at,
                    },
                )
            )

    def unmapped(self, channel: str, *, after: str | None, limit: int) -> list[Unmapped]:
        query = after_key(
            select(unmapped_listings).where(unmapped_listings.c.channel == channel),
            unmapped_listings.c.channel_sku,
            after,
            limit,
        )
        return [
            Unmapped(
                r.channel,
                r.channel_sku,
                int(r.orders),
                r.last_external_id,
                r.first_seen_at,
                r.last_seen_at,
            )
            for r in self._connection.execute(query)
        ]


def _key(channel: str, channel_sku: str) -> Any:
    return (listings.c.channel == channel) & (listings.c.channel_sku == channel_sku)


def listing_of(row: Any, channel: str | None = None) -> Listing:
    """The listing a row of listings holds (channel: for a row selected without it)."""
    return Listing(
        channel or row.channel,
        row.channel_sku,
        row.sku,
        *(getattr(row, name) for name in IDENTITY),
    )


def _stored(row: Row[Any]) -> StoredListing:
    return StoredListing(
        listing=listing_of(row),
        pushed_quantity=row.pushed_quantity,
        pushed_at=row.pushed_at,
        pushed_changed_at=row.pushed_changed_at,
        confirmed_quantity=row.confirmed_quantity,
        confirmed_at=row.confirmed_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


_OF_SKUS = (
    select(listings)
    .where(listings.c.sku.in_(bindparam("skus", expanding=True)))
    .order_by(listings.c.channel, listings.c.channel_sku)
)
_MAPPED = select(listings.c.channel_sku, listings.c.sku).where(
    listings.c.channel == bindparam("channel"),
    listings.c.channel_sku.in_(bindparam("codes", expanding=True)),
)
