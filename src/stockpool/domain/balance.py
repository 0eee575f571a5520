"""The balance of one SKU at one location, per state, and the rule that no state goes negative."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace

from stockpool.domain.errors import InsufficientStock, InvalidRequest
from stockpool.domain.movements import Movement
from stockpool.domain.states import ALL_STATES, PHYSICAL_STATES, State


@dataclass(frozen=True, slots=True)
class Balance:
    available: int = 0
    reserved: int = 0
    committed: int = 0
    quality_control: int = 0
    damaged: int = 0
    safety_stock: int = 0
    incoming: int = 0

    def __post_init__(self) -> None:
        for name in _STATE_NAMES:
            value = getattr(self, name)
            if type(value) is not int or value < 0:  # bool is not int here
                raise InvalidRequest(f"{name} must be a whole number of 0 or more (got {value!r}).")

    @classmethod
    def from_mapping(cls, quantities: Mapping[str, int]) -> Balance:
        return cls(**{state.value: int(quantities.get(state.value, 0)) for state in ALL_STATES})

    def __getitem__(self, state: State) -> int:
        value: int = getattr(self, state.value)
        return value

    @property
    def on_hand(self) -> int:
        """Units physically here: every state but incoming."""
        return sum(self[state] for state in PHYSICAL_STATES)

    def as_dict(self) -> dict[str, int]:
        """Every state by name, plus on_hand."""
        quantities = {state.value: self[state] for state in ALL_STATES}
        quantities["on_hand"] = self.on_hand
        return quantities

    def apply(self, movement: Movement) -> Balance:
        """The balance after movement, or InsufficientStock when it would take more than is held."""
        if movement.from_state is not None and self[movement.from_state] < movement.quantity:
            raise InsufficientStock(
                movement.sku,
                movement.location,
                movement.from_state.value,
                self[movement.from_state],
                movement.quantity,
            )
        changes = {state.value: self[state] + delta for state, delta in movement.deltas().items()}
        return replace(self, **changes)

    def __add__(self, other: Balance) -> Balance:
        return Balance(**{s.value: self[s] + other[s] for s in ALL_STATES})


_STATE_NAMES = tuple(f.name for f in fields(Balance))
EMPTY = Balance()


def total(balances: Iterable[Balance]) -> Balance:
    """The sum of several balances (a SKU across its locations)."""
    result = EMPTY
    for balance in balances:
        result = result + balance
    return result


BalanceKey = tuple[str, str]  # (sku, location)


def apply_all(
    balances: Mapping[BalanceKey, Balance], movements: Iterable[Movement]
) -> dict[BalanceKey, Balance]:
    """Apply movements in order to a set of balances; raises on the first one that cannot apply."""
    result = dict(balances)
    apply_into(result, movements)
    return result


def apply_into(balances: dict[BalanceKey, Balance], movements: Iterable[Movement]) -> None:
    """apply_all, changing balances in place (for a caller that owns the dict and may discard it
    if this raises part way)."""
    for movement in movements:
        key = (movement.sku, movement.location)
        balances[key] = balances.get(key, EMPTY).apply(movement)
