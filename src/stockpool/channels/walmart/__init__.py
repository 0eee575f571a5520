"""The Walmart Marketplace (US) connector."""

from stockpool.channels.walmart.connector import WalmartConnector

__all__ = ["WalmartConnector"]
