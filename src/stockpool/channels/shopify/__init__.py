"""The Shopify connector: Admin GraphQL for stock, catalogue and the orders backfill; webhooks
for orders as they happen."""

from stockpool.channels.shopify.connector import ShopifyConnector

__all__ = ["ShopifyConnector"]
