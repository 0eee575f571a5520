"""Writes on the hot path that PostgreSQL takes in one round trip."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest

from stockpool.domain.balance import apply_into
from stockpool.domain.movements import Movement, Reason
from stockpool.domain.operations import Receive
from stockpool.domain.states import State


@pytest.mark.postgresql
def test_decided_movements_write_balances_and_ledger_in_one_statement(pg, monkeypatch):
    container, names = pg
    container.stock.execute(Receive(names.tee, names.dallas, 5), actor="t")
    sent: list[str] = []

    def counting(name):
        run = getattr(psycopg.Cursor, name)

        def counted(cursor, query, *args, **kwargs):
            sent.append(str(query))
            return run(cursor, query, *args, **kwargs)

        return counted

    moved = Movement(names.tee, names.dallas, 2, State.AVAILABLE, State.DAMAGED, Reason.DAMAGE)
    at = datetime(2026, 12, 7, 22, 0, tzinfo=UTC)
    with container.uow() as uow:
        current = uow.stock.lock_existing([names.tee], [names.dallas])
        apply_into(current, [moved])
        for name in ("execute", "executemany"):
            monkeypatch.setattr(psycopg.Cursor, name, counting(name))
        uow.stock.record([moved], current, at=at, actor="t", entries=False)
        monkeypatch.undo()
        assert len(sent) == 1
        balance = uow.stock.balance(names.tee, names.dallas)
        assert balance is not None and (balance.available, balance.damaged) == (3, 2)
        assert uow.ledger.ledger_sums()[(names.tee, names.dallas)]["damaged"] == 2
