"""Returns are received into quality_control against the units their order shipped, and
inspected out of it, each in one transaction, on SQLite and PostgreSQL."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from stockpool.domain.catalog import Sku
from stockpool.domain.errors import Conflict, InsufficientStock, InvalidRequest, NotFound
from stockpool.domain.operations import Move, Receive
from stockpool.domain.orders import NewOrder, OrderLine
from stockpool.domain.returns import Disposition, Inspection, NewReturn, ReturnStatus
from stockpool.domain.states import State
from tests.api.conftest import every_row

PLACED = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def shipped_order(container, names, units=3, external_id="S-1"):
    container.stock.execute(Receive(names.tee, names.dallas, units), actor="dock")
    new = NewOrder("shopify", external_id, (OrderLine(names.tee, units),), PLACED)
    order = container.intake.ingest(new, actor="t").order
    container.fulfilment.ship(order.id, None, actor="packer")
    return order


def new_return(names, units, external_id="S-1"):
    return NewReturn("shopify", external_id, names.dallas, ((names.tee, units),), "too small")


def balance(container, names):
    with container.uow(write=False) as uow:
        return uow.stock.balance(names.tee, names.dallas)


def test_a_return_waits_in_quality_control_until_every_unit_is_inspected(container, seeded, clock):
    shipped_order(container, seeded)
    opened = container.returns.open(new_return(seeded, 2), actor="desk").view.found
    assert (opened.status, opened.awaiting) == (ReturnStatus.AWAITING_INSPECTION, 2)
    assert (balance(container, seeded).quality_control, balance(container, seeded).available) == (
        2,
        0,
    )
    container.returns.inspect(opened.id, Inspection(seeded.tee, 1, Disposition.RESTOCK), actor="qc")
    done = container.returns.inspect(
        opened.id, Inspection(seeded.tee, 1, Disposition.DAMAGED), actor="qc"
    ).view.found
    assert (done.status, done.awaiting) == (ReturnStatus.INSPECTED, 0)
    assert [(i.quantity, i.disposition) for i in done.inspections] == [
        (1, Disposition.RESTOCK),
        (1, Disposition.DAMAGED),
    ]
    after = balance(container, seeded)
    assert (after.quality_control, after.available, after.damaged) == (0, 1, 1)
    reasons = [e.movement.reason.value for e in container.ledger.entries(limit=100)]
    assert {"returned", "restock", "damage"} <= set(reasons)
    assert container.ledger.check() == []


def test_units_out_of_stock_leave_on_hand(container, seeded):
    shipped_order(container, seeded)
    opened = container.returns.open(new_return(seeded, 3), actor="desk").view.found
    container.returns.inspect(opened.id, Inspection(seeded.tee, 1, Disposition.DISPOSE), actor="qc")
    rtv = Inspection(seeded.tee, 2, Disposition.RETURN_TO_VENDOR, "RMA-9")
    done = container.returns.inspect(opened.id, rtv, actor="qc").view.found
    assert done.inspections[-1].reference == "RMA-9"
    assert balance(container, seeded).on_hand == 0


def test_more_returned_than_shipped_is_refused_across_returns_and_writes_nothing(container, seeded):
    shipped_order(container, seeded, units=3)
    container.returns.open(new_return(seeded, 2), actor="desk")
    before = every_row(container.engine)
    with pytest.raises(Conflict, match="3 of TEE-M-BLK shipped, 2 returned already, 2 returned"):
        container.returns.open(new_return(seeded, 2), actor="desk")
    with pytest.raises(NotFound, match="No order S-404"):
        container.returns.open(new_return(seeded, 1, "S-404"), actor="desk")
    mug = NewReturn("shopify", "S-1", seeded.dallas, ((seeded.mug, 1),), "wrong item")
    with pytest.raises(InvalidRequest, match="not in order"):
        container.returns.open(mug, actor="desk")
    assert every_row(container.engine) == before


def test_inspecting_more_than_awaits_is_refused_and_writes_nothing(container, seeded):
    shipped_order(container, seeded)
    opened = container.returns.open(new_return(seeded, 2), actor="desk").view.found
    container.returns.inspect(opened.id, Inspection(seeded.tee, 2, Disposition.RESTOCK), actor="qc")
    before = every_row(container.engine)
    with pytest.raises(Conflict, match="0 awaiting inspection"):
        container.returns.inspect(
            opened.id, Inspection(seeded.tee, 1, Disposition.RESTOCK), actor="qc"
        )
    with pytest.raises(NotFound):
        container.returns.inspect(999, Inspection(seeded.tee, 1, Disposition.DAMAGED), actor="qc")
    assert every_row(container.engine) == before


def test_units_moved_out_of_quality_control_by_hand_cannot_be_inspected(container, seeded):
    shipped_order(container, seeded)
    opened = container.returns.open(new_return(seeded, 2), actor="desk").view.found
    container.stock.execute(
        Move(seeded.tee, seeded.dallas, 2, "quality_control", "available"), actor="someone"
    )
    with pytest.raises(InsufficientStock, match="0 quality_control"):
        container.returns.inspect(
            opened.id, Inspection(seeded.tee, 1, Disposition.RESTOCK), actor="qc"
        )
    assert container.returns.get(opened.id).found.awaiting == 2


def test_a_replayed_key_returns_the_same_return_and_writes_nothing(container, seeded):
    shipped_order(container, seeded)
    first = container.returns.open(new_return(seeded, 1), actor="desk", idempotency_key="r-1")
    before = every_row(container.engine)
    again = container.returns.open(new_return(seeded, 1), actor="desk", idempotency_key="r-1")
    assert again.replayed and again.view.found == first.view.found
    assert every_row(container.engine) == before
    with pytest.raises(Conflict, match="already used"):
        container.returns.open(new_return(seeded, 2), actor="desk", idempotency_key="r-1")


def test_the_queue_shows_age_and_flags_overdue_returns(container, seeded, clock):
    shipped_order(container, seeded, units=2)
    old = container.returns.open(new_return(seeded, 1), actor="desk").view.found
    clock.advance(hours=47)
    container.returns.open(new_return(seeded, 1), actor="desk")
    clock.advance(hours=2)
    queue = container.returns.listed(ReturnStatus.AWAITING_INSPECTION)
    assert [(v.found.id, v.overdue) for v in queue] == [(old.id, True), (old.id + 1, False)]
    assert queue[0].age == timedelta(hours=49)
    container.returns.inspect(old.id, Inspection(seeded.tee, 1, Disposition.DISPOSE), actor="qc")
    assert [v.found.id for v in container.returns.listed(ReturnStatus.AWAITING_INSPECTION)] == [
        old.id + 1
    ]
    assert [v.found.id for v in container.returns.listed(after=old.id)] == [old.id + 1]


def test_restocked_units_go_to_a_backorder_first(container, seeded):
    shipped_order(container, seeded, units=1)
    waiting = NewOrder("shopify", "S-2", (OrderLine(seeded.tee, 1),), PLACED)
    backorder = container.intake.ingest(waiting, actor="t").order
    assert backorder.lines[0].short == 1
    opened = container.returns.open(new_return(seeded, 1), actor="desk").view.found
    container.returns.inspect(opened.id, Inspection(seeded.tee, 1, Disposition.RESTOCK), actor="qc")
    assert container.orders.get(backorder.id).lines[0].committed == 1
    assert balance(container, seeded).committed == 1
    assert container.ledger.check() == []


def test_a_sku_restocked_on_receipt_is_available_at_once_and_fills_a_backorder_first(
    container, seeded
):
    shipped_order(container, seeded, units=3)
    waiting = NewOrder("shopify", "S-2", (OrderLine(seeded.tee, 1),), PLACED)
    backorder = container.intake.ingest(waiting, actor="t").order
    tee = container.catalog.get_sku(seeded.tee)
    container.catalog.put_sku(replace(tee, restock_on_receipt=True))

    opened = container.returns.open(new_return(seeded, 3), actor="desk").view.found

    assert (opened.status, opened.awaiting) == (ReturnStatus.INSPECTED, 0)
    assert [(i.quantity, i.disposition, i.actor) for i in opened.inspections] == [
        (3, Disposition.RESTOCK, "restock_on_receipt")
    ]
    after = balance(container, seeded)
    assert (after.quality_control, after.available, after.committed) == (0, 2, 1)
    assert container.orders.get(backorder.id).lines[0].committed == 1
    moves = [
        (e.movement.from_state, e.movement.to_state, e.actor)
        for e in container.ledger.entries(reference=f"return:{opened.id}", limit=10)
    ]
    assert moves == [
        (None, State.QUALITY_CONTROL, "desk"),
        (State.QUALITY_CONTROL, State.AVAILABLE, "restock_on_receipt"),
    ]
    assert container.ledger.check() == []


def test_an_ordinary_sku_stays_in_quality_control_until_inspected(container, seeded):
    shipped_order(container, seeded)
    container.catalog.put_sku(Sku(seeded.mug, restock_on_receipt=True))  # another SKU's setting

    opened = container.returns.open(new_return(seeded, 2), actor="desk").view.found

    assert (opened.status, opened.awaiting, opened.inspections) == (
        ReturnStatus.AWAITING_INSPECTION,
        2,
        (),
    )
    assert (balance(container, seeded).quality_control, balance(container, seeded).available) == (
        2,
        0,
    )
