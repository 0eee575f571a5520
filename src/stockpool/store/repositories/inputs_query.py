"""The one statement that reads what deciding a batch of SKUs needs - the configuration
revision, their balances and demand, and their stored numbers - and how its rows are read."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from stockpool.domain.demand import Rate
from stockpool.store.repositories._cursor import marks

# The revision, the stored numbers, the available units by SKU and location, and the demand
# rates by SKU and channel.
Inputs = tuple[int, dict[str, str], dict[str, dict[str, int]], dict[str, dict[str, Rate]]]


def inputs_query(
    codes: Sequence[str], *, old: bool, postgresql: bool, revision: bool = True
) -> tuple[str, list[object]]:
    """One statement for (revision) the revision, the balances and demand (and, old, the
    stored numbers) of codes: a UNION of rows tagged by what they are."""
    in_codes = marks(codes)
    typed = (
        "CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST({} AS BIGINT), "
        f"CAST(NULL AS {'DOUBLE PRECISION' if postgresql else 'REAL'}), "
        f"CAST(NULL AS {'TIMESTAMPTZ' if postgresql else 'TEXT'})"
    )
    parts = [
        # The first SELECT gives the columns their types (PostgreSQL needs them).
        f"SELECT 'r', {typed.format('revision')} FROM availability_revision WHERE id = 1"
        if revision
        else f"SELECT 'r', {typed.format('NULL')} WHERE 1 = 0",
        f"SELECT 'b', sku, location, available, NULL, NULL FROM balances WHERE sku IN ({in_codes})",
        f"SELECT 'd', sku, channel, NULL, units_per_hour, as_of FROM demand WHERE sku IN ({in_codes})",
    ]
    parameters: list[object] = [*codes, *codes]
    if old:
        parts.append(
            f"SELECT 'a', sku, advertised, NULL, NULL, NULL FROM availability WHERE sku IN ({in_codes})"
        )
        parameters += codes
    return " UNION ALL ".join(parts), parameters


def parsed(rows: Sequence[tuple[Any, ...]], read: Callable[[Any], datetime]) -> Inputs:
    """The rows of inputs_query, sorted out by their tag."""
    revision = 0
    numbers: dict[str, str] = {}
    available: dict[str, dict[str, int]] = {}
    rates: dict[str, dict[str, Rate]] = {}
    for kind, sku, text, number, rate, as_of in rows:
        if kind == "b":
            available.setdefault(sku, {})[text] = int(number)
        elif kind == "d":
            rates.setdefault(sku, {})[text] = Rate(float(rate), read(as_of))
        elif kind == "a":
            numbers[sku] = text
        else:
            revision = int(number)
    return revision, numbers, available, rates


def by_sku(rates: Mapping[tuple[str, str], Rate]) -> dict[str, dict[str, Rate]]:
    """Rates by (sku, channel) as rates by SKU, then channel."""
    found: dict[str, dict[str, Rate]] = {}
    for (sku, channel), rate in rates.items():
        found.setdefault(sku, {})[channel] = rate
    return found
