"""What a full recompute reads, a range of SKUs at a time, straight from the driver: the SKUs of
a catalog, several times over, make row handling the cost that counts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from stockpool.store.repositories._cursor import CursorRepository


class RangeReads(CursorRepository):
    def sku_codes(self, *, after: str | None, limit: int) -> list[str]:
        """SKU codes in order, a page at a time."""
        p = self._param
        cursor = self._cursor()
        try:
            if after is None:
                cursor.execute(f"SELECT code FROM skus ORDER BY code LIMIT {p}", (limit,))
            else:
                cursor.execute(
                    f"SELECT code FROM skus WHERE code > {p} ORDER BY code LIMIT {p}",
                    (after, limit),
                )
            return [row[0] for row in cursor.fetchall()]
        finally:
            cursor.close()

    def lock_range(self, first: str, last: str, at: datetime) -> dict[str, str]:
        """The stored numbers (as text) of every SKU from first to last (in code order), locked
        as lock does. PostgreSQL creates the rows of SKUs that have none, then locks the range
        in key order."""
        p = self._param
        cursor = self._cursor()
        try:
            if self._postgresql:
                cursor.execute(
                    "INSERT INTO availability (sku, advertised, computed_at) "
                    f"SELECT code, '', {p} FROM skus WHERE code >= {p} AND code <= {p} "
                    "ON CONFLICT (sku) DO NOTHING",
                    (self._moments.bind(at), first, last),
                )
            cursor.execute(
                f"SELECT sku, advertised FROM availability WHERE sku >= {p} AND sku <= {p} "
                "ORDER BY sku" + (" FOR UPDATE" if self._postgresql else ""),
                (first, last),
            )
            return dict(cursor.fetchall())
        finally:
            cursor.close()

    def stock_range(
        self, first: str, last: str, locations: Sequence[str]
    ) -> dict[str, tuple[int, ...]]:
        """Available units of every SKU from first to last that has a balance, one number per
        location given (in that order), summed by the database."""
        if not locations:
            return {}
        p = self._param
        columns = ", ".join(
            f"SUM(CASE WHEN location = {p} THEN available ELSE 0 END)" for _ in locations
        )
        cursor = self._cursor()
        try:
            cursor.execute(
                f"SELECT sku, {columns} FROM balances WHERE sku >= {p} AND sku <= {p} GROUP BY sku",
                (*locations, first, last),
            )
            return {row[0]: tuple(map(int, row[1:])) for row in cursor.fetchall()}
        finally:
            cursor.close()

    def held_range(self, first: str, last: str) -> dict[str, dict[str, dict[str, int]]]:
        """What each channel's open orders hold of every SKU from first to last: by SKU, then
        location, then channel (only what is held)."""
        p = self._param
        cursor = self._cursor()
        try:
            cursor.execute(
                "SELECT sku, location, channel, units FROM holdings "
                f"WHERE sku >= {p} AND sku <= {p} AND units > 0",
                (first, last),
            )
            found: dict[str, dict[str, dict[str, int]]] = {}
            for sku, location, channel, units in cursor.fetchall():
                found.setdefault(sku, {}).setdefault(location, {})[channel] = int(units)
            return found
        finally:
            cursor.close()
