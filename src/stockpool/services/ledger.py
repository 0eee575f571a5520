"""Reading the ledger, and checking the materialised balances against it."""

from __future__ import annotations

from datetime import datetime

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

    def check(self, *, repair: bool = False) -> list[Difference]:
        """Rebuild every balance from the ledger, and compare committed with what orders'
        allocations hold and reserved with what active reservations hold; the differences found.
        With repair, balances that differ from the ledger are overwritten with its numbers in
        the same transaction (what orders and holds own is never repaired by guesswork)."""
        with self._uow(write=repair) as uow:
            sums = uow.ledger.ledger_sums()
            balances = dict(uow.ledger.all_balances())
            found = differences(sums, balances)
            owned = unowned(
                uow.orders.committed_by_balance(), uow.reservations.reserved_by_balance(), balances
            )
            if repair and found:
                for key in {(d.sku, d.location) for d in found}:
                    uow.ledger.overwrite(key, sums.get(key, {}))
                    uow.changes.skus.add(key[0])
                uow.follow_changes()
                uow.commit()
        return found + owned
