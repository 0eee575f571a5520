"""Taking a shopper's order as production does: routed by domain.routing.route over what the
ledger says is available, each allocation picked; a pick that finds units missing writes only
those off and the line's short units are routed again over the locations serving its channel
(services.shortfalls.reroute); what no location has is settled by domain.conflicts.resolve -
units taken from lines cheaper to cancel (theirs cancelled), the rest cancelled with the channel.

The lab picks when it commits: an order's units are committed and picked at the moment it is
accepted, so ingest, a short pick and its reroute happen together, and the line is settled once
for all its short units, as services.shortfalls.settle would settle it after each.

The lab models no backorders: a marketplace line must ship on time, so its ship-by is the
moment it was placed; no incoming purchase order lands by then (conflicts.landing_in_time) and
what no one covers is cancelled (conflicts.fallback_action).
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
    short: int  # units it was accepted for that no location had: settled by conflicts.resolve
    cancelled: int  # of them, cancelled with its channel
    victims: tuple[tuple[OpenLine, int], ...]  # cheaper lines that gave it units, and how many
    short_at_picking: int  # of its short units, those a pick found missing
    found_missing: int  # units its picks found missing though the ledger had them: written off
    rerouted: int  # units committed again, where routing found some, after a short pick


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
    placed = at(now)
    ref = conflicts.LineRef(
        order_id, 1, channel.code, f"{channel.code}-{order_id}", channel.cost, placed, placed
    )
    lines: dict[int, OpenLine] = {}
    unrouted, lacking, _ = _commit(shop, stock, sku, shopper.quantity, lines, ref, shopper)
    found = picked_short = rerouted = 0
    while lacking:
        # A short pick: the missing units were written off where they were missing
        # (SkuStock.pick) and the line's short units are routed again, as
        # services.shortfalls.reroute does, until routing finds none or the picks find all.
        found += lacking
        more, lacking, picked = _commit(shop, stock, sku, lacking, lines, ref, shopper)
        picked_short += more
        rerouted += picked
    short = unrouted + picked_short
    victims: list[tuple[OpenLine, int]] = []
    cancelled = 0
    if short:
        victims, cancelled = _settle(shop, stock, ref, short, lines, shopper, now)
    stock.open.extend(lines.values())
    return Taken(
        tuple(lines.values()), short, cancelled, tuple(victims), picked_short, found, rerouted
    )


def _commit(
    shop: Shop,
    stock: SkuStock,
    sku: str,
    units: int,
    lines: dict[int, OpenLine],
    ref: conflicts.LineRef,
    shopper: Shopper,
) -> tuple[int, int, int]:
    """Route units of the line over what the ledger has available where, and pick each
    allocation: the units picked join the line there. The units routing found nowhere, those
    the picks found missing, and those picked."""
    channel = shop.channels[shopper.channel]
    available = {(sku, loc.code): stock.available[n] for n, loc in enumerate(shop.locations)}
    decision = routing.route([OrderLine(sku, units)], channel, shop.locations, available)
    lacking = picked = 0
    for allocation in decision.allocations:
        n = _location_index(shop, allocation.location)
        missing = stock.pick(n, allocation.units)
        lacking += missing
        if allocation.units > missing:
            picked += allocation.units - missing
            _join(lines, n, allocation.units - missing, ref, shopper)
    return decision.short[0], lacking, picked


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
    cheaper lines to this one (they are cancelled for them: their ship-by, the moment they were
    placed, is past - conflicts.fallback_action); what stays short is cancelled."""
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
        _join(lines, n, take.units, ref, shopper)
    return victims, resolution.still_short


def _join(
    lines: dict[int, OpenLine], n: int, units: int, ref: conflicts.LineRef, shopper: Shopper
) -> None:
    """Units committed to the line at location n."""
    own = lines.get(n)
    if own is None:
        own = lines[n] = OpenLine(ref, shopper.channel, n, 0, shopper)
    own.units += units


def _location_index(shop: Shop, code: str) -> int:
    for n, location in enumerate(shop.locations):
        if location.code == code:
            return n
    raise KeyError(code)
