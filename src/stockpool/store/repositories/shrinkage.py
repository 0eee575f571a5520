"""Shrinkage rows: what counts of each SKU at each location found missing, what they found
over all of a location's SKUs, and the shrink rate that measures (domain.shrinkage), written by
the count that posts. The decision of a batch of SKUs reads them in inputs_query's statement;
these reads serve the paths that read in parts (more than 500 SKUs, the full recompute's
ranges)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from stockpool.domain.shrinkage import (
    CountHistory,
    LocationShrinkage,
    after_count,
    units_per_hour,
)
from stockpool.store.repositories._cursor import CursorRepository, marks

_CHUNK = 500

# By SKU, then location: the shrink rate its counts measured (above 0 only) and its last count.
ShrinkRates = dict[str, dict[str, tuple[float, datetime]]]
# A count's finding for one SKU at one location: sku, location, expected (the ledger), counted.
Counted = tuple[str, str, int, int]


class ShrinkageRows(CursorRepository):
    def record_counts(self, found: Sequence[Counted], at: datetime) -> set[str]:
        """Fold counts made at `at` into what earlier counts found, per SKU and per location,
        and store each counted SKU's rate: four statements (a read per 500 SKUs), in the
        count's transaction (its balances are locked, so no other count of these SKUs
        interleaves; the location rows are locked in location order). The SKUs with a
        measured rate: their numbers may move."""
        if not found:
            return set()
        histories = self._histories(sorted({(sku, loc) for sku, loc, _, _ in found}))
        read = self.location_totals(sorted({loc for _, loc, _, _ in found}))
        totals = dict(read)
        for sku, location, expected, counted in found:
            before = histories.get((sku, location))
            after = after_count(before, expected, counted, at)
            histories[(sku, location)] = after
            totals[location] = totals.get(location, LocationShrinkage()).changed(before, after)
        rates = {key: units_per_hour(h, totals[key[1]]) for key, h in histories.items()}
        self._write(histories, rates, totals, read)
        return {sku for (sku, _), rate in rates.items() if rate > 0}

    def _write(
        self,
        histories: dict[tuple[str, str], CountHistory],
        rates: dict[tuple[str, str], float],
        totals: dict[str, LocationShrinkage],
        read: dict[str, LocationShrinkage],
    ) -> None:
        """The histories and their rates, and the location totals as what they added (a
        count of other SKUs there may have added to the same row meanwhile)."""
        p = self._param
        bind = self._moments.bind
        cursor = self._cursor()
        try:
            cursor.executemany(
                "INSERT INTO location_shrinkage (location, missing, hours) "
                f"VALUES ({p}, {p}, {p}) ON CONFLICT (location) DO UPDATE SET "
                "missing = location_shrinkage.missing + excluded.missing, "
                "hours = location_shrinkage.hours + excluded.hours",
                [
                    (loc, t.missing - was.missing, t.hours - was.hours)
                    for loc, t in sorted(totals.items())
                    for was in (read.get(loc, LocationShrinkage()),)
                ],
            )
            cursor.executemany(
                "INSERT INTO shrinkage (sku, location, missing, first_counted_at, "
                f"last_counted_at, units_per_hour) VALUES ({p}, {p}, {p}, {p}, {p}, {p}) "
                "ON CONFLICT (sku, location) DO UPDATE SET missing = excluded.missing, "
                "first_counted_at = excluded.first_counted_at, "
                "last_counted_at = excluded.last_counted_at, "
                "units_per_hour = excluded.units_per_hour",
                [
                    (
                        sku,
                        location,
                        h.missing,
                        bind(h.first_counted_at),
                        bind(h.last_counted_at),
                        rates[(sku, location)],
                    )
                    for (sku, location), h in sorted(histories.items())
                ],
            )
        finally:
            cursor.close()

    def location_totals(self, locations: Sequence[str]) -> dict[str, LocationShrinkage]:
        """What counts found at these locations, over all their SKUs; locked (PostgreSQL)."""
        rows = self._fetch(
            "SELECT location, missing, hours FROM location_shrinkage "
            f"WHERE location IN ({marks(locations)}) ORDER BY location"
            + (" FOR UPDATE" if self._postgresql else ""),
            locations,
        )
        return {loc: LocationShrinkage(int(missing), float(hours)) for loc, missing, hours in rows}

    def count_history(self, sku: str, location: str) -> CountHistory | None:
        """What counts of the SKU at the location have found (None: never counted)."""
        return self._histories([(sku, location)]).get((sku, location))

    def _histories(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], CountHistory]:
        skus = sorted({sku for sku, _ in keys})
        wanted = set(keys)
        read = self._moments.read
        found: dict[tuple[str, str], CountHistory] = {}
        for start in range(0, len(skus), _CHUNK):
            chunk = skus[start : start + _CHUNK]
            rows = self._fetch(
                "SELECT sku, location, missing, first_counted_at, last_counted_at "
                f"FROM shrinkage WHERE sku IN ({marks(chunk)})",
                chunk,
            )
            for sku, location, missing, first, last in rows:
                if (sku, location) in wanted:
                    found[(sku, location)] = CountHistory(int(missing), read(first), read(last))
        return found

    def shrink_rates(self, codes: Sequence[str]) -> ShrinkRates:
        """The measured shrink rates of these SKUs (those above 0), by SKU and location."""
        found: ShrinkRates = {}
        for start in range(0, len(codes), _CHUNK):
            chunk = list(codes[start : start + _CHUNK])
            rows = self._fetch(
                "SELECT sku, location, units_per_hour, last_counted_at FROM shrinkage "
                f"WHERE sku IN ({marks(chunk)}) AND units_per_hour > 0",
                chunk,
            )
            self._add(found, rows)
        return found

    def shrink_range(self, first: str, last: str) -> ShrinkRates:
        """The measured shrink rates of every SKU from first to last, by SKU and location."""
        found: ShrinkRates = {}
        rows = self._fetch(
            "SELECT sku, location, units_per_hour, last_counted_at FROM shrinkage "
            "WHERE sku >= ? AND sku <= ? AND units_per_hour > 0",
            (first, last),
        )
        self._add(found, rows)
        return found

    def _add(self, found: ShrinkRates, rows: Sequence[tuple[Any, ...]]) -> None:
        read = self._moments.read
        for sku, location, rate, last in rows:
            found.setdefault(sku, {})[location] = (float(rate), read(last))
