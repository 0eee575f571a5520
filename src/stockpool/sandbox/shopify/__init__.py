"""Shopify sandbox: Admin GraphQL (inventory, orders, webhooks), cost throttle, signed webhooks."""

from stockpool.sandbox.shopify.sandbox import ShopifySandbox

__all__ = ["ShopifySandbox"]
