"""One strategy's run over a scenario: shoppers order against what their channel shows; every
stock change is decided again by the production availability decision (domain.stock_groups.
grouped, then domain.availability.advertise, as the services' Decider does) and pushed to each
channel whose number moved, landing after that channel's delay.

The shoppers, shrinkage and delays are drawn once per scenario and seed (Draws) and replayed
for every strategy: common random numbers, so strategies differ only by their decisions.

The decision is given what production would know: demand measured from the orders, and the
shrink rate measured from the warehouse's own counts (what they found missing, and when) with the
hours since each SKU's last count (sim.stock.SkuStock.shrinkage). measure_shrinkage=False leaves
that out, as before counts measured it: to show what it is worth.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from stockpool.domain import availability, stock_groups
from stockpool.domain.catalog import Location, LocationKind
from stockpool.domain.channel_facts import ChannelFacts
from stockpool.domain.channels import Channel
from stockpool.domain.demand import Rate, decayed, used, with_sale
from stockpool.domain.shrinkage import LocationShrinkage
from stockpool.sim.demand import EPOCH, HOUR, Shopper, at, shoppers, shrinkage, sku_codes
from stockpool.sim.demand import sku_demand as demand_per_day
from stockpool.sim.events import EventLoop
from stockpool.sim.fulfilment import Shop, take_order
from stockpool.sim.metrics import ChannelTally, RunResult, channel_result
from stockpool.sim.propagation import Propagation
from stockpool.sim.scenario import Scenario
from stockpool.sim.stock import OpenLine, SkuStock
from stockpool.sim.strategies import Strategy

# Settings' defaults for measured demand (demand_half_life_hours, demand_floor_per_day).
HALF_LIFE_HOURS = 72.0
FLOOR_PER_HOUR = 0.5 / 24
STALE_AFTER = 900.0  # Settings' sync_stale_seconds: a channel's sync is stale after this long
PROGRESS_EVERY = 1000  # shoppers between progress reports

Progress = Callable[[int], None]  # told how many more shoppers were handled


@dataclass(frozen=True, slots=True)
class Draws:
    """Everything random a run replays, drawn once per scenario and seed (or read from a real
    order history: sim.backtest)."""

    seed: int
    shoppers: tuple[Shopper, ...]
    shrinkage: tuple[tuple[float, int], ...]
    demand: tuple[float, ...]  # each SKU's units a day (what its history measured)
    # Each SKU's units per location at the start, when known (a backtest's stock file); else
    # the catalog's stock or stock_days, split by the locations' stock shares.
    stock: tuple[tuple[int, ...], ...] | None = None


def draw(scenario: Scenario, seed: int) -> Draws:
    return Draws(
        seed,
        tuple(shoppers(scenario, seed)),
        tuple(shrinkage(scenario, seed)),
        tuple(demand_per_day(scenario, seed)),
    )


def simulate(
    scenario: Scenario,
    draws: Draws,
    strategy: Strategy,
    progress: Progress | None = None,
    *,
    measure_shrinkage: bool = True,
) -> RunResult:
    """Run one strategy over the scenario's draws."""
    started = time.perf_counter()
    lab = Lab(scenario, draws, strategy, progress, measure_shrinkage=measure_shrinkage)
    lab.loop.run(scenario.hours * HOUR)
    return RunResult(
        strategy.name,
        tuple(
            channel_result(strategy.name, spec.code, spec.platform, tally)
            for spec, tally in zip(scenario.channels, lab.tally, strict=True)
        ),
        events=lab.loop.handled,
        seconds=time.perf_counter() - started,
        extras=dict(lab.extras),
    )


def _initial(scenario: Scenario, units: int) -> list[int]:
    """Units split over the locations by their stock share; what rounding leaves, to the
    location with the largest share."""
    shares = [loc.stock_share for loc in scenario.locations]
    split = [math.floor(units * s / sum(shares)) for s in shares]
    split[shares.index(max(shares))] += units - sum(split)
    return split


