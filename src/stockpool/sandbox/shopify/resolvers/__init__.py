"""Resolvers of the Admin GraphQL slice, one module a resource: each reads the sandbox from
`info.context`, so one schema per generation serves every sandbox. Execution runs with the
sandbox lock held."""

from __future__ import annotations

from functools import cache

from graphql import GraphQLObjectType, GraphQLSchema

from stockpool.sandbox.shopify.resolvers import catalog, inventory, orders, webhooks
from stockpool.sandbox.shopify.resolvers.catalog import item_view, location_view, variant_view
from stockpool.sandbox.shopify.resolvers.context import Resolver
from stockpool.sandbox.shopify.schema import SchemaBroken, schema_for
from stockpool.sandbox.shopify.versions import Generation

RESOLVERS: dict[str, dict[str, Resolver]] = {
    "QueryRoot": {
        "shop": catalog.shop,
        "location": catalog.location,
        "locations": catalog.locations,
        "productVariant": catalog.product_variant,
        "productVariants": catalog.product_variants,
        "inventoryItem": catalog.inventory_item,
        "inventoryItems": catalog.inventory_items,
        "inventoryLevel": inventory.inventory_level,
        "order": orders.order,
        "orders": orders.orders,
        "refund": orders.refund,
        "webhookSubscription": webhooks.webhook_subscription,
        "webhookSubscriptions": webhooks.webhook_subscriptions,
    },
    "Mutation": {
        "inventorySetQuantities": inventory.inventory_set_quantities,
        "inventoryAdjustQuantities": inventory.inventory_adjust_quantities,
        "webhookSubscriptionCreate": webhooks.webhook_subscription_create,
        "webhookSubscriptionDelete": webhooks.webhook_subscription_delete,
        "orderCancel": orders.order_cancel,
    },
    "ProductVariant": {"inventoryItem": lambda variant, info: item_view(variant["_listing"])},
    "InventoryItem": {
        "variant": lambda item, info: variant_view(item["_listing"], info),
        "inventoryLevel": lambda item, info, locationId: inventory.level_of(
            info, item["_listing"], locationId
        ),
        "inventoryLevels": inventory.inventory_levels,
    },
    "Location": {
        "inventoryLevel": lambda place, info, inventoryItemId: inventory.location_level(
            place, info, inventoryItemId
        ),
        "inventoryLevels": inventory.inventory_levels,
    },
    "InventoryLevel": {
        "item": lambda level, info: item_view(level["_listing"]),
        "location": lambda level, info: location_view(level["_location"]),
        "quantities": lambda level, info, names: inventory.level_quantities(level, info, names),
    },
    "InventoryChange": {
        "item": lambda change, info: item_view(change["_listing"]),
        "location": lambda change, info: location_view(change["_location"]),
    },
    "InventoryAdjustmentGroup": {"changes": inventory.adjustment_changes},
    "Order": {"lineItems": orders.order_line_items, "refunds": orders.order_refunds},
    "LineItem": {"variant": orders.line_variant},
    "Refund": {"refundLineItems": orders.refund_line_items, "order": orders.refund_order},
}


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
