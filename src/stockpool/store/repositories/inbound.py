"""Incoming stock in lots with the date each should land, and the short lines promised them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, case, delete, func, select, update

from stockpool.domain.conflicts import Incoming
from stockpool.domain.incoming import Lot, Promise
from stockpool.store.repositories._dialect import insert
from stockpool.store.tables import inbound, inbound_promises, order_lines


class InboundRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(
        self,
        sku: str,
        location: str,
        units: int,
        eta: datetime | None,
        reference: str | None,
        at: datetime,
    ) -> None:
        self._connection.execute(
            inbound.insert().values(
                sku=sku, location=location, units=units, eta=eta, reference=reference, created_at=at
            )
        )

    def consume(
        self, sku: str, location: str, units: int
    ) -> list[tuple[int, int, int, list[Promise]]]:
        """Units left incoming at location (received, or written off): they leave the lots due
        first (a lot without a date last). Each lot taken from, the units taken, the units it
        has left, and the promises made on it (read first: a lot used up goes, and its promises
        with it). The caller holds the balance's lock, so lots of one balance change one
        transaction at a time."""
        lots = self._connection.execute(
            select(inbound.c.id, inbound.c.units)
            .where(inbound.c.sku == sku, inbound.c.location == location)
            .order_by(inbound.c.eta.is_(None), inbound.c.eta, inbound.c.id)
        ).all()
        taken: list[tuple[int, int, int, list[Promise]]] = []
        left = units
        for lot, held in lots:
            if left == 0:
                break
            units_here = min(left, held)
            promises = self.promised(lot)
            if units_here == held:
                self._connection.execute(delete(inbound).where(inbound.c.id == lot))
            else:
                self._connection.execute(
                    update(inbound).where(inbound.c.id == lot).values(units=held - units_here)
                )
            taken.append((lot, units_here, held - units_here, promises))
            left -= units_here
        return taken

    def free(self, sku: str, locations: Sequence[str]) -> list[Incoming]:
        """Dated lots of sku at these locations with units nobody is waiting for."""
        return [
            Incoming(lot.id, lot.location, lot.eta, lot.units - lot.promised)
            for lot in self.lots(sku, locations)
            if lot.eta is not None and lot.units > lot.promised
        ]

    def lots(self, sku: str, locations: Sequence[str] | None = None) -> list[Lot]:
        """The lots of sku (at these locations), due first, each with the units short lines are
        waiting for: a promise counts while its line is short, for no more than it is short."""
        waiting = (
            select(
                func.coalesce(
                    func.sum(
                        case(
                            (order_lines.c.short < inbound_promises.c.units, order_lines.c.short),
                            else_=inbound_promises.c.units,
                        )
                    ),
                    0,
                )
            )
            .select_from(inbound_promises)
            .join(
                order_lines,
                (order_lines.c.order_id == inbound_promises.c.order_id)
                & (order_lines.c.line_no == inbound_promises.c.line_no),
            )
            .where(inbound_promises.c.lot == inbound.c.id)
            .scalar_subquery()
        )
        query = (
            select(inbound, waiting.label("promised"))
            .where(inbound.c.sku == sku)
            .order_by(inbound.c.eta.is_(None), inbound.c.eta, inbound.c.id)
        )
        if locations is not None:
            query = query.where(inbound.c.location.in_(list(locations)))
        return [
            Lot(r.id, r.location, r.units, r.eta, r.reference, int(r.promised))
            for r in self._connection.execute(query)
        ]

    def promise(self, lot: int, order_id: int, line_no: int, units: int) -> None:
        statement = insert(self._connection, inbound_promises).values(
            lot=lot, order_id=order_id, line_no=line_no, units=units
        )
        self._connection.execute(
            statement.on_conflict_do_update(
                index_elements=[
                    inbound_promises.c.lot,
                    inbound_promises.c.order_id,
                    inbound_promises.c.line_no,
                ],
                set_={"units": inbound_promises.c.units + statement.excluded.units},
            )
        )

    def promised(self, lot: int) -> list[Promise]:
        """The lines waiting for this lot and still short, oldest order first."""
        rows = self._connection.execute(
            select(
                inbound_promises.c.order_id,
                inbound_promises.c.line_no,
                inbound_promises.c.units,
                order_lines.c.short,
            )
            .join(
                order_lines,
                (order_lines.c.order_id == inbound_promises.c.order_id)
                & (order_lines.c.line_no == inbound_promises.c.line_no),
            )
            .where(inbound_promises.c.lot == lot, order_lines.c.short > 0)
            .order_by(inbound_promises.c.order_id, inbound_promises.c.line_no)
        ).all()
        return [Promise(o, n, min(units, short)) for o, n, units, short in rows]

    def kept(self, lot: int, order_id: int, line_no: int, units: int) -> None:
        """units of the promise were delivered: it shrinks, and goes when nothing is left."""
        where = (
            (inbound_promises.c.lot == lot)
            & (inbound_promises.c.order_id == order_id)
            & (inbound_promises.c.line_no == line_no)
        )
        # Delete first: shrinking a promise to 0 would break its units > 0 rule.
        self._connection.execute(
            delete(inbound_promises).where(where, inbound_promises.c.units <= units)
        )
        self._connection.execute(
            update(inbound_promises).where(where).values(units=inbound_promises.c.units - units)
        )
