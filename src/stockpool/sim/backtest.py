"""A backtest: a real order history replayed through the lab, as `stockpool simulate` runs a
scenario. Each order line becomes a shopper at its time, on its channel, for its SKU and
quantity; it orders against what that channel shows then (shown less than wanted: a lost
sale), so the same Lab, the same production decisions and the same report as a simulation
judge each strategy over what really happened.

What a backtest builds is only the run's input: a Scenario (the channels, with their platforms
and delays, and the locations of a base scenario; one SKU per SKU ordered) and its Draws (the
shoppers read, the stock file's units, each SKU's demand a day measured over the history). The
base scenario's other parts are left out: the history is what happened, so there are no
simulated returns, shrinkage, purchase orders, cycles or promotions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from stockpool.domain.channels import Platform
from stockpool.sim.demand import DAY, HOUR, Shopper
from stockpool.sim.history import History, OrderLine, StockLine
from stockpool.sim.run import Draws
from stockpool.sim.scenario import LabError, Scenario, field_errors, load_scenario

DEFAULT_BASE = "catalog-500"  # its channels: Shopify, Amazon, Walmart at their usual delays
MAX_DAYS = 366  # the longest run a Scenario allows
IDLE_SHARE = 0.001  # a channel with no order in the history: this part of the units' share


@dataclass(frozen=True, slots=True)
class Backtest:
    """A history ready to replay, and what the report says about it."""

    scenario: Scenario
    draws: Draws
    skus: tuple[str, ...]  # the SKUs as the files name them, in the scenario's order
    start: datetime  # the first order's time: the run's 0
    days: float  # from the first order to the last
    orders: int  # order lines replayed
    skipped: int  # lines without a SKU or units


def base_scenario(name_or_file: str | None) -> Scenario:
    """The scenario whose channels and locations a backtest uses. By default catalog-500's,
    without its simulated Walmart outage (a real history has its own)."""
    if name_or_file is not None:
        return load_scenario(name_or_file)
    base = load_scenario(DEFAULT_BASE)
    channels = tuple(c.model_copy(update={"outages": ()}) for c in base.channels)
    return base.model_copy(update={"channels": channels})


def channel_names(pairs: Sequence[str], scenario: Scenario) -> dict[str, str]:
    """`--channel "NAME=CODE"` options: the history's channel NAME is the scenario's CODE."""
    known = scenario.channel_codes()
    names: dict[str, str] = {}
    for pair in pairs:
        name, sep, code = pair.rpartition("=")
        name, code = name.strip(), code.strip()
        if not sep or not name:
            raise LabError(f"--channel: {pair!r} is not NAME=CODE (e.g. 'Online Store=shopify').")
        if code not in known:
            raise LabError(
                f"--channel {pair!r}: no channel {code!r}; channels: {', '.join(known)}."
            )
        names[name] = code
    return names


def backtest(
    history: History,
    stock: Sequence[StockLine],
    stock_source: str,
    base: Scenario,
    names: dict[str, str],
    seed: int,
) -> Backtest:
    """The scenario and draws that replay the history from the stock file's units."""
    channels = _channels(history, base, names)
    skus = tuple(sorted({line.sku for line in history.lines}))
    index = {sku: n for n, sku in enumerate(skus)}
    start = min(line.time for line in history.lines)
    seconds = max((line.time - start).total_seconds() for line in history.lines)
    if seconds > MAX_DAYS * DAY:
        raise LabError(
            f"{history.source}: the history spans {seconds / DAY:.0f} days; a backtest replays "
            f"at most {MAX_DAYS}: keep a shorter part of it."
        )
    order = sorted(range(len(history.lines)), key=lambda n: (history.lines[n].time, n))
    shoppers = tuple(_shopper(history.lines[n], start, index, channels[n]) for n in order)
    days = max(seconds / DAY, 1.0)  # demand a day over at least one day
    demand = [0.0] * len(skus)
    for line in history.lines:
        demand[index[line.sku]] += line.quantity / days
    scenario = _scenario(history, base, channels, skus, seconds)
    draws = Draws(seed, shoppers, (), tuple(demand), _stock(stock, stock_source, base, index))
    return Backtest(
        scenario, draws, skus, start, seconds / DAY, len(history.lines), history.skipped
    )


