"""The shop, its locations, product variants and inventory items, as the Admin API shows them."""

from __future__ import annotations

from typing import Any

from stockpool.sandbox.shelf import Listing
from stockpool.sandbox.shopify import search
from stockpool.sandbox.shopify.catalog import Location, gid
from stockpool.sandbox.shopify.resolvers.context import Info, page, sandbox_of

# -- views: GraphQL objects as dicts, with private refs for the fields that take arguments ------


def location_view(location: Location) -> dict[str, Any]:
    return {
        "id": location.id,
        "legacyResourceId": str(location.number),
        "name": location.name,
        "isActive": location.active,
        "isPrimary": location.primary,
        "fulfillsOnlineOrders": location.active,
        "_location": location,
    }


def variant_view(listing: Listing, info: Info) -> dict[str, Any]:
    attributes = listing.attributes
    return {
        "id": gid("ProductVariant", attributes["variant_id"]),
        "legacyResourceId": str(attributes["variant_id"]),
        "sku": listing.sku,
        "title": "Default Title",
        "displayName": f"{listing.sku} - Default Title",
        "inventoryQuantity": sandbox_of(info).catalog.quantities(listing)["available"],
        "product": {
            "id": gid("Product", attributes["product_id"]),
            "legacyResourceId": str(attributes["product_id"]),
            "title": listing.sku,
        },
        "createdAt": attributes["created_at"],
        "updatedAt": attributes["updated_at"],
        "_listing": listing,
    }


def item_view(listing: Listing) -> dict[str, Any]:
    attributes = listing.attributes
    return {
        "id": gid("InventoryItem", attributes["inventory_item_id"]),
        "legacyResourceId": str(attributes["inventory_item_id"]),
        "sku": listing.sku,
        "tracked": True,
        "createdAt": attributes["created_at"],
        "updatedAt": attributes["updated_at"],
        "_listing": listing,
    }


def _sku_matcher(listing: Listing, term: search.Term) -> bool | None:
    if term.field in ("sku", None):
        return search.text_matches(listing.sku, term)
    return None


def _listings(info: Info, query: str | None) -> list[Listing]:
    wanted = search.parse(query)
    return [
        listing
        for listing in sandbox_of(info).catalog.listings()
        if search.matches(listing, wanted, _sku_matcher)
    ]


# -- QueryRoot --------------------------------------------------------------------------------


def shop(_: Any, info: Info) -> dict[str, Any]:
    domain = sandbox_of(info).credentials["shop_domain"]
    return {
        "id": gid("Shop", 60_000_000_001),
        "name": "stockpool sandbox",
        "myshopifyDomain": domain,
        "currencyCode": "USD",
        "ianaTimezone": "Etc/UTC",
    }


def location(_: Any, info: Info, id: str | None = None) -> dict[str, Any] | None:
    catalog = sandbox_of(info).catalog
    found = catalog.primary if id is None else catalog.location(id)
    return location_view(found) if found else None


def locations(_: Any, info: Info, **args: Any) -> dict[str, Any]:
    catalog = sandbox_of(info).catalog
    shown = [item for item in catalog.locations if item.active or args.get("includeInactive")]
    views = [location_view(item) for item in shown]
    return page(views, lambda view: [view["_location"].number], args)


def product_variant(_: Any, info: Info, id: str) -> dict[str, Any] | None:
    listing = sandbox_of(info).catalog.by_variant(id)
    return variant_view(listing, info) if listing else None


def product_variants(_: Any, info: Info, **args: Any) -> dict[str, Any]:
    views = [variant_view(listing, info) for listing in _listings(info, args.get("query"))]
    return page(views, lambda view: [view["_listing"].attributes["variant_id"]], args)


def inventory_item(_: Any, info: Info, id: str) -> dict[str, Any] | None:
    listing = sandbox_of(info).catalog.by_item(id)
    return item_view(listing) if listing else None


def inventory_items(_: Any, info: Info, **args: Any) -> dict[str, Any]:
    views = [item_view(listing) for listing in _listings(info, args.get("query"))]
    return page(views, lambda view: [view["_listing"].attributes["inventory_item_id"]], args)