class Lab:
    """The state of one run, and what each event does to it."""

    def __init__(
        self,
        scenario: Scenario,
        draws: Draws,
        strategy: Strategy,
        progress: Progress | None,
        *,
        measure_shrinkage: bool = True,
    ) -> None:
        self.scenario, self.draws, self._progress = scenario, draws, progress
        self.measure_shrinkage = measure_shrinkage
        self.codes = scenario.channel_codes()
        self.skus = sku_codes(scenario)
        locations = tuple(
            Location(loc.code, LocationKind.WAREHOUSE, channels=frozenset(loc.channels), priority=n)
            for n, loc in enumerate(scenario.locations)
        )
        self.serves = tuple(frozenset(loc.channels or self.codes) for loc in scenario.locations)
        self.shop = Shop(
            tuple(Channel(c.code, c.platform) for c in scenario.channels),
            locations,
            tuple(
                tuple(n for n, served in enumerate(self.serves) if code in served)
                for code in self.codes
            ),
        )
        self.rules = strategy.rules(scenario)
        self.propagation = Propagation(scenario, draws.seed)
        self.lags = tuple(self.propagation.mean_delay(c) for c in range(len(self.codes)))
        self._stale_windows = tuple(
            tuple(
                (o.start_hours * HOUR + STALE_AFTER, o.end_hours * HOUR)
                for o in spec.outages
                if (o.end_hours - o.start_hours) * HOUR > STALE_AFTER
            )
            for spec in scenario.channels
        )
        self.loop = EventLoop()
        self.tally = [ChannelTally() for _ in self.codes]
        self.extras = {
            "returns": 0,
            "restocked": 0,
            "short_at_picking": 0,  # units picks found missing, written off there
            "rerouted": 0,  # of them, units committed again where routing found some
            "damaged": 0,
            "found_missing": 0,
            "receipts": 0,
            "received_units": 0,
        }
        # What counts found at each location, over every SKU (the prior of each SKU's rate).
        self.location_counts = [LocationShrinkage() for _ in scenario.locations]
        self._orders = 0
        self._handled = 0
        self._setup_stock()
        self._schedule()

    def _setup_stock(self) -> None:
        catalog = self.scenario.catalog
        total_share = sum(c.demand_share for c in self.scenario.channels)
        self.stock: list[SkuStock] = []
        self.rates: list[list[Rate]] = []
        for sku, per_day in enumerate(self.draws.demand):
            units = catalog.stock if catalog.stock is not None else 0
            if catalog.stock_days is not None:
                units = math.ceil(catalog.stock_days * per_day)
            split = _initial(self.scenario, units)
            if self.draws.stock is not None:
                split = list(self.draws.stock[sku])
            self.stock.append(SkuStock(split, [0] * len(split)))
            self.rates.append(
                [
                    Rate(per_day * c.demand_share / total_share / 24, EPOCH)
                    for c in self.scenario.channels
                ]
            )
        count = len(self.skus)
        self.shown = [[0] * count for _ in self.codes]  # what each channel displays
        self.sent = [[0] * count for _ in self.codes]  # the last number pushed to it
        self.landing = [[0.0] * count for _ in self.codes]  # when that one lands
        for sku in range(count):  # in sync at the start
            numbers = self.decide(sku)
            for c, code in enumerate(self.codes):
                self.shown[c][sku] = self.sent[c][sku] = numbers[code]

    def _schedule(self) -> None:
        loop = self.loop
        for shopper in self.draws.shoppers:
            loop.at(shopper.time, self.shopper, shopper)
        for moment, sku in self.draws.shrinkage:
            loop.at(moment, self.shrink, sku)
        if self.scenario.shrinkage is not None:
            loop.at(self.scenario.shrinkage.count_every_hours * HOUR, self.count_all, None)

    def decide(self, sku: int) -> dict[str, int]:
        """Every channel's number for the SKU now, by the production decision."""
        stock = self.stock[sku]
        when = at(self.loop.now)
        measured = self.measure_shrinkage and stock.measured()
        places = [
            stock_groups.Place(
                loc.code,
                self.serves[n],
                stock.available[n],
                taken=stock.held(n, self.codes),
                shrink=stock.shrinkage(n, when) if measured else 0.0,
            )
            for n, loc in enumerate(self.shop.locations)
        ]
        groups = stock_groups.grouped(places, self.codes)
        facts = [
            ChannelFacts(
                code,
                self.rules[c],
                self._demand(sku, c, when),
                self.lags[c],
                self.shown[c][sku] if self.stale(c) else None,
            )
            for c, code in enumerate(self.codes)
        ]
        return availability.advertise(groups.units, facts, groups.taken, groups.shrink)

    def stale(self, channel: int) -> bool:
        """Whether production would judge the channel's sync stale now: an outage has kept its
        pushes from landing for STALE_AFTER (Settings' sync_stale_seconds). Its rivals then hold
        back what it still shows (ChannelFacts.exposure)."""
        now = self.loop.now
        return any(start <= now < end for start, end in self._stale_windows[channel])

    def _demand(self, sku: int, channel: int, when: datetime) -> float:
        measured = decayed(self.rates[sku][channel], when, HALF_LIFE_HOURS)
        return used(measured, FLOOR_PER_HOUR).units_per_hour

    def recompute(self, sku: int) -> None:
        """Decide the SKU again; push each number that moved, to land after its delay."""
        numbers = self.decide(sku)
        now = self.loop.now
        for c, code in enumerate(self.codes):
            number = numbers[code]
            if number != self.sent[c][sku]:
                self.sent[c][sku] = number
                landing = self.propagation.landing(c, now, self.landing[c][sku])
                self.landing[c][sku] = landing
                self.loop.at(landing, self.land, (c, sku, number))

    def land(self, pushed: tuple[int, int, int]) -> None:
        channel, sku, number = pushed
        self.shown[channel][sku] = number

    def shopper(self, shopper: Shopper) -> None:
        """A shopper on a channel orders against what it shows."""
        self._handled += 1
        if self._progress is not None and self._handled % PROGRESS_EVERY == 0:
            self._progress(PROGRESS_EVERY)
        c, sku, wanted = shopper.channel, shopper.sku, shopper.quantity
        tally = self.tally[c]
        tally.shoppers += 1
        tally.wanted_units += wanted
        pool = self.stock[sku].pool(self.shop.serving[c])
        shown = self.shown[c][sku]
        if pool > 0:
            tally.shown_share_total += min(shown, pool) / pool
            tally.shown_share_seen += 1
        if shown < wanted:
            if pool > 0:
                tally.lost_sales += 1
                tally.lost_units += wanted
            return
        self.shown[c][sku] = shown - wanted  # the platform takes the units off itself
        # As services.availability_recompute.queue_after_sales: what the platform is believed
        # to show is lowered by its own sale, unless a push still in flight will undo that.
        if self.landing[c][sku] <= self.loop.now:
            self.sent[c][sku] = max(0, self.sent[c][sku] - wanted)
        tally.orders += 1
        tally.ordered_units += wanted
        self.rates[sku][c] = with_sale(
            self.rates[sku][c], wanted, at(self.loop.now), HALF_LIFE_HOURS
        )
        self._take(shopper)
        self.reorder(sku)
        self.recompute(sku)

    def _take(self, shopper: Shopper) -> None:
        self._orders += 1
        taken = take_order(
            self.shop,
            self.stock[shopper.sku],
            self.skus[shopper.sku],
            shopper,
            self._orders,
            self.loop.now,
        )
        self.extras["short_at_picking"] += taken.found_missing
        self.extras["rerouted"] += taken.rerouted
        at_picking = taken.short_at_picking > 0  # a pick's shortfall was settled
        if taken.cancelled:
            self._cancel(shopper.channel, taken.cancelled, at_picking, first=True)
        for victim, units in taken.victims:
            self._cancel(victim.channel, units, at_picking, first=not victim.cancelled)
            victim.cancelled = True
        ship_at = self.loop.now + self.scenario.handling_hours * HOUR
        for line in taken.lines:
            self.loop.at(ship_at, self.ship, line)

    def _cancel(self, channel: int, units: int, at_picking: bool, *, first: bool) -> None:
        """Units of a line cancelled because the stock was not there: an oversold order and a
        seller cancellation on the line's channel (counted once per order)."""
        tally = self.tally[channel]
        tally.cancelled_units += units
        tally.oversold_units += units
        if first:
            tally.cancellations += 1
            tally.oversold_orders += 1
            tally.oversold_at_picking += at_picking

    def ship(self, line: OpenLine) -> None:
        stock = self.stock[line.shopper.sku]
        stock.open.remove(line)
        if line.units and line.shopper.returns_after is not None:
            self.loop.at(self.loop.now + line.shopper.returns_after, self.returned, line)
        # Nothing is decided again: shipping moves committed units out, not available ones
        # (domain.changes.Changes.moved follows only movements into or out of available).

    def returned(self, line: OpenLine) -> None:
        """A return lands in quality_control, inspected after the inspection delay."""
        self.stock[line.shopper.sku].quality_control += line.units
        self.extras["returns"] += 1
        returns = self.scenario.returns
        delay = returns.inspection_hours * HOUR if returns is not None else 0.0
        self.loop.at(self.loop.now + delay, self.inspected, line)

    def inspected(self, line: OpenLine) -> None:
        stock = self.stock[line.shopper.sku]
        stock.quality_control -= line.units
        if line.shopper.restocked:
            stock.available[line.location] += line.units
            self.extras["restocked"] += line.units
            self.recompute(line.shopper.sku)
        else:
            stock.damaged += line.units
            self.extras["damaged"] += line.units

    def shrink(self, sku: int) -> None:
        self.stock[sku].lose_one()  # unseen: nothing is decided again

    def count_all(self, _: object) -> None:
        """A count of every SKU: what went missing is written off, and decided again (as
        production does, also where nothing was missing but counts measured shrinkage: the
        hours since the last count start again)."""
        when = at(self.loop.now)
        found_by_sku = []
        for stock in self.stock:  # every count first, then the location's rate from them all
            before = list(stock.counts) or [None] * len(stock.available)
            found_by_sku.append(stock.count(when))
            for n, now in enumerate(stock.counts):
                if now is not None:
                    self.location_counts[n] = self.location_counts[n].changed(before[n], now)
        for sku, (stock, found) in enumerate(zip(self.stock, found_by_sku, strict=True)):
            stock.measure(self.location_counts)
            if found:
                self.extras["found_missing"] += found
                self.reorder(sku)
            if found or (self.measure_shrinkage and stock.measured()):
                self.recompute(sku)
        every = self.scenario.shrinkage
        if every is not None:
            self.loop.at(self.loop.now + every.count_every_hours * HOUR, self.count_all, None)

    def reorder(self, sku: int) -> None:
        """A purchase order when cover falls to the reorder point (one open at a time)."""
        plan = self.scenario.replenishment
        stock = self.stock[sku]
        if plan is None or stock.incoming:
            return
        per_day = self.draws.demand[sku]
        if sum(stock.available) > plan.reorder_days * per_day:
            return
        stock.incoming = max(1, math.ceil(plan.order_days * per_day))
        self.loop.at(self.loop.now + plan.lead_time_hours * HOUR, self.receive, sku)

    def receive(self, sku: int) -> None:
        stock = self.stock[sku]
        for n, units in enumerate(_initial(self.scenario, stock.incoming)):
            stock.available[n] += units
        self.extras["received_units"] += stock.incoming
        stock.incoming = 0
        self.extras["receipts"] += 1
        self.recompute(sku)
