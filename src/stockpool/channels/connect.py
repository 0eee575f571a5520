"""The connector of a platform, built from a channel's connection (see domain/connections.py).
Each platform's package is imported when a channel on it is first connected: Amazon's SDK, for
one, changes the process's logging when it is imported."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from stockpool.domain.channels import Platform
from stockpool.domain.connections import Connection
from stockpool.domain.errors import InvalidRequest
from stockpool.services.ports.connectors import Connector


def connector(
    platform: Platform, connection: Connection, *, now: Callable[[], datetime]
) -> Connector:
    """The connector speaking to `platform` over `connection`; now: the wall clock."""
    credentials = connection.credentials
    if platform == Platform.SHOPIFY:
        from stockpool.channels.shopify.connector import ShopifyConnector

        return ShopifyConnector(connection.url, credentials, now=now)
    if platform == Platform.AMAZON:
        from stockpool.channels.amazon.connector import AmazonConnector

        if connection.token_url is None:
            raise InvalidRequest("An amazon connection needs token_url.")
        return AmazonConnector(credentials, connection.url, connection.token_url, now=now)
    if platform == Platform.WALMART:
        from stockpool.channels.walmart.connector import WalmartConnector

        return WalmartConnector(connection.url, credentials, wall=now)
    raise InvalidRequest(f"A {platform.value} channel has no platform to connect to.")
