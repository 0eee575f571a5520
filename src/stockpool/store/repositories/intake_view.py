"""What order intake reads before it locks anything, in one statement: a batch of orders once
paid a round trip each for the channels, the locations, the channels each location serves, the
SKUs that exist, the bundles' components and the orders already stored (six of the eight
statements a group-commit batch ran before its first write).

A UNION ALL of rows tagged by their kind, like inputs_query.py. Each value list is one
parameter - an array on PostgreSQL, a JSON array on SQLite - so the statement's text is the same
whatever the batch holds (psycopg prepares it once; no IN list of marks to outgrow SQLite's
limit on parameters)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from stockpool.domain.catalog import Component, Location, LocationKind
from stockpool.domain.channels import Channel, Platform
from stockpool.domain.orders import IntakeView
from stockpool.store.repositories._cursor import CursorRepository

# (kind, a, b, c, d, m, n): four texts and two numbers, typed by the first SELECT. Sorted as the
# tables' own reads were, by the database's collation: locations by code, components by SKU.
_SQL = """\
SELECT 'c', CAST(code AS TEXT), CAST(platform AS TEXT), CAST(name AS TEXT), CAST(NULL AS TEXT),
  CAST(cancellation_cost AS BIGINT), CAST(CASE WHEN split_allowed THEN 1 ELSE 0 END AS BIGINT)
  FROM channels
UNION ALL SELECT 'l', code, name, kind, region, priority, snapshot_max_age_seconds FROM locations
UNION ALL SELECT 'v', location, channel, NULL, NULL, NULL, NULL FROM location_channels
UNION ALL SELECT 's', code, NULL, NULL, NULL, NULL, NULL FROM skus WHERE code {skus}
UNION ALL SELECT 'b', bundle, component, NULL, NULL, units, NULL FROM bundle_components
  WHERE bundle {bundles}
UNION ALL SELECT 'o', channel, external_id, NULL, NULL, id, NULL FROM orders
  WHERE channel {channels} AND external_id {external_ids}
ORDER BY 1, 2, 3"""
_NAMES = ("skus", "bundles", "channels", "external_ids")
_POSTGRESQL = _SQL.format_map(dict.fromkeys(_NAMES, "= ANY(?)"))
_SQLITE = _SQL.format_map(dict.fromkeys(_NAMES, "IN (SELECT value FROM json_each(?))"))


class IntakeViewRepository(CursorRepository):
    def read(self, names: Iterable[tuple[str, str]], skus: Iterable[str]) -> IntakeView:
        """The view for orders named (channel, external_id) whose lines name skus."""
        names, codes = set(names), sorted(set(skus))
        channels = sorted({channel for channel, _ in names})
        external_ids = sorted({external_id for _, external_id in names})
        values: list[Any] = [codes, codes, channels, external_ids]
        if self._postgresql:
            rows = self._fetch(_POSTGRESQL, values)
        else:
            rows = self._fetch(_SQLITE, [json.dumps(v) for v in values])
        return _view(rows, names)


def _view(rows: Iterable[tuple[Any, ...]], names: set[tuple[str, str]]) -> IntakeView:
    """The rows sorted out by their kind. Orders are asked by channel and by external id apart
    (so one index serves both), which may find others than those named: only those count."""
    channels: dict[str, Channel] = {}
    places: list[tuple[Any, ...]] = []
    serves: dict[str, set[str]] = {}
    known: set[str] = set()
    bundles: dict[str, list[Component]] = {}
    stored: dict[tuple[str, str], int] = {}
    for kind, a, b, c, d, m, n in rows:
        if kind == "o":
            if (a, b) in names:
                stored[(a, b)] = int(m)
        elif kind == "s":
            known.add(a)
        elif kind == "b":
            bundles.setdefault(a, []).append(Component(b, int(m)))
        elif kind == "c":
            channels[a] = Channel(
                a, Platform(b), c, cancellation_cost=int(m), split_allowed=bool(n)
            )
        elif kind == "l":
            places.append((a, b, c, d, m, n))
        else:
            serves.setdefault(a, set()).add(b)
    locations = [
        Location(
            code=code,
            kind=LocationKind(kind),
            name=name,
            channels=frozenset(serves.get(code, ())),
            priority=int(priority),
            region=region,
            snapshot_max_age_seconds=None if max_age is None else int(max_age),
        )
        for code, name, kind, region, priority, max_age in places
    ]
    return IntakeView(channels, locations, frozenset(known), bundles, stored)
