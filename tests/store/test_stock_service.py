"""The stock use cases through the real store, on SQLite and PostgreSQL alike."""

from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from stockpool.domain.balance import Balance
from stockpool.domain.catalog import Location, LocationKind, Sku
from stockpool.domain.channels import Channel, Platform
from stockpool.domain.errors import (
    IdempotencyKeyReused,
    InsufficientStock,
    InvalidRequest,
    UnknownLocation,
    UnknownSku,
)
from stockpool.domain.movements import Reason
from stockpool.domain.operations import (
    Adjust,
    Count,
    CountLine,
    Move,
    Receive,
    SetLevels,
    SetSafetyStock,
    Transfer,
)
from stockpool.domain.states import State


def stock_at(container, sku, location):
    return container.catalog.stock(sku).locations.get(location, Balance())


def ledger_length(container):
    return len(container.ledger.entries(limit=1000))


def test_receive_then_move_then_ship_out(container, seeded):
    run = container.stock.execute
    run(Receive(seeded.tee, seeded.dallas, 10, reference="PO-1"), actor="t")
    run(Move(seeded.tee, seeded.dallas, 2, State.AVAILABLE, State.DAMAGED), actor="t")
    run(Adjust(seeded.tee, seeded.dallas, -1, Reason.WRITE_OFF, State.DAMAGED), actor="t")
    assert stock_at(container, seeded.tee, seeded.dallas) == Balance(available=8, damaged=1)
    assert container.ledger.check() == []


def test_a_change_reports_its_ledger_lines_and_the_balances_it_left(container, seeded, clock):
    change = container.stock.execute(
        Receive(seeded.tee, seeded.dallas, 4, State.QUALITY_CONTROL, reference="RMA-9"),
        actor="api:key_1",
    )
    [entry] = change.movements
    assert entry.at == clock.now and entry.actor == "api:key_1" and entry.id > 0
    assert entry.movement.reference == "RMA-9"
    assert change.balances == {(seeded.tee, seeded.dallas): Balance(quality_control=4)}


def test_moving_more_than_held_is_refused_and_writes_nothing(container, seeded):
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 3), actor="t")
    with pytest.raises(
        InsufficientStock, match=r"SKU TEE-M-BLK: 3 available at DAL-1, 5 requested"
    ):
        container.stock.execute(
            Move(seeded.tee, seeded.dallas, 5, State.AVAILABLE, State.DAMAGED), actor="t"
        )
    assert stock_at(container, seeded.tee, seeded.dallas) == Balance(available=3)
    assert ledger_length(container) == 1


def test_taking_from_a_balance_that_never_existed_is_insufficient_not_unknown(container, seeded):
    with pytest.raises(InsufficientStock, match="0 available"):
        container.stock.execute(Adjust(seeded.tee, seeded.fba, -1, Reason.SHRINKAGE), actor="t")


@pytest.mark.parametrize(
    "command",
    [
        Receive("NOPE", "DAL-1", 1),
        Move("NOPE", "DAL-1", 1, State.AVAILABLE, State.DAMAGED),
        Count("DAL-1", (CountLine("TEE-M-BLK", 1), CountLine("NOPE", 1))),
        SetSafetyStock("NOPE", "DAL-1", 1),
    ],
)
def test_unknown_skus_are_named(container, seeded, command):
    with pytest.raises(UnknownSku, match="NOPE"):
        container.stock.execute(command, actor="t")
    assert ledger_length(container) == 0


@pytest.mark.parametrize(
    "command",
    [Receive("TEE-M-BLK", "NOWHERE", 1), Transfer("TEE-M-BLK", "DAL-1", "NOWHERE", 1)],
)
def test_unknown_locations_are_named(container, seeded, command):
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 5), actor="t")
    with pytest.raises(UnknownLocation, match="NOWHERE"):
        container.stock.execute(command, actor="t")
    assert stock_at(container, seeded.tee, seeded.dallas) == Balance(available=5)
    assert ledger_length(container) == 1


def test_transfer_is_incoming_at_the_destination_until_received(container, seeded):
    run = container.stock.execute
    run(Receive(seeded.tee, seeded.dallas, 6), actor="t")
    run(Transfer(seeded.tee, seeded.dallas, seeded.store, 4, reference="TR-1"), actor="t")
    assert stock_at(container, seeded.tee, seeded.dallas) == Balance(available=2)
    assert stock_at(container, seeded.tee, seeded.store) == Balance(incoming=4)
    run(Receive(seeded.tee, seeded.store, 4, from_incoming=True, reference="TR-1"), actor="t")
    assert stock_at(container, seeded.tee, seeded.store) == Balance(available=4)
    with pytest.raises(InsufficientStock, match="0 incoming"):
        run(Receive(seeded.tee, seeded.store, 1, from_incoming=True), actor="t")
    assert [e.movement.reason for e in container.ledger.entries(reference="TR-1")] == [
        Reason.TRANSFER_OUT,
        Reason.TRANSFER_IN,
        Reason.RECEIVED,
    ]


