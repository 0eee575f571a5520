"""The catalog: SKUs and locations, and what stock each SKU has where."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from stockpool.domain.balance import Balance, total
from stockpool.domain.bundles import bundle_available
from stockpool.domain.catalog import NAME_MAX, Location, Sku, sku_code
from stockpool.domain.errors import (
    Conflict,
    InvalidRequest,
    UnknownChannelsServed,
    UnknownLocation,
    UnknownSku,
)
from stockpool.domain.incoming import Lot
from stockpool.domain.states import State
from stockpool.domain.text import clean_text
from stockpool.services.ports import Clock, Progress, UnitOfWork, UnitOfWorkFactory

PAGE_MAX = 1000
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SkuStock:
    sku: str
    totals: Balance
    locations: dict[str, Balance]


def page_limit(limit: int) -> int:
    if not 1 <= limit <= PAGE_MAX:
        raise InvalidRequest(f"limit must be from 1 to {PAGE_MAX} (got {limit}).")
    return limit


class CatalogService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def put_sku(self, sku: Sku) -> bool:
        """Create or replace a SKU; True when it is new."""
        return self.put_skus([sku]) == 1

    def put_skus(self, skus: list[Sku], progress: Progress | None = None) -> int:
        """Create or replace many SKUs in one transaction; how many were new."""
        return self._put_all(skus, _put_sku, progress)

    def count_skus(self) -> int:
        with self._uow(write=False) as uow:
            return uow.catalog.count_skus()

    def get_sku(self, code: str) -> Sku:
        with self._uow(write=False) as uow:
            sku = uow.catalog.get_sku(code)
        if sku is None:
            raise UnknownSku(code)
        return sku

    def list_skus(
        self, *, search: str | None = None, after: str | None = None, limit: int = 100
    ) -> list[Sku]:
        if search is not None:
            search = clean_text(search, "q", NAME_MAX)
        if after is not None:
            after = clean_text(after, "cursor", NAME_MAX)
        with self._uow(write=False) as uow:
            return uow.catalog.list_skus(search, after, page_limit(limit))

    def put_location(self, location: Location) -> bool:
        """Create or replace a location; True when it is new."""
        return self.put_locations([location]) == 1

    def put_locations(self, locations: list[Location], progress: Progress | None = None) -> int:
        """Create or replace many locations in one transaction; how many were new. Every channel
        they name must exist."""
        return self._put_all(locations, _put_location, progress, check=_channels_exist)

    def _put_all(
        self,
        items: list[T],
        put: Callable[[UnitOfWork, T, datetime], bool],
        progress: Progress | None,
        check: Callable[[UnitOfWork, list[T]], None] | None = None,
    ) -> int:
        with self._uow() as uow:
            if check is not None:
                check(uow, items)
            at = self._clock()
            created = 0
            for done, item in enumerate(items, start=1):
                created += put(uow, item, at)
                if progress is not None:
                    progress(done)
            uow.follow_changes()
            uow.commit()
        return created

    def get_location(self, code: str) -> Location:
        with self._uow(write=False) as uow:
            location = uow.catalog.get_location(code)
        if location is None:
            raise UnknownLocation(code)
        return location

    def list_locations(self) -> list[Location]:
        with self._uow(write=False) as uow:
            return uow.catalog.list_locations()

    def incoming(self, sku: str) -> list[Lot]:
        """The SKU's incoming lots, due first, with what short orders wait for from each."""
        sku_code(sku)
        with self._uow(write=False) as uow:
            if uow.catalog.get_sku(sku) is None:
                raise UnknownSku(sku)
            return uow.inbound.lots(sku)

    def stock(self, sku: str) -> SkuStock:
        """The SKU's balance at every location that holds or held it, and the totals. A bundle
        holds nothing itself: its available units per location are the whole bundles its
        components' available units make there."""
        sku_code(sku)
        with self._uow(write=False) as uow:
            found = uow.catalog.get_sku(sku)
            if found is None:
                raise UnknownSku(sku)
            if not found.components:
                by_location = uow.stock.balances_of_sku(sku)
            else:
                held = {c.sku: uow.stock.balances_of_sku(c.sku) for c in found.components}
                places = sorted({loc for balances in held.values() for loc in balances})
                by_location = {
                    loc: Balance(
                        available=bundle_available(
                            found.components,
                            {c: b[loc].available for c, b in held.items() if loc in b},
                        )
                    )
                    for loc in places
                }
        return SkuStock(sku, total(by_location.values()), by_location)


def _channels_exist(uow: UnitOfWork, locations: list[Location]) -> None:
    """Refuse locations that name a channel that does not exist, naming every one. (Channels
    are never deleted, so one that exists now still does when this transaction commits.)"""
    known = {channel.code for channel in uow.channels.list()}
    unknown = {
        location.code: sorted(location.channels - known)
        for location in locations
        if location.channels - known
    }
    if unknown:
        raise UnknownChannelsServed(unknown, sorted(known))


def _put_location(uow: UnitOfWork, location: Location, at: datetime) -> bool:
    """Store a location; which channels it serves moves every SKU's numbers."""
    uow.changes.everything = uow.changes.config = True
    return uow.catalog.put_location(location, at)


def _put_sku(uow: UnitOfWork, sku: Sku, at: datetime) -> bool:
    """Store a SKU, checking its components against the catalog: they exist, none is a bundle
    itself, a component of another bundle does not become one, and a SKU holding stock does not
    become a bundle (a bundle's stock is its components')."""
    if sku.components:
        parts = [c.sku for c in sku.components]
        unknown = sorted(set(parts) - uow.catalog.known_skus(parts))
        if unknown:
            raise UnknownSku(unknown[0])
        nested = sorted(uow.catalog.components(parts))
        if nested:
            raise InvalidRequest(
                f"component {nested[0]} is a bundle itself; list its components instead."
            )
        used_in = uow.catalog.bundles_of(sku.code)
        if used_in:
            raise InvalidRequest(
                f"{sku.code} is a component of bundle {used_in[0]}, so it cannot be a bundle."
            )
        held = total(uow.stock.balances_of_sku(sku.code).values())
        if held.on_hand or held[State.INCOMING]:
            raise Conflict(
                f"{sku.code} holds stock ({held.on_hand} on hand, {held[State.INCOMING]} "
                "incoming); a bundle holds none of its own. Move it out first, or use a new SKU "
                "for the bundle."
            )
    created = uow.catalog.put_sku(sku, at)
    uow.changes.skus.add(sku.code)  # its numbers (a bundle's follow its components)
    if sku.components or not created:  # it may have become, or stopped being, a bundle
        uow.changes.config = True
    return created
