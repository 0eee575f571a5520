"""Taking a shopper's order as production does: routed by domain.routing.route over what the
ledger says is available, and a shortfall settled by domain.conflicts.resolve - units taken from
lines cheaper to cancel, the rest cancelled with the channel.

The lab models no backorders: a marketplace line must ship on time, so its ship-by is the
moment it was placed and what no one covers is cancelled (conflicts.fallback_action).
"""

from __future__ import annotations

from dataclasses import dataclass

from stockpool.domain import conflicts, routing
from stockpool.domain.catalog import Location
from stockpool.domain.channels import Channel
from stockpool.domain.orders import OrderLine
from stockpool.sim.demand import Shopper, at
from stockpool.sim.stock import OpenLine, SkuStock


@dataclass(frozen=True, slots=True)
class Taken:
    """What became of an accepted order."""

    lines: tuple[OpenLine, ...]  # its units committed, per location
    short: int  # units it was accepted for that were not there: oversold
    cancelled: int  # of them, cancelled with its channel
    victims: tuple[tuple[OpenLine, int], ...]  # cheaper lines that gave it units, and how many
    found_missing: int  # of its short units, those the shelf lacked though the ledger had them


@dataclass(frozen=True, slots=True)
class Shop:
    """The setting orders are taken in: the channels and locations as production has them."""

    channels: tuple[Channel, ...]
    locations: tuple[Location, ...]
    serving: tuple[tuple[int, ...], ...]  # per channel: the locations serving it


def take_order(
    shop: Shop, stock: SkuStock, sku: str, shopper: Shopper, order_id: int, now: float
) -> Taken:
    """Commit a shopper's order where routing says; settle what is short."""
    channel = shop.channels[shopper.channel]
    available = {(sku, loc.code): stock.available[n] for n, loc in enumerate(shop.locations)}
    decision = routing.route([OrderLine(sku, shopper.quantity)], channel, shop.locations, available)
    placed = at(now)
    ref = conflicts.LineRef(
        order_id, 1, channel.code, f"{channel.code}-{order_id}", channel.cost, placed, placed
    )
    lines: dict[int, OpenLine] = {}
    short = missing = decision.short[0]
    for allocation in decision.allocations:
        n = _location_index(shop, allocation.location)
        found = stock.pick(n, allocation.units)
        short += found
        if allocation.units > found:
            lines[n] = OpenLine(ref, shopper.channel, n, allocation.units - found, shopper)
    victims: list[tuple[OpenLine, int]] = []
    cancelled = 0
    if short:
        victims, cancelled = _settle(shop, stock, ref, short, lines, shopper, now)
    stock.open.extend(lines.values())
    return Taken(tuple(lines.values()), short, cancelled, tuple(victims), short - missing)


def _settle(
    shop: Shop,
    stock: SkuStock,
    ref: conflicts.LineRef,
    short: int,
    lines: dict[int, OpenLine],
    shopper: Shopper,
    now: float,
) -> tuple[list[tuple[OpenLine, int]], int]:
    """conflicts.resolve decides who bears the shortfall: the units it takes move from the
    cheaper lines to this one; what stays short is cancelled."""
    serving = shop.serving[shopper.channel]
    holders = {
        (line.ref.order_id, line.location): line
        for line in stock.open
        if line.units and line.location in serving
    }
    holdings = [
        conflicts.Holding(line.ref, shop.locations[line.location].code, line.units)
        for line in holders.values()
    ]
    resolution = conflicts.resolve(ref, short, holdings, at(now))
    victims: list[tuple[OpenLine, int]] = []
    for take in resolution.takes:
        n = _location_index(shop, take.location)
        victim = holders[(take.line.order_id, n)]
        victim.units -= take.units
        victims.append((victim, take.units))
        own = lines.get(n)
        if own is None:
            own = lines[n] = OpenLine(ref, shopper.channel, n, 0, shopper)
        own.units += take.units
    return victims, resolution.still_short


def _location_index(shop: Shop, code: str) -> int:
    for n, location in enumerate(shop.locations):
        if location.code == code:
            return n
    raise KeyError(code)
