"""Each stock operation, planned as movements, without a database."""

from decimal import Decimal

import pytest

from stockpool.domain.balance import Balance
from stockpool.domain.catalog import Location, LocationKind, Sku
from stockpool.domain.errors import InsufficientStock, InvalidRequest
from stockpool.domain.movements import Movement, Reason
from stockpool.domain.operations import (
    Adjust,
    Count,
    CountLine,
    Move,
    Receive,
    SetLevels,
    SetSafetyStock,
    Transfer,
    places,
)
from stockpool.domain.states import State

A, L = "TEE-M", "DAL-1"


def only(plan):
    assert len(plan.movements) == 1
    return plan.movements[0]


def test_receive_into_available_or_quality_control_only():
    assert only(Receive(A, L, 5).plan({})) == Movement(
        A, L, 5, None, State.AVAILABLE, Reason.RECEIVED
    )
    assert only(Receive(A, L, 5, State.QUALITY_CONTROL).plan({})).to_state == State.QUALITY_CONTROL
    with pytest.raises(InvalidRequest, match="available or quality_control"):
        Receive(A, L, 5, State.DAMAGED)


def test_receiving_a_transfer_or_purchase_order_takes_it_out_of_incoming():
    movement = only(Receive(A, L, 2, from_incoming=True, reference="PO-7").plan({}))
    assert (movement.from_state, movement.to_state, movement.reference) == (
        State.INCOMING,
        State.AVAILABLE,
        "PO-7",
    )


@pytest.mark.parametrize("quantity", [0, -1, 2.0, "1", None, True])
def test_quantities_are_positive_whole_numbers(quantity):
    with pytest.raises(InvalidRequest, match="quantity"):
        Receive(A, L, quantity)


def test_adjust_direction_follows_the_reason():
    assert only(Adjust(A, L, 3, Reason.FOUND).plan({})).to_state == State.AVAILABLE
    lost = only(Adjust(A, L, -2, Reason.SHRINKAGE).plan({}))
    assert (lost.from_state, lost.to_state, lost.quantity) == (State.AVAILABLE, None, 2)
    assert (
        only(Adjust(A, L, -1, Reason.CORRECTION, State.DAMAGED).plan({})).from_state
        == State.DAMAGED
    )
    with pytest.raises(InvalidRequest, match="adds stock"):
        Adjust(A, L, -3, Reason.FOUND)
    with pytest.raises(InvalidRequest, match="removes stock"):
        Adjust(A, L, 3, Reason.SHRINKAGE)
    with pytest.raises(InvalidRequest, match="must not be 0"):
        Adjust(A, L, 0, Reason.CORRECTION)


def test_adjustments_leave_reserved_and_committed_to_orders():
    with pytest.raises(InvalidRequest, match="reserved and committed"):
        Adjust(A, L, -1, Reason.CORRECTION, State.COMMITTED)


def test_move_defaults_its_reason_from_the_states():
    assert Move(A, L, 1, State.AVAILABLE, State.DAMAGED).effective_reason == Reason.DAMAGE
    assert Move(A, L, 1, State.QUALITY_CONTROL, State.AVAILABLE).effective_reason == Reason.RESTOCK
    assert (
        Move(A, L, 1, State.AVAILABLE, State.QUALITY_CONTROL).effective_reason
        == Reason.QUALITY_CONTROL
    )
    assert Move(A, L, 1, State.DAMAGED, State.AVAILABLE).effective_reason == Reason.DAMAGE
    assert (
        Move(A, L, 1, State.AVAILABLE, State.DAMAGED, Reason.OTHER).effective_reason == Reason.OTHER
    )


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (State.AVAILABLE, State.AVAILABLE),
        (State.AVAILABLE, State.COMMITTED),
        (State.RESERVED, State.AVAILABLE),
        (State.INCOMING, State.AVAILABLE),
    ],
)
def test_moves_stay_among_the_states_a_person_manages(source, target):
    with pytest.raises(InvalidRequest):
        Move(A, L, 1, source, target)


def test_moves_cannot_use_reasons_owned_by_other_operations():
    with pytest.raises(InvalidRequest, match="written only by its own operation"):
        Move(A, L, 1, State.AVAILABLE, State.DAMAGED, Reason.CYCLE_COUNT)


def test_transfer_leaves_the_source_now_and_is_incoming_at_the_destination():
    out, arriving = Transfer(A, L, "NYC", 4, reference="TR-1").plan({}).movements
    assert (out.location, out.from_state, out.to_state, out.reason) == (
        L,
        State.AVAILABLE,
        None,
        Reason.TRANSFER_OUT,
    )
    assert (arriving.location, arriving.from_state, arriving.to_state, arriving.reason) == (
        "NYC",
        None,
        State.INCOMING,
        Reason.TRANSFER_IN,
    )
    with pytest.raises(InvalidRequest, match="both DAL-1"):
        Transfer(A, L, L, 1)


def test_count_posts_a_surplus_into_available():
    plan = Count(L, (CountLine(A, 12),)).plan({(A, L): Balance(available=8, damaged=2)})
    assert plan.movements == (Movement(A, L, 2, None, State.AVAILABLE, Reason.CYCLE_COUNT),)
    assert (plan.counts[0].expected, plan.counts[0].variance) == (10, 2)


