"""Commands that set a level rather than move a quantity: safety stock held back, and a stock
import's levels per state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from stockpool.domain.balance import EMPTY, Balance, BalanceKey
from stockpool.domain.errors import InsufficientStock, InvalidRequest
from stockpool.domain.movements import (
    Movement,
    Reason,
)
from stockpool.domain.plans import Plan, check_place, reference_text
from stockpool.domain.quantities import non_negative
from stockpool.domain.states import (
    ADJUSTABLE_STATES,
    State,
)


@dataclass(frozen=True, slots=True)
class SetSafetyStock:
    """Hold exactly quantity units back from sale at a location, moving them from/to available."""

    sku: str
    location: str
    quantity: int
    reference: str | None = None

    def __post_init__(self) -> None:
        check_place(self.sku, self.location)
        non_negative(self.quantity)
        object.__setattr__(self, "reference", reference_text(self.reference))

    def balances_needed(self) -> tuple[BalanceKey, ...]:
        return ((self.sku, self.location),)

    def plan(self, current: Mapping[BalanceKey, Balance]) -> Plan:
        balance = current.get((self.sku, self.location), EMPTY)
        change = self.quantity - balance.safety_stock
        if change > balance.available:
            raise InsufficientStock(
                self.sku, self.location, State.AVAILABLE.value, balance.available, change
            )
        if change == 0:
            return Plan(())
        source, target = (
            (State.AVAILABLE, State.SAFETY_STOCK)
            if change > 0
            else (State.SAFETY_STOCK, State.AVAILABLE)
        )
        return Plan(
            (
                Movement(
                    self.sku,
                    self.location,
                    abs(change),
                    source,
                    target,
                    Reason.SAFETY_STOCK,
                    self.reference,
                ),
            )
        )


@dataclass(frozen=True, slots=True)
class SetLevels:
    """Set a location's levels for one SKU, as a stock import does: each named state becomes the
    given number, the difference posted as an import movement."""

    sku: str
    location: str
    levels: tuple[tuple[State, int], ...]
    reference: str | None = None

    def __post_init__(self) -> None:
        check_place(self.sku, self.location)
        for state, quantity in self.levels:
            if state not in ADJUSTABLE_STATES:
                names = ", ".join(s.value for s in ADJUSTABLE_STATES)
                raise InvalidRequest(f"levels can be set for {names} (got {state.value}).")
            non_negative(quantity, state.value)
        object.__setattr__(self, "reference", reference_text(self.reference))

    def balances_needed(self) -> tuple[BalanceKey, ...]:
        return ((self.sku, self.location),)

    def plan(self, current: Mapping[BalanceKey, Balance]) -> Plan:
        balance = current.get((self.sku, self.location), EMPTY)
        movements = []
        for state, quantity in self.levels:
            change = quantity - balance[state]
            if change > 0:
                movements.append(
                    Movement(
                        self.sku, self.location, change, None, state, Reason.IMPORT, self.reference
                    )
                )
            elif change < 0:
                movements.append(
                    Movement(
                        self.sku, self.location, -change, state, None, Reason.IMPORT, self.reference
                    )
                )
        return Plan(tuple(movements))
