"""Demand rows: each SKU's sales rate per channel, exponentially weighted, as of when it was
last updated (domain.demand)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import bindparam, select

from stockpool.domain.demand import Rate
from stockpool.store.repositories._cursor import CursorRepository
from stockpool.store.tables import demand

_CHUNK = 500


class DemandRows(CursorRepository):
    def demand(self, codes: Sequence[str]) -> dict[tuple[str, str], Rate]:
        """The rates of these SKUs, by (sku, channel)."""
        found: dict[tuple[str, str], Rate] = {}
        for start in range(0, len(codes), _CHUNK):
            rows = self._connection.execute(_DEMAND, {"skus": list(codes[start : start + _CHUNK])})
            found.update(((r.sku, r.channel), Rate(r.units_per_hour, r.as_of)) for r in rows)
        return found

    def demand_by_sku(self, first: str, last: str) -> dict[str, dict[str, Rate]]:
        """The rates of every SKU from first to last (in code order), by SKU and channel."""
        p = self._param
        read = self._moments.read
        cursor = self._cursor()
        found: dict[str, dict[str, Rate]] = {}
        try:
            cursor.execute(
                "SELECT sku, channel, units_per_hour, as_of FROM demand "
                f"WHERE sku >= {p} AND sku <= {p}",
                (first, last),
            )
            for sku, channel, rate, as_of in cursor.fetchall():
                found.setdefault(sku, {})[channel] = Rate(float(rate), read(as_of))
        finally:
            cursor.close()
        return found

    def write_demand(self, rates: Mapping[tuple[str, str], Rate]) -> None:
        """Store these rates, by (sku, channel)."""
        if not rates:
            return
        p = self._param
        bind = self._moments.bind
        cursor = self._cursor()
        try:
            cursor.executemany(
                "INSERT INTO demand (sku, channel, units_per_hour, as_of) "
                f"VALUES ({p}, {p}, {p}, {p}) ON CONFLICT (sku, channel) DO UPDATE SET "
                "units_per_hour = excluded.units_per_hour, as_of = excluded.as_of",
                [(s, c, r.units_per_hour, bind(r.as_of)) for (s, c), r in sorted(rates.items())],
            )
        finally:
            cursor.close()


_DEMAND = select(demand).where(demand.c.sku.in_(bindparam("skus", expanding=True)))
