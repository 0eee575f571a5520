"""Channels: one connector package per platform (Shopify, Amazon, Walmart), each speaking the
platform's real API behind the connector Protocol the services define. The sandbox marketplaces
they are tested against live apart, in stockpool.sandbox."""
