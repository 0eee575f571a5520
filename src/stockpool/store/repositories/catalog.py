"""SKUs and locations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection, Row, bindparam, delete, func, or_, select, update

from stockpool.domain.catalog import Component, Location, LocationKind, Sku
from stockpool.store.repositories._dialect import put
from stockpool.store.tables import bundle_components, location_channels, locations, skus


class CatalogRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    # SKUs

    def put_sku(self, sku: Sku, at: datetime) -> bool:
        """Create or replace a SKU; True when it is new. Race-safe: the insert decides."""
        values = {
            "name": sku.name,
            "barcode": sku.barcode,
            "restock_on_receipt": sku.restock_on_receipt,
            "unit_cost": sku.unit_cost,
            "updated_at": at,
        }
        created = put(self._connection, skus, "code", sku.code, values, at)
        if not created or sku.components:
            self.set_components(sku.code, sku.components)
        return created

    def get_sku(self, code: str) -> Sku | None:
        row = self._connection.execute(select(skus).where(skus.c.code == code)).first()
        if row is None:
            return None
        return _sku(row, self.components([code]).get(code, ()))

    def list_skus(self, search: str | None, after: str | None, limit: int) -> list[Sku]:
        """SKUs in code order, after a cursor, whose code or name contains search (any case)."""
        query = select(skus).order_by(skus.c.code).limit(limit)
        if after is not None:
            query = query.where(skus.c.code > after)
        if search:
            pattern = f"%{_escape_like(search.lower())}%"
            query = query.where(
                or_(
                    func.lower(skus.c.code).like(pattern, escape="\\"),
                    func.lower(skus.c.name).like(pattern, escape="\\"),
                )
            )
        rows = self._connection.execute(query).all()
        parts = self.components(r.code for r in rows)
        return [_sku(r, parts.get(r.code, ())) for r in rows]

    def unit_costs(self, codes: Iterable[str]) -> dict[str, Decimal]:
        """The unit cost of those of these SKUs that have one."""
        wanted = sorted(set(codes))
        found: dict[str, Decimal] = {}
        for chunk in _chunks(wanted):
            found.update(
                (code, cost)
                for code, cost in self._connection.execute(
                    select(skus.c.code, skus.c.unit_cost).where(
                        skus.c.code.in_(chunk), skus.c.unit_cost.is_not(None)
                    )
                )
            )
        return found

    def restocked_on_receipt(self, codes: Iterable[str]) -> set[str]:
        """Those of these SKUs whose returns are inspected as restock when received."""
        wanted = sorted(set(codes))
        found: set[str] = set()
        for chunk in _chunks(wanted):
            found.update(
                self._connection.execute(
                    select(skus.c.code).where(skus.c.code.in_(chunk), skus.c.restock_on_receipt)
                ).scalars()
            )
        return found

    def count_skus(self) -> int:
        return int(self._connection.execute(select(func.count()).select_from(skus)).scalar_one())

    def known_skus(self, codes: Iterable[str]) -> set[str]:
        wanted = sorted(set(codes))
        found: set[str] = set()
        for chunk in _chunks(wanted):
            found.update(self._connection.execute(_KNOWN_SKUS, {"codes": chunk}).scalars())
        return found

    # Bundles

    def components(self, bundles: Iterable[str]) -> dict[str, list[Component]]:
        """The components of those of these SKUs that are bundles."""
        wanted = sorted(set(bundles))
        found: dict[str, list[Component]] = {}
        for chunk in _chunks(wanted):
            rows = self._connection.execute(_COMPONENTS, {"bundles": chunk})
            for r in rows:
                found.setdefault(r.bundle, []).append(Component(r.component, r.units))
        return found

    def bundles_of(self, component: str) -> list[str]:
        """The bundles this SKU is a component of."""
        return list(
            self._connection.execute(
                select(bundle_components.c.bundle)
                .where(bundle_components.c.component == component)
                .order_by(bundle_components.c.bundle)
            ).scalars()
        )

    def set_components(self, bundle: str, components: Sequence[Component]) -> None:
        """Replace a SKU's components (none: it is not a bundle)."""
        self._connection.execute(
            delete(bundle_components).where(bundle_components.c.bundle == bundle)
        )
        if components:
            self._connection.execute(
                bundle_components.insert(),
                [{"bundle": bundle, "component": c.sku, "units": c.units} for c in components],
            )

    # Locations

    def put_location(self, location: Location, at: datetime) -> bool:
        """Create or replace a location and the channels it serves; True when it is new."""
        values = {
            "name": location.name,
            "kind": location.kind.value,
            "priority": location.priority,
            "region": location.region,
            "snapshot_max_age_seconds": location.snapshot_max_age_seconds,
            "updated_at": at,
        }
        created = put(self._connection, locations, "code", location.code, values, at)
        if not created:
            self._connection.execute(
                delete(location_channels).where(location_channels.c.location == location.code)
            )
        if location.channels:
            self._connection.execute(
                location_channels.insert(),
                [{"location": location.code, "channel": c} for c in sorted(location.channels)],
            )
        return created

    def get_location(self, code: str) -> Location | None:
        found = self._locations(locations.c.code == code)
        return found[0] if found else None

    def list_locations(self) -> list[Location]:
        return self._locations(None)

    def known_locations(self, codes: Iterable[str]) -> set[str]:
        wanted = sorted(set(codes))
        found: set[str] = set()
        for chunk in _chunks(wanted):
            found.update(
                self._connection.execute(
                    select(locations.c.code).where(locations.c.code.in_(chunk))
                ).scalars()
            )
        return found

    def _locations(self, condition: object) -> list[Location]:
        query, channel_query = _ALL_LOCATIONS, _ALL_LOCATION_CHANNELS
        if condition is not None:
            query = query.where(condition)  # type: ignore[arg-type]
            channel_query = channel_query.where(
                location_channels.c.location.in_(select(locations.c.code).where(condition))  # type: ignore[arg-type]
            )
        channels: dict[str, set[str]] = {}
        for row in self._connection.execute(channel_query):
            channels.setdefault(row.location, set()).add(row.channel)
        return [
            Location(
                code=row.code,
                kind=LocationKind(row.kind),
                name=row.name,
                channels=frozenset(channels.get(row.code, ())),
                priority=row.priority,
                region=row.region,
                snapshot_max_age_seconds=row.snapshot_max_age_seconds,
            )
            for row in self._connection.execute(query)
        ]

    def snapshots(self) -> dict[str, datetime]:
        """When each location that reports snapshots last did (locations that did)."""
        rows = self._connection.execute(
            select(locations.c.code, locations.c.snapshot_at).where(
                locations.c.snapshot_at.is_not(None)
            )
        )
        return {code: at for code, at in rows}

    def snapshot_taken(self, codes: Iterable[str], at: datetime) -> bool:
        """A count at these locations is their stock snapshot. Whether one of them that reports
        snapshots had an overdue (or no) snapshot until now."""
        wanted = sorted(set(codes))
        overdue = False
        for last, max_age in self._connection.execute(
            select(locations.c.snapshot_at, locations.c.snapshot_max_age_seconds).where(
                locations.c.code.in_(wanted), locations.c.snapshot_max_age_seconds.is_not(None)
            )
        ):
            overdue |= last is None or (at - last).total_seconds() > max_age
        self._connection.execute(
            update(locations)
            .where(locations.c.code.in_(wanted), locations.c.snapshot_max_age_seconds.is_not(None))
            .values(snapshot_at=at)
        )
        return overdue

    def count_bundles(self) -> int:
        return int(
            self._connection.execute(
                select(func.count(func.distinct(bundle_components.c.bundle)))
            ).scalar_one()
        )


def _sku(row: Row[tuple[object, ...]], components: Iterable[Component]) -> Sku:
    return Sku(
        row.code,
        row.name,
        row.barcode,
        tuple(components),
        restock_on_receipt=row.restock_on_receipt,
        unit_cost=row.unit_cost,
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _chunks(items: list[str], size: int = 500) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# Built once: order ingest runs these on every transaction.
_KNOWN_SKUS = select(skus.c.code).where(skus.c.code.in_(bindparam("codes", expanding=True)))
_COMPONENTS = (
    select(bundle_components)
    .where(bundle_components.c.bundle.in_(bindparam("bundles", expanding=True)))
    .order_by(bundle_components.c.bundle, bundle_components.c.component)
)
_ALL_LOCATIONS = select(locations).order_by(locations.c.code)
_ALL_LOCATION_CHANNELS = select(location_channels)
