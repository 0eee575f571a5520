"""Stock a platform holds in its own fulfilment network (Amazon FBA, Walmart WFS), fetched by
the channel's connector and applied as a snapshot of the location it is modelled as: a
marketplace_fulfilled location that serves that channel alone. Reconciled as any 3PL's
snapshot is: differences become snapshot_reconcile movements, never a silent overwrite.

The platform names its listings; each is counted under the SKU its listing maps to (listings
of one SKU add up). A listing with no mapping is left out and reported, so that a SKU held there
but not reported is counted at zero only when the platform really reports none of it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from stockpool.domain.catalog import LocationKind
from stockpool.domain.platforms import FulfilledStock
from stockpool.domain.snapshots import Snapshot, SnapshotRow
from stockpool.domain.states import State
from stockpool.services.ports import UnitOfWorkFactory
from stockpool.services.ports.connectors import Connector
from stockpool.services.snapshots import SnapshotApplied, SnapshotService

log = logging.getLogger("stockpool.fulfilled_stock")


@dataclass(frozen=True, slots=True)
class Fetched:
    """One fetch of a channel's fulfilment-network stock: the snapshots applied (one per
    location fed by the channel) and the channel SKUs that have no listing."""

    applied: tuple[SnapshotApplied, ...] = ()
    unmapped: tuple[str, ...] = ()


class FulfilledStockFeed:
    def __init__(self, uow: UnitOfWorkFactory, snapshots: SnapshotService) -> None:
        self._uow = uow
        self._snapshots = snapshots

    def locations_fed_by(self, channel: str) -> list[str]:
        """The marketplace_fulfilled locations that serve this channel alone."""
        with self._uow(write=False) as uow:
            locations = uow.catalog.list_locations()
        return [
            location.code
            for location in locations
            if location.kind == LocationKind.MARKETPLACE_FULFILLED
            and location.channels == frozenset({channel})
        ]

    def fetch(self, channel: str, connector: Connector) -> Fetched:
        """Read the platform's stock and apply it to every location it feeds; nothing is read
        when no location is fed by the channel. PlatformUnavailable propagates."""
        locations = self.locations_fed_by(channel)
        if not locations:
            return Fetched()
        stock = connector.fulfilled_stock()
        if stock is None:
            return Fetched()
        rows, unmapped = self._rows(channel, stock)
        if unmapped:
            log.warning(
                "%s: fulfilment stock of unmapped listings left out: %s",
                channel,
                ", ".join(unmapped[:20]),
            )
        reference = f"{channel}:fulfilled:{stock.as_of.isoformat()}"
        applied = tuple(
            self._snapshots.apply(
                Snapshot(location, reference, stock.as_of, rows), actor=f"platform:{channel}"
            )
            for location in locations
        )
        return Fetched(applied, tuple(unmapped))

    def _rows(
        self, channel: str, stock: FulfilledStock
    ) -> tuple[tuple[SnapshotRow, ...], list[str]]:
        with self._uow(write=False) as uow:
            mapping = uow.listings.map_channel_skus(channel, {r.channel_sku for r in stock.rows})
        totals: dict[str, tuple[int, int, int]] = {}
        unmapped: list[str] = []
        for row in stock.rows:
            sku = mapping.get(row.channel_sku)
            if sku is None:
                unmapped.append(row.channel_sku)
                continue
            on_hand, damaged, checking = totals.get(sku, (0, 0, 0))
            totals[sku] = (
                on_hand + row.on_hand,
                damaged + row.damaged,
                checking + row.quality_control,
            )
        rows = tuple(
            SnapshotRow(
                sku,
                max(on_hand, damaged + qc),  # a platform's parts never add up to more
                tuple(
                    (state, units)
                    for state, units in ((State.DAMAGED, damaged), (State.QUALITY_CONTROL, qc))
                    if units
                ),
            )
            for sku, (on_hand, damaged, qc) in sorted(totals.items())
        )
        return rows, sorted(unmapped)
