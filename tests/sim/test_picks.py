"""A pick that finds units missing is a conflict, settled as production settles one: only the
missing units are written off, the line's short units are routed again (another location that
has them), else conflicts.resolve takes them from a line cheaper to cancel - and only a line
actually cancelled is an oversold order, on its own channel."""

from __future__ import annotations

from stockpool.domain import conflicts, routing
from stockpool.domain.catalog import Location, LocationKind
from stockpool.domain.channels import Channel, Platform
from stockpool.sim.demand import Shopper, at
from stockpool.sim.fulfilment import Shop, take_order
from stockpool.sim.run import Lab, draw
from stockpool.sim.stock import OpenLine, SkuStock
from stockpool.sim.strategies import strategy
from tests.sim.conftest import scenario

SHOPIFY, AMAZON = 0, 1


def shop(locations: int) -> Shop:
    return Shop(
        (Channel("shopify", Platform.SHOPIFY), Channel("amazon", Platform.AMAZON)),
        tuple(
            Location(f"WH-{n + 1}", LocationKind.WAREHOUSE, priority=n) for n in range(locations)
        ),
        (tuple(range(locations)), tuple(range(locations))),
    )


def shopper(channel: int, quantity: int, time: float = 3600.0) -> Shopper:
    return Shopper(time, 0, channel, quantity, None, True)


def test_a_short_pick_is_filled_from_another_location(monkeypatch) -> None:
    """WH-1 (routed first) holds 3 in the ledger but none on the shelf; WH-2 holds 4. The pick
    at WH-1 finds the 2 units missing: those 2 are written off (the third missing one stays in
    the ledger until found), and routing commits the line at WH-2. Nobody is cancelled."""
    calls = {"route": 0, "resolve": 0}
    for module, name in ((routing, "route"), (conflicts, "resolve")):
        real = getattr(module, name)

        def counted(*args, _real=real, _name=name, **kwargs):
            calls[_name] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(module, name, counted)
    stock = SkuStock(available=[3, 4], missing=[3, 0])
    taken = take_order(shop(2), stock, "SKU-1", shopper(AMAZON, 2), 1, 3600.0)
    assert [(line.location, line.units) for line in taken.lines] == [(1, 2)]
    assert (taken.short, taken.cancelled, taken.victims) == (0, 0, ())
    assert (taken.found_missing, taken.rerouted) == (2, 2)
    assert stock.written_off == 2
    assert (stock.available, stock.missing) == ([1, 2], [1, 0])
    assert calls == {"route": 2, "resolve": 0}  # routed, routed again; no conflict to settle


def test_a_short_pick_no_location_covers_cancels_the_cheaper_channels_line() -> None:
    """One location, its last unit gone missing unseen and a Shopify order holding another. An
    Amazon order is accepted for the phantom unit: the pick finds it missing, no location has
    one, and conflicts.resolve gives the Amazon line the Shopify line's unit (Shopify costs less
    to cancel). The Shopify order is the oversold one; the Amazon order ships."""
    single = scenario(
        channels=[
            {"code": "shopify", "platform": "shopify", "demand_share": 1},
            {"code": "amazon", "platform": "amazon", "demand_share": 1},
        ],
        catalog={"skus": 1, "demand_per_day": 1, "stock": 1},
    )
    lab = Lab(single, draw(single, 1), strategy("stockpool", single), None)
    placed = at(600.0)
    held = OpenLine(
        conflicts.LineRef(99, 1, "shopify", "shopify-99", shop(1).channels[0].cost, placed, placed),
        SHOPIFY,
        0,
        1,
        shopper(SHOPIFY, 1, 600.0),
    )
    stock = lab.stock[0] = SkuStock(available=[1], missing=[1], open=[held])
    lab._take(shopper(AMAZON, 1))
    (line,) = [line for line in stock.open if line.channel == AMAZON]
    assert line.units == 1 and held.units == 0 and held.cancelled
    assert stock.written_off == 1 and stock.available == [0] and stock.missing == [0]
    shopify, amazon = lab.tally
    assert (shopify.oversold_orders, shopify.oversold_at_picking, shopify.cancellations) == (
        1,
        1,
        1,
    )
    assert (amazon.oversold_orders, amazon.cancellations) == (0, 0)
    assert lab.extras["short_at_picking"] == 1 and lab.extras["rerouted"] == 0
