"""Walmart Marketplace (US) sandbox: token, inventory, bulk inventory feeds and purchase orders."""

from stockpool.sandbox.walmart.sandbox import WalmartSandbox

__all__ = ["WalmartSandbox"]
