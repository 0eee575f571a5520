"""A local Amazon Selling Partner API: LWA tokens, Listings Items, JSON listings feeds, Orders."""

from stockpool.sandbox.amazon.sandbox import AmazonSandbox

__all__ = ["AmazonSandbox"]
