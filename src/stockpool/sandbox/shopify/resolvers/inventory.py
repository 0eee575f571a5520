"""Inventory levels, their named quantities and the two mutations that change them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLError

from stockpool.sandbox.shelf import Listing
from stockpool.sandbox.shopify.catalog import NAMES, Catalog, Location, gid, gid_number
from stockpool.sandbox.shopify.inventory import Groups, adjust_quantities, set_quantities
from stockpool.sandbox.shopify.resolvers.catalog import item_view
from stockpool.sandbox.shopify.resolvers.context import Context, Info, Resolver, page, sandbox_of
from stockpool.sandbox.shopify.resolvers.idempotency import idempotent
from stockpool.sandbox.shopify.versions import Generation


def level_view(listing: Listing, location: Location) -> dict[str, Any]:
    item = listing.attributes["inventory_item_id"]
    return {
        "id": f"gid://shopify/InventoryLevel/{location.number}?inventory_item_id={item}",
        "canDeactivate": False,
        "createdAt": listing.attributes["created_at"],
        "updatedAt": listing.attributes["updated_at"],
        "_listing": listing,
        "_location": location,
    }


def level_of(info: Info, listing: Listing, location_id: str) -> dict[str, Any] | None:
    """The level of `listing` at a location, or None where the location does not stock it."""
    catalog = sandbox_of(info).catalog
    location = catalog.location(location_id)
    if location is None or not catalog.stocked(listing, location):
        return None
    return level_view(listing, location)


def inventory_level(_: Any, info: Info, id: str) -> dict[str, Any] | None:
    location_number = gid_number(id, "InventoryLevel")
    item = id.partition("inventory_item_id=")[2] if isinstance(id, str) else ""
    if location_number is None or not (item.isascii() and item.isdigit()):  # not '²'
        return None
    listing = sandbox_of(info).catalog.by_item(gid("InventoryItem", int(item)))
    return level_of(info, listing, gid("Location", location_number)) if listing else None


def location_level(place: dict[str, Any], info: Info, item_id: str) -> dict[str, Any] | None:
    """`Location.inventoryLevel(inventoryItemId:)`."""
    listing = sandbox_of(info).catalog.by_item(item_id)
    return level_of(info, listing, place["id"]) if listing else None


def inventory_levels(parent: dict[str, Any], info: Info, **args: Any) -> dict[str, Any]:
    """`inventoryLevels` of an inventory item (where it is stocked) or of a location."""
    catalog = sandbox_of(info).catalog
    if "_listing" in parent:  # an inventory item: its levels at each location stocking it
        listing = parent["_listing"]
        levels = [
            level_view(listing, item)
            for item in catalog.locations
            if catalog.stocked(listing, item)
        ]
    else:  # a location: the levels of every item stocked there
        where = parent["_location"]
        levels = [
            level_view(item, where) for item in catalog.listings() if catalog.stocked(item, where)
        ]
    return page(
        levels,
        lambda view: [view["_location"].number, view["_listing"].attributes["inventory_item_id"]],
        args,
    )


def level_quantities(level: dict[str, Any], info: Info, names: list[str]) -> list[dict[str, Any]]:
    """`InventoryLevel.quantities(names:)`: an unknown name fails the field, as Shopify does."""
    unknown = [name for name in names if name not in NAMES]
    if unknown:
        raise GraphQLError(
            f"Invalid quantity names: {', '.join(unknown)}. Valid names: {', '.join(NAMES)}.",
            extensions={"code": "BAD_REQUEST"},
        )
    named = sandbox_of(info).catalog.quantities(level["_listing"])
    return [
        {
            "id": f"{level['id']}&name={name}",
            "name": name,
            "quantity": named[name],
            "updatedAt": level["updatedAt"],
        }
        for name in names
    ]


def adjustment_changes(group: dict[str, Any], info: Info, **args: Any) -> list[dict[str, Any]]:
    """`InventoryAdjustmentGroup.changes`, filtered by item, location and quantity name."""
    items, places, names = (
        args.get("inventoryItemIds"),
        args.get("locationIds"),
        args.get("quantityNames"),
    )
    return [
        change
        for change in group["changes"]
        if (items is None or item_view(change["_listing"])["id"] in items)
        and (places is None or change["_location"].id in places)
        and (names is None or change["name"] in names)
    ]


# -- Mutation ---------------------------------------------------------------------------------

Change = Callable[[Catalog, Groups, dict[str, Any], Generation], dict[str, Any]]


def _inventory_mutation(change: Change) -> Resolver:
    """A mutation field taking `input`, run under its `@idempotent` key."""

    def resolve(_: Any, info: Info, input: dict[str, Any]) -> dict[str, Any]:
        context: Context = info.context
        sandbox = context.sandbox
        return idempotent(
            info,
            {"input": input},
            lambda: change(sandbox.catalog, sandbox.groups, input, context.version.generation),
        )

    return resolve


inventory_set_quantities = _inventory_mutation(set_quantities)
inventory_adjust_quantities = _inventory_mutation(adjust_quantities)
