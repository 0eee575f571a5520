"""Reading the ledger, and checking the materialised balances against it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from stockpool.domain.balance import Balance
from stockpool.domain.movements import LedgerEntry, LedgerFilter
from stockpool.domain.operations import REFERENCE_MAX
from stockpool.domain.reconcile import Difference, differences, unowned
from stockpool.domain.text import clean_text
from stockpool.domain.times import aware
from stockpool.services.catalog import page_limit
from stockpool.services.ports import UnitOfWorkFactory


class LedgerService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    def entries(
        self,
        *,
        sku: str | None = None,
        location: str | None = None,
        reference: str | None = None,
        actor: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        after: int | None = None,
        limit: int = 100,
        newest_first: bool = False,
    ) -> list[LedgerEntry]:
        texts = (("sku", sku), ("location", location), ("reference", reference), ("actor", actor))
        for name, value in texts:
            if value is not None:
                clean_text(value, name, REFERENCE_MAX)
        for name, moment in (("since", since), ("until", until)):
            if moment is not None:
                aware(moment, name)
        where = LedgerFilter(sku, location, reference, since, until, actor)
        with self._uow(write=False) as uow:
            return uow.ledger.entries(
                where, after=after, limit=page_limit(limit), newest_first=newest_first
            )

    def pool_totals(self) -> Balance:
        """Units in each state across every SKU and location."""
        with self._uow(write=False) as uow:
            return uow.ledger.pool_totals()

    def last_entry_id(self) -> int:
        """The newest ledger line's id, 0 when nothing has moved yet."""
        with self._uow(write=False) as uow:
            return uow.ledger.last_entry_id()

    def check(self, *, repair: bool = False) -> list[Difference]:
        """Rebuild every balance from the ledger, compare committed with what orders'
        allocations hold and reserved with what active reservations hold, and each channel's
        holdings with what its open orders hold; the differences found.
        With repair, balances that differ from the ledger are overwritten with its numbers in
        the same transaction (what orders and holds own is never repaired by guesswork)."""
        with self._uow(write=repair) as uow:
            sums = uow.ledger.ledger_sums()
            balances = dict(uow.ledger.all_balances())
            found = differences(sums, balances)
            owned = unowned(
                uow.orders.committed_by_balance(), uow.reservations.reserved_by_balance(), balances
            )
            owned += unheld(uow.orders.held_by_orders(), uow.orders.holdings())
            if repair and found:
                for key in {(d.sku, d.location) for d in found}:
                    uow.ledger.overwrite(key, sums.get(key, {}))
                    uow.changes.skus.add(key[0])
                uow.follow_changes()
                uow.commit()
        return found + owned


def unheld(
    held_by_orders: Mapping[tuple[str, str, str], int], holdings: Mapping[tuple[str, str, str], int]
) -> list[Difference]:
    """Every (sku, location, channel) whose holdings row is not what the channel's open orders
    hold there; its state reads "held by <channel>"."""
    found = []
    for key in sorted(set(held_by_orders) | set(holdings)):
        expected, stored = held_by_orders.get(key, 0), holdings.get(key, 0)
        if expected != stored:
            sku, location, channel = key
            found.append(
                Difference(sku, location, f"held by {channel}", expected, stored, "orders")
            )
    return found
