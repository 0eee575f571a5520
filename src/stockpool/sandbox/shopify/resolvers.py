"""Resolvers of the Admin GraphQL slice: each reads the sandbox from `info.context`, so one
schema per generation serves every sandbox. Execution runs with the sandbox lock held."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError, GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema
from graphql.execution.values import get_directive_values

from stockpool.sandbox.shelf import Listing
from stockpool.sandbox.shopify import search
from stockpool.sandbox.shopify.catalog import NAMES, Location, gid, gid_number
from stockpool.sandbox.shopify.inventory import adjust_quantities, set_quantities
from stockpool.sandbox.shopify.orders import graphql_time, line_view, order_view
from stockpool.sandbox.shopify.paging import bad_request, connection
from stockpool.sandbox.shopify.schema import (
    ApiVersion,
    Generation,
    SchemaBroken,
    schema_for,
)

if TYPE_CHECKING:
    from stockpool.sandbox.shopify.sandbox import ShopifySandbox

Resolver = Callable[..., Any]


@dataclass(slots=True)
class Context:
    sandbox: ShopifySandbox
    version: ApiVersion


Info = GraphQLResolveInfo[Context]


def _sandbox(info: Info) -> ShopifySandbox:
    context: Context = info.context
    return context.sandbox


def _page(
    items: list[Any], key: Callable[[Any], list[Any]], args: dict[str, Any]
) -> dict[str, Any]:
    return connection(
        items,
        key,
        first=args.get("first"),
        after=args.get("after"),
        last=args.get("last"),
        before=args.get("before"),
        reverse=bool(args.get("reverse")),
    )


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
        "inventoryQuantity": _sandbox(info).catalog.quantities(listing)["available"],
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


def _level_of(info: Info, listing: Listing, location_id: str) -> dict[str, Any] | None:
    catalog = _sandbox(info).catalog
    location = catalog.location(location_id)
    if location is None or not catalog.stocked(listing, location):
        return None
    return level_view(listing, location)


def _sku_matcher(listing: Listing, term: search.Term) -> bool | None:
    if term.field in ("sku", None):
        return search.text_matches(listing.sku, term)
    return None


def _order_matcher(order: dict[str, Any], term: search.Term) -> bool | None:
    if term.field in ("created_at", "updated_at", "processed_at"):
        moment = search.parse_time(order[term.field])
        return None if moment is None else search.time_matches(moment, term)
    if term.field == "sku":
        return any(search.text_matches(line["sku"], term) for line in order["line_items"])
    if term.field == "name":
        return search.text_matches(order["name"], term) or search.text_matches(
            order["name"].lstrip("#"), term
        )
    if term.field == "financial_status":
        return search.text_matches(order["financial_status"], term)
    if term.field == "status":
        state = "cancelled" if order["cancelled_at"] else "open"
        return term.value.lower() == "any" or search.text_matches(state, term)
    if term.field == "id":
        return search.text_matches(str(order["id"]), term)
    return None


_ORDER_SORT: dict[str, Callable[[dict[str, Any]], list[Any]]] = {
    "ID": lambda order: [order["id"]],
    "CREATED_AT": lambda order: [order["created_at"], order["id"]],
    "UPDATED_AT": lambda order: [order["updated_at"], order["id"]],
    "PROCESSED_AT": lambda order: [order["processed_at"], order["id"]],
    "NUMBER": lambda order: [order["order_number"], order["id"]],
}


# -- QueryRoot --------------------------------------------------------------------------------


def shop(_: Any, info: Info) -> dict[str, Any]:
    domain = _sandbox(info).credentials["shop_domain"]
    return {
        "id": gid("Shop", 60_000_000_001),
        "name": "stockpool sandbox",
        "myshopifyDomain": domain,
        "currencyCode": "USD",
        "ianaTimezone": "Etc/UTC",
    }


def location(_: Any, info: Info, id: str | None = None) -> dict[str, Any] | None:
    catalog = _sandbox(info).catalog
    found = catalog.primary if id is None else catalog.location(id)
    return location_view(found) if found else None


def locations(_: Any, info: Info, **args: Any) -> dict[str, Any]:
    catalog = _sandbox(info).catalog
    shown = [item for item in catalog.locations if item.active or args.get("includeInactive")]
    views = [location_view(item) for item in shown]
    return _page(views, lambda view: [view["_location"].number], args)


def _listings(info: Info, query: str | None) -> list[Listing]:
    wanted = search.parse(query)
    return [
        listing
        for listing in _sandbox(info).catalog.listings()
        if search.matches(listing, wanted, _sku_matcher)
    ]


def product_variant(_: Any, info: Info, id: str) -> dict[str, Any] | None:
    listing = _sandbox(info).catalog.by_variant(id)
    return variant_view(listing, info) if listing else None


def product_variants(_: Any, info: Info, **args: Any) -> dict[str, Any]:
    views = [variant_view(listing, info) for listing in _listings(info, args.get("query"))]
    return _page(views, lambda view: [view["_listing"].attributes["variant_id"]], args)


def inventory_item(_: Any, info: Info, id: str) -> dict[str, Any] | None:
    listing = _sandbox(info).catalog.by_item(id)
    return item_view(listing) if listing else None


def inventory_items(_: Any, info: Info, **args: Any) -> dict[str, Any]:
    views = [item_view(listing) for listing in _listings(info, args.get("query"))]
    return _page(views, lambda view: [view["_listing"].attributes["inventory_item_id"]], args)


def inventory_level(_: Any, info: Info, id: str) -> dict[str, Any] | None:
    location_number = gid_number(id, "InventoryLevel")
    item = id.partition("inventory_item_id=")[2] if isinstance(id, str) else ""
    if location_number is None or not item.isdigit():
        return None
    listing = _sandbox(info).catalog.by_item(gid("InventoryItem", int(item)))
    return _level_of(info, listing, gid("Location", location_number)) if listing else None


def order(_: Any, info: Info, id: str) -> dict[str, Any] | None:
    number = gid_number(id, "Order")
    found = _sandbox(info).order_book.get(number) if number is not None else None
    return order_view(found) if found else None


def orders(_: Any, info: Info, **args: Any) -> dict[str, Any]:
    wanted = search.parse(args.get("query"))
    chosen = [
        view
        for view in map(order_view, _sandbox(info).orders)
        if search.matches(view["_order"], wanted, _order_matcher)
    ]
    key = _ORDER_SORT[args.get("sortKey") or "ID"]
    return _page(chosen, lambda view: key(view["_order"]), args)


def webhook_subscription(_: Any, info: Info, id: str) -> dict[str, Any] | None:
    number = gid_number(id, "WebhookSubscription")
    found = _sandbox(info).webhooks.subscriptions.get(number) if number is not None else None
    return found.view() if found else None


def webhook_subscriptions(_: Any, info: Info, **args: Any) -> dict[str, Any]:
    topics = args.get("topics")
    url = args.get("callbackUrl")
    chosen = [
        item.view()
        for item in _sandbox(info).webhooks.subscriptions.values()
        if (topics is None or item.topic in topics) and (url is None or item.callback_url == url)
    ]
    return _page(chosen, lambda view: [int(view["legacyResourceId"])], args)


# -- Mutation ---------------------------------------------------------------------------------


def _idempotent(
    info: Info, arguments: dict[str, Any], run: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """Run a mutation under its `@idempotent(key:)`: a repeated key replays the first answer,
    a repeated key with other arguments is refused."""
    context: Context = info.context
    directive = info.schema.get_directive("idempotent")
    values = (
        get_directive_values(directive, info.field_nodes[0], info.variable_values)
        if directive is not None
        else None
    )
    if values is None:
        if context.version.idempotency_required:
            raise GraphQLError(
                f"The @idempotent directive is required for {info.field_name} from API version "
                '2026-04: add @idempotent(key: "<a UUID>") to the mutation field.',
                extensions={"code": "BAD_REQUEST"},
            )
        return run()
    key = values["key"]
    if not key:
        raise bad_request("The idempotency key can't be blank.")
    fingerprint = json.dumps([info.field_name, arguments], sort_keys=True, default=str)
    store = context.sandbox.idempotency
    remembered = store.get(key)
    if remembered is None:
        result = run()
        store[key] = (fingerprint, result)
        return result
    if remembered[0] != fingerprint:
        return {
            "inventoryAdjustmentGroup": None,
            "userErrors": [
                {
                    "field": None,
                    "message": "The same idempotency key cannot be used with different operation parameters.",
                    "code": "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
                }
            ],
        }
    return remembered[1]


def inventory_set_quantities(_: Any, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    context: Context = info.context
    sandbox = context.sandbox
    return _idempotent(
        info,
        {"input": input},
        lambda: set_quantities(sandbox.catalog, sandbox.groups, input, context.version.generation),
    )


def inventory_adjust_quantities(_: Any, info: Info, input: dict[str, Any]) -> dict[str, Any]:
    context: Context = info.context
    sandbox = context.sandbox
    return _idempotent(
        info,
        {"input": input},
        lambda: adjust_quantities(
            sandbox.catalog, sandbox.groups, input, context.version.generation
        ),
    )


def webhook_subscription_create(
    _: Any, info: Info, topic: str, webhookSubscription: dict[str, Any]
) -> dict[str, Any]:
    context: Context = info.context
    url = webhookSubscription.get("callbackUrl") or webhookSubscription.get("uri")
    created, errors = context.sandbox.webhooks.subscribe(
        topic,
        url,
        webhookSubscription.get("format") or "JSON",
        context.sandbox.credentials["api_version"],
    )
    return {"webhookSubscription": created.view() if created else None, "userErrors": errors}


def webhook_subscription_delete(_: Any, info: Info, id: str) -> dict[str, Any]:
    if _sandbox(info).webhooks.unsubscribe(gid_number(id, "WebhookSubscription")):
        return {"deletedWebhookSubscriptionId": id, "userErrors": []}
    return {
        "deletedWebhookSubscriptionId": None,
        "userErrors": [{"field": ["id"], "message": "Webhook subscription does not exist"}],
    }


# -- fields of objects ------------------------------------------------------------------------


def _quantities(level: dict[str, Any], info: Info, names: list[str]) -> list[dict[str, Any]]:
    unknown = [name for name in names if name not in NAMES]
    if unknown:
        raise GraphQLError(
            f"Invalid quantity names: {', '.join(unknown)}. Valid names: {', '.join(NAMES)}.",
            extensions={"code": "BAD_REQUEST"},
        )
    named = _sandbox(info).catalog.quantities(level["_listing"])
    return [
        {
            "id": f"{level['id']}&name={name}",
            "name": name,
            "quantity": named[name],
            "updatedAt": level["updatedAt"],
        }
        for name in names
    ]


def _levels(parent: dict[str, Any], info: Info, **args: Any) -> dict[str, Any]:
    catalog = _sandbox(info).catalog
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
    return _page(
        levels,
        lambda view: [view["_location"].number, view["_listing"].attributes["inventory_item_id"]],
        args,
    )


def _changes(group: dict[str, Any], info: Info, **args: Any) -> list[dict[str, Any]]:
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


def _line_items(order: dict[str, Any], info: Info, **args: Any) -> dict[str, Any]:
    lines = [line_view(line) for line in order["_order"]["line_items"]]
    return _page(lines, lambda view: [view["_line"]["id"]], args)


def _line_variant(line: dict[str, Any], info: Info) -> dict[str, Any] | None:
    listing = _sandbox(info).catalog.by_variant(gid("ProductVariant", line["_line"]["variant_id"]))
    return variant_view(listing, info) if listing else None


def _refunds(order: dict[str, Any], info: Info, first: int | None = None) -> list[dict[str, Any]]:
    refunds = order["_order"]["refunds"]
    return [
        {
            "id": refund["admin_graphql_api_id"],
            "legacyResourceId": str(refund["id"]),
            "createdAt": graphql_time(refund["created_at"]),
            "_refund": refund,
        }
        for refund in refunds[: first if first is not None else len(refunds)]
    ]


def _refund_lines(refund: dict[str, Any], info: Info, **args: Any) -> dict[str, Any]:
    lines = [
        {
            "lineItem": line_view(item["line_item"]),
            "quantity": item["quantity"],
            "restockType": item["restock_type"].upper(),
            "restocked": item["restock_type"] != "no_restock",
            "_id": item["id"],
        }
        for item in refund["_refund"]["refund_line_items"]
    ]
    return _page(lines, lambda view: [view["_id"]], args)


RESOLVERS: dict[str, dict[str, Resolver]] = {
    "QueryRoot": {
        "shop": shop,
        "location": location,
        "locations": locations,
        "productVariant": product_variant,
        "productVariants": product_variants,
        "inventoryItem": inventory_item,
        "inventoryItems": inventory_items,
        "inventoryLevel": inventory_level,
        "order": order,
        "orders": orders,
        "webhookSubscription": webhook_subscription,
        "webhookSubscriptions": webhook_subscriptions,
    },
    "Mutation": {
        "inventorySetQuantities": inventory_set_quantities,
        "inventoryAdjustQuantities": inventory_adjust_quantities,
        "webhookSubscriptionCreate": webhook_subscription_create,
        "webhookSubscriptionDelete": webhook_subscription_delete,
    },
    "ProductVariant": {"inventoryItem": lambda variant, info: item_view(variant["_listing"])},
    "InventoryItem": {
        "variant": lambda item, info: variant_view(item["_listing"], info),
        "inventoryLevel": lambda item, info, locationId: _level_of(
            info, item["_listing"], locationId
        ),
        "inventoryLevels": _levels,
    },
    "Location": {
        "inventoryLevel": lambda place, info, inventoryItemId: _location_level(
            place, info, inventoryItemId
        ),
        "inventoryLevels": _levels,
    },
    "InventoryLevel": {
        "item": lambda level, info: item_view(level["_listing"]),
        "location": lambda level, info: location_view(level["_location"]),
        "quantities": lambda level, info, names: _quantities(level, info, names),
    },
    "InventoryChange": {
        "item": lambda change, info: item_view(change["_listing"]),
        "location": lambda change, info: location_view(change["_location"]),
    },
    "InventoryAdjustmentGroup": {"changes": _changes},
    "Order": {"lineItems": _line_items, "refunds": _refunds},
    "LineItem": {"variant": _line_variant},
    "Refund": {"refundLineItems": _refund_lines},
}


def _location_level(place: dict[str, Any], info: Info, item_id: str) -> dict[str, Any] | None:
    listing = _sandbox(info).catalog.by_item(item_id)
    return _level_of(info, listing, place["id"]) if listing else None


def bind(schema: GraphQLSchema) -> GraphQLSchema:
    """Attach the resolvers to a freshly built schema (once per generation)."""
    for type_name, fields in RESOLVERS.items():
        owner = schema.get_type(type_name)
        if not isinstance(owner, GraphQLObjectType):
            raise SchemaBroken(
                f"RESOLVERS names {type_name}, which is no object type of the schema."
            )
        for field_name, resolve in fields.items():
            owner.fields[field_name].resolve = resolve
    return schema


@cache
def bound_schema(generation: Generation) -> GraphQLSchema:
    return bind(schema_for(generation))
