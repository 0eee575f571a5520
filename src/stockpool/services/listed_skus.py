"""Orders whose lines name a channel's own SKUs: mapped to ours by their listings, or refused
with the SKUs reported as unmapped."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from stockpool.domain.errors import StockpoolError, UnmappedChannelSku
from stockpool.domain.orders import NewOrder
from stockpool.services.ports import UnitOfWork


def map_listed(
    uow: UnitOfWork, orders: Sequence[NewOrder], at: datetime
) -> tuple[list[NewOrder], dict[int, StockpoolError]]:
    """The orders with listed lines named by our SKUs, and (by position) those refused because a
    channel SKU they name has no listing; each such SKU is reported as seen unmapped."""
    wanted: dict[str, set[str]] = {}
    for order in orders:
        wanted.setdefault(order.channel, set()).update(order.listed())
    if not any(wanted.values()):
        return list(orders), {}
    mapping = {
        channel: uow.listings.map_channel_skus(channel, codes)
        for channel, codes in wanted.items()
        if codes and uow.channels.get(channel) is not None
    }
    mapped: list[NewOrder] = []
    refused: dict[int, StockpoolError] = {}
    sightings: dict[str, list[tuple[str, str]]] = {}
    for i, order in enumerate(orders):
        codes = order.listed()
        if not codes or order.channel not in mapping:
            mapped.append(order)  # nothing to map, or an unknown channel (refused later)
            continue
        skus = mapping[order.channel]
        missing = sorted({code for code in codes if code not in skus})
        if missing:
            refused[i] = UnmappedChannelSku(order.channel, missing)
            sightings.setdefault(order.channel, []).extend(
                (code, order.external_id) for code in missing
            )
            mapped.append(order)
        else:
            mapped.append(order.mapped(skus))
    for channel, seen in sightings.items():
        uow.listings.unmapped_seen(channel, seen, at)
    return mapped, refused
