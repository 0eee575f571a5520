"""The stock operations a person or system asks for, and the movements each one means.

Each command validates itself when built. ``plan`` turns it into movements, given the current
balances of exactly the keys ``balances_needed`` names (most commands need none: the store's
guarded update enforces that nothing goes negative).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from stockpool.domain.balance import Balance, BalanceKey
from stockpool.domain.catalog import location_code, sku_code
from stockpool.domain.counts import Count, CountLine, CountVariance, PostVariances
from stockpool.domain.errors import InvalidRequest
from stockpool.domain.levels import SetLevels, SetSafetyStock
from stockpool.domain.movements import (
    ADJUSTMENT_SIGN,
    MOVE_REASONS,
    Movement,
    Reason,
)
from stockpool.domain.plans import (
    REFERENCE_MAX,
    CountResult,
    Plan,
    check_place,
    reference_text,
)
from stockpool.domain.quantities import non_zero, positive
from stockpool.domain.states import (
    ADJUSTABLE_STATES,
    MANUAL_STATES,
    RECEIVABLE_STATES,
    State,
)
from stockpool.domain.times import plausible

__all__ = [
    "REFERENCE_MAX",
    "Adjust",
    "Command",
    "Count",
    "CountLine",
    "CountResult",
    "CountVariance",
    "Move",
    "Plan",
    "PostVariances",
    "Receive",
    "SetLevels",
    "SetSafetyStock",
    "Transfer",
    "places",
    "reference_text",
]


_E = TypeVar("_E", bound=StrEnum)


def _member(kind: type[_E], value: str, label: str) -> _E:
    """value as a member of kind (a name given as text is taken), or a clear error."""
    try:
        return kind(value)
    except ValueError:
        names = ", ".join(m.value for m in kind)
        raise InvalidRequest(f"{label} must be one of {names} (got {value!r}).") from None


def _eta(value: datetime | None) -> datetime | None:
    # An eta lies ahead, maybe months: only a time no supplier could mean is refused.
    return None if value is None else plausible(value, "eta")


@dataclass(frozen=True, slots=True)
class Receive:
    """Goods arrive: into available or quality_control, from outside or out of incoming."""

    sku: str
    location: str
    quantity: int
    state: State = State.AVAILABLE
    from_incoming: bool = False
    reference: str | None = None

    def __post_init__(self) -> None:
        check_place(self.sku, self.location)
        positive(self.quantity)
        object.__setattr__(self, "state", _member(State, self.state, "state"))
        if self.state not in RECEIVABLE_STATES:
            raise InvalidRequest(
                f"receipts go into available or quality_control (got {self.state.value})."
            )
        object.__setattr__(self, "reference", reference_text(self.reference))

    def balances_needed(self) -> tuple[BalanceKey, ...]:
        return ()

    def plan(self, current: Mapping[BalanceKey, Balance]) -> Plan:
        source = State.INCOMING if self.from_incoming else None
        return Plan(
            (
                Movement(
                    self.sku,
                    self.location,
                    self.quantity,
                    source,
                    self.state,
                    Reason.RECEIVED,
                    self.reference,
                ),
            )
        )


@dataclass(frozen=True, slots=True)
class Adjust:
    """A signed correction to one state, with a reason: shrinkage, found, damage, correction..."""

    sku: str
    location: str
    quantity: int
    reason: Reason
    state: State = State.AVAILABLE
    reference: str | None = None
    eta: datetime | None = None  # for units added to incoming: when they should land

    def __post_init__(self) -> None:
        check_place(self.sku, self.location)
        non_zero(self.quantity)
        object.__setattr__(self, "state", _member(State, self.state, "state"))
        object.__setattr__(self, "reason", _member(Reason, self.reason, "reason"))
        if self.eta is not None and (self.state != State.INCOMING or self.quantity < 0):
            raise InvalidRequest(
                "eta is for units added to incoming (a purchase order expected); leave it out "
                "for other adjustments."
            )
        object.__setattr__(self, "eta", _eta(self.eta))
        if self.state not in ADJUSTABLE_STATES:
            names = ", ".join(s.value for s in ADJUSTABLE_STATES)
            raise InvalidRequest(
                f"adjustments apply to {names} (got {self.state.value}); reserved and committed "
                "stock changes through its reservation or order."
            )
        if self.reason not in ADJUSTMENT_SIGN:
            names = ", ".join(r.value for r in ADJUSTMENT_SIGN)
            raise InvalidRequest(
                f"adjustment reason must be one of {names} (got {self.reason.value})."
            )
        sign = ADJUSTMENT_SIGN[self.reason]
        if sign * self.quantity < 0:
            direction = "adds" if sign > 0 else "removes"
            wanted = "positive" if sign > 0 else "negative"
            raise InvalidRequest(
                f"reason {self.reason.value} {direction} stock, so quantity must be {wanted} "
                f"(got {self.quantity})."
            )
        object.__setattr__(self, "reference", reference_text(self.reference))

    def balances_needed(self) -> tuple[BalanceKey, ...]:
        return ()

    def plan(self, current: Mapping[BalanceKey, Balance]) -> Plan:
        if self.quantity > 0:
            movement = Movement(
                self.sku,
                self.location,
                self.quantity,
                None,
                self.state,
                self.reason,
                self.reference,
            )
        else:
            movement = Movement(
                self.sku,
                self.location,
                -self.quantity,
                self.state,
                None,
                self.reason,
                self.reference,
            )
        return Plan((movement,), eta=self.eta)


_MOVE_DEFAULT_REASON: dict[State, Reason] = {
    State.DAMAGED: Reason.DAMAGE,
    State.QUALITY_CONTROL: Reason.QUALITY_CONTROL,
    State.SAFETY_STOCK: Reason.SAFETY_STOCK,
}


@dataclass(frozen=True, slots=True)
class Move:
    """Units change state at one location: available to damaged, quality_control to available..."""

    sku: str
    location: str
    quantity: int
    from_state: State
    to_state: State
    reason: Reason | None = None
    reference: str | None = None

    def __post_init__(self) -> None:
        check_place(self.sku, self.location)
        positive(self.quantity)
        for label in ("from_state", "to_state"):
            object.__setattr__(self, label, _member(State, getattr(self, label), label))
        if self.reason is not None:
            object.__setattr__(self, "reason", _member(Reason, self.reason, "reason"))
        names = ", ".join(s.value for s in MANUAL_STATES)
        for label, state in (("from_state", self.from_state), ("to_state", self.to_state)):
            if state not in MANUAL_STATES:
                raise InvalidRequest(
                    f"{label} must be one of {names} (got {state.value}); reserved and committed "
                    "belong to reservations and orders, incoming leaves only through a receipt."
                )
        if self.from_state == self.to_state:
            raise InvalidRequest(
                f"from_state and to_state are both {self.from_state.value}: nothing would move."
            )
        if self.reason is not None and self.reason not in MOVE_REASONS:
            raise InvalidRequest(
                f"reason {self.reason.value} is written only by its own operation; "
                f"pick one of {', '.join(sorted(r.value for r in MOVE_REASONS))}."
            )
        object.__setattr__(self, "reference", reference_text(self.reference))

    @property
    def effective_reason(self) -> Reason:
        if self.reason is not None:
            return self.reason
        if self.from_state == State.QUALITY_CONTROL and self.to_state == State.AVAILABLE:
            return Reason.RESTOCK
        return _MOVE_DEFAULT_REASON.get(
            self.to_state, _MOVE_DEFAULT_REASON.get(self.from_state, Reason.CORRECTION)
        )

    def balances_needed(self) -> tuple[BalanceKey, ...]:
        return ()

    def plan(self, current: Mapping[BalanceKey, Balance]) -> Plan:
        return Plan(
            (
                Movement(
                    self.sku,
                    self.location,
                    self.quantity,
                    self.from_state,
                    self.to_state,
                    self.effective_reason,
                    self.reference,
                ),
            )
        )


@dataclass(frozen=True, slots=True)
class Transfer:
    """Units leave the source now and are incoming at the destination until received there."""

    sku: str
    from_location: str
    to_location: str
    quantity: int
    state: State = State.AVAILABLE
    reference: str | None = None
    eta: datetime | None = None  # when the units should land at to_location

    def __post_init__(self) -> None:
        object.__setattr__(self, "eta", _eta(self.eta))
        sku_code(self.sku)
        location_code(self.from_location)
        location_code(self.to_location)
        positive(self.quantity)
        if self.from_location == self.to_location:
            raise InvalidRequest(
                f"from_location and to_location are both {self.from_location}: "
                "use a move to change state within one location."
            )
        if self.state not in MANUAL_STATES:
            names = ", ".join(s.value for s in MANUAL_STATES)
            raise InvalidRequest(f"transfers send stock from {names} (got {self.state.value}).")
        object.__setattr__(self, "reference", reference_text(self.reference))

    def balances_needed(self) -> tuple[BalanceKey, ...]:
        return ()

    def plan(self, current: Mapping[BalanceKey, Balance]) -> Plan:
        return Plan(
            (
                Movement(
                    self.sku,
                    self.from_location,
                    self.quantity,
                    self.state,
                    None,
                    Reason.TRANSFER_OUT,
                    self.reference,
                ),
                Movement(
                    self.sku,
                    self.to_location,
                    self.quantity,
                    None,
                    State.INCOMING,
                    Reason.TRANSFER_IN,
                    self.reference,
                ),
            ),
            eta=self.eta,
        )


Command = Receive | Adjust | Move | Transfer | Count | PostVariances | SetSafetyStock | SetLevels


def places(command: Command) -> tuple[BalanceKey, ...]:
    """Every (sku, location) a command touches, so a refusal can name what was unknown."""
    match command:
        case Transfer():
            return ((command.sku, command.from_location), (command.sku, command.to_location))
        case Count() | PostVariances():
            return command.balances_needed()
        case _:
            return ((command.sku, command.location),)
