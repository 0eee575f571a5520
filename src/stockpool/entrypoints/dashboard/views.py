"""What the pages show, read through the services (each a few indexed queries)."""

from __future__ import annotations

from typing import Any

from stockpool.bootstrap import Container
from stockpool.domain.states import ALL_STATES
from stockpool.entrypoints.dashboard.charts import hour_bars

CONFLICTS_SHOWN = 100
ALERTS_SHOWN = 20


def overview_numbers(container: Container) -> dict[str, Any]:
    """Everything the overview shows: the pool, and its status (below)."""
    return pool_numbers(container) | status_numbers(container)


def pool_numbers(container: Container) -> dict[str, Any]:
    """The units per state across the pool (refreshed as stock moves)."""
    return {"states": [s.value for s in ALL_STATES], "pool": container.ledger.pool_totals()}


def status_numbers(container: Container) -> dict[str, Any]:
    """Orders per channel per hour, conflicts waiting, each channel's sync health, open alerts
    (refreshed every few seconds: they change with no stock movement to say so)."""
    waiting = container.conflicts.list(status="proposed", limit=CONFLICTS_SHOWN)
    channels = container.channels.list()
    orders = container.orders.per_hour(container.clock())
    return {
        "orders": orders,
        "order_bars": {channel: hour_bars(counts) for channel, counts in orders.channels.items()},
        "conflicts_waiting": len(waiting),
        "conflicts_more": len(waiting) == CONFLICTS_SHOWN,
        "health": [container.sync.health(c.code) for c in channels],
        "alerts": container.alerting.alerts.list(status="open", limit=ALERTS_SHOWN),
    }


def sku_numbers(container: Container, code: str) -> dict[str, Any]:
    """A SKU's stock per location and state (UnknownSku when there is no such SKU)."""
    return {
        "code": code,
        "states": [s.value for s in ALL_STATES],
        "stock": container.catalog.stock(code),
    }