def test_a_refused_transfer_moves_neither_side(container, seeded):
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 1), actor="t")
    with pytest.raises(InsufficientStock):
        container.stock.execute(Transfer(seeded.tee, seeded.dallas, seeded.store, 2), actor="t")
    assert container.catalog.stock(seeded.tee).locations == {seeded.dallas: Balance(available=1)}


def test_count_posts_the_variance_against_what_the_ledger_expected(container, seeded):
    run = container.stock.execute
    run(Receive(seeded.tee, seeded.dallas, 10), actor="t")
    run(Move(seeded.tee, seeded.dallas, 2, State.AVAILABLE, State.DAMAGED), actor="t")
    change = run(
        Count(seeded.dallas, (CountLine(seeded.tee, 7), CountLine(seeded.mug, 3))), actor="t"
    )
    assert {(c.sku, c.expected, c.variance) for c in change.counts} == {
        (seeded.tee, 10, -3),
        (seeded.mug, 0, 3),
    }
    assert stock_at(container, seeded.tee, seeded.dallas) == Balance(available=5, damaged=2)
    assert stock_at(container, seeded.mug, seeded.dallas) == Balance(available=3)
    assert container.ledger.check() == []


def test_safety_stock_is_set_to_a_level(container, seeded):
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 10), actor="t")
    container.stock.execute(SetSafetyStock(seeded.tee, seeded.dallas, 3), actor="t")
    container.stock.execute(SetSafetyStock(seeded.tee, seeded.dallas, 1), actor="t")
    assert stock_at(container, seeded.tee, seeded.dallas) == Balance(available=9, safety_stock=1)
    with pytest.raises(InsufficientStock):
        container.stock.execute(SetSafetyStock(seeded.tee, seeded.dallas, 11), actor="t")


def test_a_replayed_key_returns_the_first_answer_and_writes_nothing(container, seeded, clock):
    command = Receive(seeded.tee, seeded.dallas, 5)
    first = container.stock.execute(command, actor="t", idempotency_key="rcpt-1")
    clock.advance(minutes=1)
    again = container.stock.execute(command, actor="someone-else", idempotency_key="rcpt-1")
    assert again.replayed and not first.replayed
    assert again == first
    assert stock_at(container, seeded.tee, seeded.dallas) == Balance(available=5)
    assert ledger_length(container) == 1


def test_a_key_reused_for_another_request_is_refused(container, seeded):
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 5), actor="t", idempotency_key="k")
    for other in (
        Receive(seeded.tee, seeded.dallas, 6),
        Move(seeded.tee, seeded.dallas, 5, State.AVAILABLE, State.DAMAGED),
    ):
        with pytest.raises(IdempotencyKeyReused):
            container.stock.execute(other, actor="t", idempotency_key="k")
    assert ledger_length(container) == 1


def test_a_failed_keyed_request_can_be_retried_with_the_same_key(container, seeded):
    command = Move(seeded.tee, seeded.dallas, 2, State.AVAILABLE, State.DAMAGED)
    with pytest.raises(InsufficientStock):
        container.stock.execute(command, actor="t", idempotency_key="retry-me")
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 2), actor="t")
    assert container.stock.execute(command, actor="t", idempotency_key="retry-me").movements


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there"])
def test_idempotency_keys_are_checked(container, seeded, key):
    with pytest.raises(InvalidRequest, match="Idempotency-Key"):
        container.stock.execute(
            Receive(seeded.tee, seeded.dallas, 1), actor="t", idempotency_key=key
        )


def test_execute_all_applies_every_command_or_none(container, seeded):
    commands = [
        SetLevels(seeded.tee, seeded.dallas, ((State.AVAILABLE, 4),)),
        SetLevels(seeded.mug, seeded.dallas, ((State.AVAILABLE, 2), (State.INCOMING, 5))),
    ]
    done = []
    change = container.stock.execute_all(commands, actor="t", progress=done.append)
    assert done == [1, 2] and len(change.movements) == 3
    with pytest.raises(UnknownSku):
        container.stock.execute_all(
            [
                SetLevels(seeded.tee, seeded.dallas, ((State.AVAILABLE, 9),)),
                SetLevels("GHOST", seeded.dallas, ((State.AVAILABLE, 1),)),
            ],
            actor="t",
        )
    assert stock_at(container, seeded.tee, seeded.dallas) == Balance(available=4)


def test_the_ledger_filters_and_pages(container, seeded, clock):
    start = clock.now
    for n in range(5):
        container.stock.execute(
            Receive(seeded.tee, seeded.dallas, 1, reference=f"PO-{n % 2}"), actor="t"
        )
        clock.advance(minutes=1)
    container.stock.execute(Receive(seeded.mug, seeded.store, 1), actor="cli:alice")
    assert len(container.ledger.entries(sku=seeded.tee)) == 5
    assert [e.movement.sku for e in container.ledger.entries(actor="cli:alice")] == [seeded.mug]
    assert len(container.ledger.entries(location=seeded.store)) == 1
    assert len(container.ledger.entries(reference="PO-0")) == 3
    window = container.ledger.entries(since=start.replace(minute=1), until=start.replace(minute=3))
    assert [e.at.minute for e in window] == [1, 2]
    first = container.ledger.entries(limit=4)
    rest = container.ledger.entries(limit=4, after=first[-1].id)
    assert [e.id for e in first + rest] == list(range(1, 7))
    newest = container.ledger.entries(limit=2, newest_first=True)
    assert [e.id for e in newest] == [6, 5]


