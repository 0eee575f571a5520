"""The Amazon connector: Selling Partner API through Amazon's own SDK (`spapi`)."""

from stockpool.channels.amazon.connector import AmazonConnector

__all__ = ["AmazonConnector"]