def test_count_shortfall_comes_from_the_least_promised_stock_first():
    current = {(A, L): Balance(available=2, safety_stock=1, quality_control=1, committed=5)}
    plan = Count(L, (CountLine(A, 4),)).plan(current)
    taken = [(m.from_state, m.quantity) for m in plan.movements]
    assert taken == [
        (State.AVAILABLE, 2),
        (State.SAFETY_STOCK, 1),
        (State.QUALITY_CONTROL, 1),
        (State.COMMITTED, 1),
    ]
    assert plan.counts[0].variance == -5


def test_a_count_that_matches_moves_nothing_but_reports_the_line():
    plan = Count(L, (CountLine(A, 3),)).plan({(A, L): Balance(available=3)})
    assert plan.movements == ()
    assert plan.counts[0].variance == 0


def test_count_of_a_sku_never_stocked_here_counts_from_zero():
    plan = Count(L, (CountLine(A, 0), CountLine("MUG", 2))).plan({})
    assert [m.quantity for m in plan.movements] == [2]


def test_count_refuses_duplicates_negative_counts_and_empty_sheets():
    with pytest.raises(InvalidRequest, match="twice"):
        Count(L, (CountLine(A, 1), CountLine(A, 2)))
    with pytest.raises(InvalidRequest, match="counted"):
        CountLine(A, -1)
    with pytest.raises(InvalidRequest, match="at least one line"):
        Count(L, ())


def test_safety_stock_moves_the_difference_either_way():
    current = {(A, L): Balance(available=10, safety_stock=2)}
    raise_it = only(SetSafetyStock(A, L, 5).plan(current))
    lower_it = only(SetSafetyStock(A, L, 0).plan(current))
    assert (raise_it.from_state, raise_it.to_state, raise_it.quantity) == (
        State.AVAILABLE,
        State.SAFETY_STOCK,
        3,
    )
    assert (lower_it.from_state, lower_it.to_state, lower_it.quantity) == (
        State.SAFETY_STOCK,
        State.AVAILABLE,
        2,
    )
    assert SetSafetyStock(A, L, 2).plan(current).movements == ()
    with pytest.raises(InsufficientStock):
        SetSafetyStock(A, L, 13).plan(current)


def test_set_levels_posts_each_difference_as_an_import():
    current = {(A, L): Balance(available=5, damaged=1)}
    plan = SetLevels(A, L, ((State.AVAILABLE, 7), (State.DAMAGED, 0), (State.INCOMING, 0))).plan(
        current
    )
    assert [(m.from_state, m.to_state, m.quantity, m.reason) for m in plan.movements] == [
        (None, State.AVAILABLE, 2, Reason.IMPORT),
        (State.DAMAGED, None, 1, Reason.IMPORT),
    ]
    with pytest.raises(InvalidRequest):
        SetLevels(A, L, ((State.COMMITTED, 1),))


def test_places_names_every_balance_a_command_touches():
    assert places(Transfer(A, L, "NYC", 1)) == ((A, L), (A, "NYC"))
    assert places(Count(L, (CountLine(A, 1), CountLine("MUG", 1)))) == ((A, L), ("MUG", L))


@pytest.mark.parametrize("code", ["", " A", "A B", "A/B", "-A", "x" * 101])
def test_sku_codes_are_checked(code):
    with pytest.raises(InvalidRequest, match="sku"):
        Sku(code)


def test_locations_serve_their_channels_or_all_when_none_listed():
    fba = Location("FBA-US", LocationKind.MARKETPLACE_FULFILLED, channels=frozenset({"amazon"}))
    dallas = Location("DAL-1", LocationKind.WAREHOUSE)
    assert fba.serves("amazon") and not fba.serves("shopify")
    assert dallas.serves("walmart")
    with pytest.raises(InvalidRequest, match="channel"):
        Location("X", LocationKind.STORE, channels=frozenset({"Shop ify"}))


def test_a_unit_cost_is_kept_with_four_decimals_and_refused_past_them():
    assert Sku("A", unit_cost=Decimal("2.5")).unit_cost == Decimal("2.5000")
    assert Sku("A", unit_cost=Decimal("-0")).unit_cost == Decimal(0)
    for wrong in (Decimal("0.00001"), Decimal(-1), Decimal("1e9"), Decimal("Infinity")):
        with pytest.raises(InvalidRequest, match="unit_cost"):
            Sku("A", unit_cost=wrong)


def test_blank_optional_text_means_none():
    assert Sku("A", "Tee", barcode="  ").barcode is None
    assert Location("L", LocationKind.STORE, region="").region is None
    assert Receive(A, L, 1, reference="  ").reference is None


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Adjust("SKU-1", "DAL-1", -1, "broken"), "reason must be one of"),  # type: ignore[arg-type]
        (lambda: Adjust("SKU-1", "DAL-1", -1, "damage", state="lost"), "state must be one of"),  # type: ignore[arg-type]
        (lambda: Move("SKU-1", "DAL-1", 1, "available", "nowhere"), "to_state must be one of"),  # type: ignore[arg-type]
    ],
)
def test_states_and_reasons_given_as_unknown_text_are_refused_clearly(make, message):
    with pytest.raises(InvalidRequest, match=message):
        make()


def test_states_and_reasons_given_as_text_are_taken():
    adjust = Adjust("SKU-1", "DAL-1", -1, "damage")  # type: ignore[arg-type]
    assert adjust.reason is Reason.DAMAGE and adjust.state is State.AVAILABLE