def test_check_finds_and_repairs_a_tampered_balance(container, seeded):
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 5), actor="t")
    with container.engine.begin() as connection:
        connection.execute(text("UPDATE balances SET available = 7, damaged = 1"))
    found = container.ledger.check()
    assert {(d.state, d.expected, d.balance) for d in found} == {
        ("available", 5, 7),
        ("damaged", 0, 1),
    }
    assert container.ledger.check(repair=True) == found
    assert container.ledger.check() == []
    assert stock_at(container, seeded.tee, seeded.dallas) == Balance(available=5)


def test_the_database_refuses_to_change_or_delete_ledger_lines(container, seeded):
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 5), actor="t")
    for statement in ("UPDATE ledger SET quantity = 50", "DELETE FROM ledger"):
        with pytest.raises(DBAPIError, match="append-only"), container.engine.begin() as connection:
            connection.execute(text(statement))
    assert ledger_length(container) == 1


def test_the_database_refuses_a_negative_balance_even_behind_the_services_back(container, seeded):
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 1), actor="t")
    with pytest.raises(DBAPIError), container.engine.begin() as connection:
        connection.execute(text("UPDATE balances SET available = available - 2"))


def test_the_database_refuses_a_negative_unit_cost_behind_the_services_back(container, seeded):
    with pytest.raises(DBAPIError), container.engine.begin() as connection:
        connection.execute(text("UPDATE skus SET unit_cost = -1"))


def test_skus_and_locations_are_created_then_replaced(container):
    assert container.catalog.put_sku(Sku("A-1", "First")) is True
    assert container.catalog.put_sku(Sku("A-1", "Renamed", "0123")) is False
    assert container.catalog.get_sku("A-1") == Sku("A-1", "Renamed", "0123")
    priced = Sku("A-1", restock_on_receipt=True, unit_cost=Decimal("1234567.0001"))
    container.catalog.put_sku(priced)
    assert container.catalog.get_sku("A-1") == priced
    for platform in (Platform.AMAZON, Platform.WALMART):
        container.channels.put(Channel(platform.value, platform))
    amazon_only = Location(
        "FBA", LocationKind.MARKETPLACE_FULFILLED, channels=frozenset({"amazon"})
    )
    assert container.catalog.put_location(amazon_only) is True
    widened = Location(
        "FBA",
        LocationKind.MARKETPLACE_FULFILLED,
        channels=frozenset({"amazon", "walmart"}),
        priority=5,
    )
    assert container.catalog.put_location(widened) is False
    assert container.catalog.get_location("FBA") == widened
    all_channels = Location("FBA", LocationKind.THIRD_PARTY)
    container.catalog.put_location(all_channels)
    assert container.catalog.list_locations() == [all_channels]


def test_sku_search_and_paging(container):
    container.catalog.put_skus(
        [Sku(f"SKU-{n:03}", "Blue mug" if n % 10 == 0 else "Tee") for n in range(45)]
    )
    assert [s.code for s in container.catalog.list_skus(search="blue MUG")] == [
        f"SKU-{n:03}" for n in range(0, 45, 10)
    ]
    assert len(container.catalog.list_skus(search="sku-04")) == 5
    assert container.catalog.list_skus(search="%") == []
    seen, cursor = [], None
    while page := container.catalog.list_skus(after=cursor, limit=20):
        seen += [s.code for s in page]
        cursor = page[-1].code
    assert seen == [f"SKU-{n:03}" for n in range(45)]


def test_a_large_batch_locks_and_writes_every_balance(container, seeded):
    """More rows than one statement carries: locking and writing go in several batches."""
    codes = [f"BULK-{n:05}" for n in range(2500)]
    container.catalog.put_skus([Sku(code) for code in codes])
    levels = [
        SetLevels(code, seeded.dallas, ((State.AVAILABLE, n % 7 + 1),))
        for n, code in enumerate(codes)
    ]
    change = container.stock.execute_all(levels, actor="t")
    assert len(change.movements) == 2500
    assert container.catalog.stock("BULK-02499").totals.available == 2499 % 7 + 1
    again = container.stock.execute_all(levels, actor="t")
    assert again.movements == []
    assert container.ledger.check() == []


def test_single_and_bulk_ledger_writes_store_time_identically(container, seeded):
    """The hot path writes through the driver; bulk writes through SQLAlchemy. Same bytes."""
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 2), actor="t")
    container.stock.execute(Transfer(seeded.tee, seeded.dallas, seeded.store, 1), actor="t")
    with container.engine.connect() as connection:
        stored = (
            connection.execute(text("SELECT CAST(at AS VARCHAR(64)) FROM ledger ORDER BY id"))
            .scalars()
            .all()
        )
    assert len(stored) == 3 and len(set(stored)) == 1
    assert {e.at for e in container.ledger.entries()} == {container.ledger.entries()[0].at}
