"""The seven stock states, named as Shopify names them so numbers line up with what sellers see."""

from __future__ import annotations

from enum import StrEnum

from stockpool.domain.errors import InvalidRequest


class State(StrEnum):
    AVAILABLE = "available"
    RESERVED = "reserved"
    COMMITTED = "committed"
    QUALITY_CONTROL = "quality_control"
    DAMAGED = "damaged"
    SAFETY_STOCK = "safety_stock"
    INCOMING = "incoming"


ALL_STATES: tuple[State, ...] = tuple(State)

# on_hand is the sum of these; incoming is expected, not here.
PHYSICAL_STATES: tuple[State, ...] = (
    State.AVAILABLE,
    State.RESERVED,
    State.COMMITTED,
    State.QUALITY_CONTROL,
    State.DAMAGED,
    State.SAFETY_STOCK,
)

# Goods arrive sellable or waiting for inspection; nothing else is a receipt.
RECEIVABLE_STATES: tuple[State, ...] = (State.AVAILABLE, State.QUALITY_CONTROL)

# States a person moves stock between by hand. reserved and committed belong to reservations and
# orders, which keep their own records of them; incoming leaves only by being received.
MANUAL_STATES: tuple[State, ...] = (
    State.AVAILABLE,
    State.QUALITY_CONTROL,
    State.DAMAGED,
    State.SAFETY_STOCK,
)

# States an adjustment may add to or take from: the manual ones, plus incoming (a purchase order
# expected, or cancelled).
ADJUSTABLE_STATES: tuple[State, ...] = (*MANUAL_STATES, State.INCOMING)

# A cycle-count shortfall is taken from the least-promised stock first.
COUNT_SHORTFALL_ORDER: tuple[State, ...] = (
    State.AVAILABLE,
    State.SAFETY_STOCK,
    State.QUALITY_CONTROL,
    State.DAMAGED,
    State.RESERVED,
    State.COMMITTED,
)


def parse_state(
    value: str, allowed: tuple[State, ...] = ALL_STATES, *, field: str = "state"
) -> State:
    """Turn a name into a State, with an error that lists what is allowed."""
    try:
        state = State(value)
    except ValueError:
        state = None
    if state is None or state not in allowed:
        names = ", ".join(s.value for s in allowed)
        raise InvalidRequest(f"{field} must be one of {names} (got {value!r}).")
    return state
