"""The count-session property on SQLite and PostgreSQL: receipts and units leaving interleave
with counters' lines, and after posting on hand is exactly what is on the shelf (each line's
count plus what moved after it)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stockpool.domain.balance import Balance
from stockpool.domain.catalog import Location, LocationKind, Sku
from stockpool.domain.count_sessions import CountStatus, LineCounted, NewCount
from stockpool.domain.movements import Reason
from stockpool.domain.operations import Adjust, Receive
from tests.conftest import ENGINES, fresh_database, make_container

SKUS, L = ("TEE-M", "MUG-12"), "DAL-1"
runs = itertools.count()

program = st.lists(
    st.tuples(
        st.sampled_from(["receive", "leave", "line"]),
        st.sampled_from(SKUS),
        st.integers(0, 5),
    ),
    max_size=15,
)


@pytest.mark.parametrize("database", ENGINES)
def test_posted_counts_leave_exactly_what_is_on_the_shelf(
    database, request, sqlite_template, tmp_path
):
    pg_engine = request.getfixturevalue("pg_engine") if database == "postgresql" else None

    @settings(
        max_examples=15,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(ledger_start=st.integers(0, 6), shelf_start=st.integers(0, 6), steps=program)
    def check(ledger_start, shelf_start, steps):
        url = fresh_database(database, sqlite_template, tmp_path / f"run{next(runs)}", pg_engine)
        container = make_container(url)
        try:
            run_program(container, ledger_start, shelf_start, steps)
        finally:
            container.close()

    check()


def run_program(container, ledger_start, shelf_start, steps):
    container.catalog.put_skus([Sku(s) for s in SKUS])
    container.catalog.put_locations([Location(L, LocationKind.WAREHOUSE)])
    shelf = dict.fromkeys(SKUS, shelf_start)  # what a counter finds
    ledger = dict.fromkeys(SKUS, ledger_start)
    for sku in SKUS:
        if ledger_start:
            container.stock.execute(Receive(sku, L, ledger_start), actor="t")
    count_id = container.counts.open(NewCount(L, SKUS), actor="alice").count.id
    counted: set[str] = set()
    for kind, sku, units in steps:
        if kind == "line":
            container.counts.add_lines(count_id, [LineCounted(sku, shelf[sku])], actor="bob")
            counted.add(sku)
        elif kind == "receive" and units:
            container.stock.execute(Receive(sku, L, units), actor="t")
            shelf[sku], ledger[sku] = shelf[sku] + units, ledger[sku] + units
        elif kind == "leave" and 0 < units <= min(shelf[sku], ledger[sku]):
            container.stock.execute(Adjust(sku, L, -units, Reason.SHRINKAGE), actor="t")
            shelf[sku], ledger[sku] = shelf[sku] - units, ledger[sku] - units
    for sku in set(SKUS) - counted:  # every SKU is counted before submitting
        container.counts.add_lines(count_id, [LineCounted(sku, shelf[sku])], actor="bob")
    if container.counts.submit(count_id, actor="bob").count.status != CountStatus.POSTED:
        container.counts.approve(count_id, actor="carol")
    for sku in SKUS:
        assert container.catalog.stock(sku).locations.get(L, Balance()).on_hand == shelf[sku]
    assert container.ledger.check() == []
