"""The one statement that reads what deciding a batch of SKUs needs - the configuration
revision, their balances, demand, holdings and measured shrink rates, and their stored numbers -
and how its rows are read."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from stockpool.domain.demand import Rate
from stockpool.store.repositories._cursor import marks
from stockpool.store.repositories.shrinkage import ShrinkRates

# The revision, the stored numbers, the available units by SKU and location, the demand rates by
# SKU and channel, the units open orders hold by SKU, location and channel, and the shrink rates
# counts measured (and the last count) by SKU and location.
Held = dict[str, dict[str, dict[str, int]]]
Inputs = tuple[
    int, dict[str, str], dict[str, dict[str, int]], dict[str, dict[str, Rate]], Held, ShrinkRates
]


def inputs_query(
    codes: Sequence[str], *, old: bool, postgresql: bool, revision: bool = True
) -> tuple[str, list[object]]:
    """One statement for (revision) the revision, the balances, demand, holdings and shrink
    rates (and, old, the stored numbers) of codes: a UNION of rows (kind, sku, text, channel,
    number, rate, as_of) tagged by their kind; text is a location, or the stored numbers."""
    in_codes = marks(codes)
    typed = (
        "CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST({} AS BIGINT), "
        f"CAST(NULL AS {'DOUBLE PRECISION' if postgresql else 'REAL'}), "
        f"CAST(NULL AS {'TIMESTAMPTZ' if postgresql else 'TEXT'})"
    )
    parts = [
        # The first SELECT gives the columns their types (PostgreSQL needs them).
        f"SELECT 'r', {typed.format('revision')} FROM availability_revision WHERE id = 1"
        if revision
        else f"SELECT 'r', {typed.format('NULL')} WHERE 1 = 0",
        "SELECT 'b', sku, location, NULL, available, NULL, NULL FROM balances "
        f"WHERE sku IN ({in_codes})",
        "SELECT 'd', sku, NULL, channel, NULL, units_per_hour, as_of FROM demand "
        f"WHERE sku IN ({in_codes})",
        "SELECT 'h', sku, location, channel, units, NULL, NULL FROM holdings "
        f"WHERE sku IN ({in_codes}) AND units > 0",
        # Only measured shrinkage matters: a rate of 0 holds nothing back.
        "SELECT 's', sku, location, NULL, NULL, units_per_hour, last_counted_at FROM shrinkage "
        f"WHERE sku IN ({in_codes}) AND units_per_hour > 0",
    ]
    parameters: list[object] = [*codes, *codes, *codes, *codes]
    if old:
        parts.append(
            "SELECT 'a', sku, advertised, NULL, NULL, NULL, NULL FROM availability "
            f"WHERE sku IN ({in_codes})"
        )
        parameters += codes
    return " UNION ALL ".join(parts), parameters


def parsed(rows: Sequence[tuple[Any, ...]], read: Callable[[Any], datetime]) -> Inputs:
    """The rows of inputs_query, sorted out by their tag."""
    revision = 0
    numbers: dict[str, str] = {}
    available: dict[str, dict[str, int]] = {}
    rates: dict[str, dict[str, Rate]] = {}
    held: Held = {}
    shrink: ShrinkRates = {}
    for kind, sku, text, channel, number, rate, as_of in rows:
        if kind == "b":
            available.setdefault(sku, {})[text] = int(number)
        elif kind == "d":
            rates.setdefault(sku, {})[channel] = Rate(float(rate), read(as_of))
        elif kind == "h":
            held.setdefault(sku, {}).setdefault(text, {})[channel] = int(number)
        elif kind == "s":
            shrink.setdefault(sku, {})[text] = (float(rate), read(as_of))
        elif kind == "a":
            numbers[sku] = text
        else:
            revision = int(number)
    return revision, numbers, available, rates, held, shrink


def by_sku(rates: Mapping[tuple[str, str], Rate]) -> dict[str, dict[str, Rate]]:
    """Rates by (sku, channel) as rates by SKU, then channel."""
    found: dict[str, dict[str, Rate]] = {}
    for (sku, channel), rate in rates.items():
        found.setdefault(sku, {})[channel] = rate
    return found
