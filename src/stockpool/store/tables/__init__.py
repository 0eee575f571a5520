"""The tables, by area, on one MetaData. The ledger is the truth and append-only; balances are
its materialised sum."""

from stockpool.store.tables.availability import (
    availability,
    availability_revision,
    channel_policies,
    channel_sync,
    demand,
    listings,
    sku_policies,
    sync_feeds,
    sync_outbox,
    unmapped_listings,
)
from stockpool.store.tables.base import LedgerId, OrderId, UtcDateTime, metadata
from stockpool.store.tables.incoming import bundle_components, inbound, inbound_promises
from stockpool.store.tables.orders import (
    allocations,
    channel_connections,
    channels,
    conflicts,
    order_lines,
    orders,
    reservation_holds,
    reservations,
    webhook_events,
)
from stockpool.store.tables.stock import (
    api_keys,
    balances,
    idempotency_keys,
    ledger,
    location_channels,
    locations,
    skus,
)

__all__ = [
    "LedgerId",
    "OrderId",
    "UtcDateTime",
    "allocations",
    "api_keys",
    "availability",
    "availability_revision",
    "balances",
    "bundle_components",
    "channel_connections",
    "channel_policies",
    "channel_sync",
    "channels",
    "conflicts",
    "demand",
    "idempotency_keys",
    "inbound",
    "inbound_promises",
    "ledger",
    "listings",
    "location_channels",
    "locations",
    "metadata",
    "order_lines",
    "orders",
    "reservation_holds",
    "reservations",
    "sku_policies",
    "skus",
    "sync_feeds",
    "sync_outbox",
    "unmapped_listings",
    "webhook_events",
]
