"""The balance of one SKU at one location: states, on_hand, and nothing ever negative."""

import pytest

from stockpool.domain.balance import EMPTY, Balance, apply_all, total
from stockpool.domain.errors import InsufficientStock, InvalidRequest
from stockpool.domain.movements import Movement, Reason
from stockpool.domain.states import PHYSICAL_STATES, State


def test_on_hand_is_the_six_physical_states_and_not_incoming():
    balance = Balance(
        available=1,
        reserved=2,
        committed=3,
        quality_control=4,
        damaged=5,
        safety_stock=6,
        incoming=100,
    )
    assert balance.on_hand == 21
    assert State.INCOMING not in PHYSICAL_STATES
    assert balance.as_dict()["on_hand"] == 21


@pytest.mark.parametrize("bad", [-1, 1.5, "3", True])
def test_a_balance_refuses_negative_or_non_whole_quantities(bad):
    with pytest.raises(InvalidRequest):
        Balance(available=bad)


def test_a_movement_between_states_keeps_on_hand():
    moved = Balance(available=5).apply(
        Movement("A", "L", 2, State.AVAILABLE, State.DAMAGED, Reason.DAMAGE)
    )
    assert (moved.available, moved.damaged, moved.on_hand) == (3, 2, 5)


def test_receiving_and_leaving_change_on_hand():
    received = EMPTY.apply(Movement("A", "L", 4, None, State.QUALITY_CONTROL, Reason.RECEIVED))
    gone = received.apply(Movement("A", "L", 1, State.QUALITY_CONTROL, None, Reason.WRITE_OFF))
    assert (received.on_hand, gone.on_hand) == (4, 3)


def test_taking_more_than_a_state_holds_names_sku_location_and_numbers():
    with pytest.raises(InsufficientStock) as refused:
        Balance(available=3).apply(
            Movement("TEE", "DAL-1", 5, State.AVAILABLE, None, Reason.SHRINKAGE)
        )
    assert str(refused.value) == "SKU TEE: 3 available at DAL-1, 5 requested."
    assert (refused.value.held, refused.value.requested) == (3, 5)


def test_apply_all_is_sequential_and_refuses_as_a_whole():
    start = {("A", "L"): Balance(available=2)}
    out = Movement("A", "L", 2, State.AVAILABLE, None, Reason.SHRINKAGE)
    assert apply_all(start, [out])[("A", "L")] == EMPTY
    with pytest.raises(InsufficientStock):
        apply_all(start, [out, out])
    assert start[("A", "L")] == Balance(available=2)  # the input is never changed


def test_total_adds_every_state():
    assert total([Balance(available=1, incoming=2), Balance(available=3, damaged=1)]) == Balance(
        available=4, damaged=1, incoming=2
    )


@pytest.mark.parametrize(
    ("from_state", "to_state", "quantity"),
    [
        (None, None, 1),
        (State.AVAILABLE, State.AVAILABLE, 1),
        (State.AVAILABLE, None, 0),
        (State.AVAILABLE, None, -2),
    ],
)
def test_a_movement_must_move_something_somewhere(from_state, to_state, quantity):
    with pytest.raises(InvalidRequest):
        Movement("A", "L", quantity, from_state, to_state, Reason.CORRECTION)