def _shopper(line: OrderLine, start: datetime, index: dict[str, int], channel: int) -> Shopper:
    """A replayed order line as a shopper: it never returns (the history's returns are not
    read)."""
    moment = (line.time - start).total_seconds()
    return Shopper(moment, index[line.sku], channel, line.quantity, None, False)


def _channels(history: History, base: Scenario, names: dict[str, str]) -> list[int]:
    """Each line's channel, as an index into the base scenario's channels."""
    codes = base.channel_codes()
    platform = history.layout.platform
    if platform is not None:
        fixed = _platform_channel(history, base, platform)
        return [fixed] * len(history.lines)
    folded = {code.lower(): n for n, code in enumerate(codes)}
    found: list[int] = []
    for line in history.lines:
        name = line.channel or ""
        code = names.get(name, name).lower()
        if code not in folded:
            raise LabError(
                f"{history.source}:{line.line}: channel {name!r} is not one of the scenario's "
                f"channels ({', '.join(codes)}): map it with --channel '{name}=CODE'."
            )
        found.append(folded[code])
    return found


def _platform_channel(history: History, base: Scenario, platform: Platform) -> int:
    for n, spec in enumerate(base.channels):
        if spec.platform == platform:
            return n
    raise LabError(
        f"{history.source}: every order is on the {platform} channel, and scenario {base.name} "
        f"has none (channels: {', '.join(base.channel_codes())}); choose a --scenario with one, "
        "or name the channel column with --columns channel=COLUMN."
    )


def _stock(
    lines: Sequence[StockLine], source: str, base: Scenario, index: dict[str, int]
) -> tuple[tuple[int, ...], ...]:
    """Each ordered SKU's units per location at the start; a SKU not in the file starts at 0,
    and one never ordered is left out (no shopper would see it)."""
    locations = [loc.code for loc in base.locations]
    units = [[0] * len(locations) for _ in index]
    seen: dict[tuple[str, str], int] = {}
    for line in lines:
        location = line.location or locations[0]
        if location not in locations:
            raise LabError(
                f"{source}:{line.line}: no location {location!r} in scenario {base.name}; "
                f"locations: {', '.join(locations)}."
            )
        if (line.sku, location) in seen:
            raise LabError(
                f"{source}:{line.line}: {line.sku} at {location} again (first on line "
                f"{seen[(line.sku, location)]}): give each SKU and location one line."
            )
        seen[(line.sku, location)] = line.line
        if line.sku in index:
            units[index[line.sku]][locations.index(location)] = line.quantity
    return tuple(tuple(row) for row in units)


def _scenario(
    history: History, base: Scenario, channels: list[int], skus: tuple[str, ...], seconds: float
) -> Scenario:
    """The base's channels (each with its share of the history's units, which the partition
    strategy splits by) and locations, over the history's SKUs and span."""
    units = [0] * len(base.channels)
    for line, channel in zip(history.lines, channels, strict=True):
        units[channel] += line.quantity
    floor = IDLE_SHARE * sum(units)
    shared = [
        spec.model_dump() | {"demand_share": max(float(u), floor)}
        for spec, u in zip(base.channels, units, strict=True)
    ]
    data = {
        "name": f"backtest of {history.source}",
        "description": f"{len(history.lines)} order lines replayed over {base.name}'s channels",
        "hours": (seconds + 1.0) / HOUR,  # past the last order, whatever the rounding
        "channels": shared,
        "locations": [loc.model_dump() for loc in base.locations],
        "catalog": {"skus": len(skus), "demand_per_day": max(sum(units), 1), "stock": 0},
        "handling_hours": base.handling_hours,
        "fixed_buffer": base.fixed_buffer,
    }
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:  # e.g. more SKUs than a catalog holds
        raise LabError(f"{history.source}: {field_errors(error)}") from None
