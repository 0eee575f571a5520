"""Comparing materialised balances with what the ledger, the orders and the holds say they must be."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from stockpool.domain.balance import EMPTY, Balance, BalanceKey
from stockpool.domain.states import ALL_STATES, State


@dataclass(frozen=True, slots=True)
class Difference:
    """A state of a balance that is not what its source says: the ledger's sum, the units the
    orders' allocations hold (committed), or the units active reservations hold (reserved)."""

    sku: str
    location: str
    state: str
    expected: int
    balance: int
    source: str = "ledger"


def differences(
    from_ledger: Mapping[BalanceKey, Mapping[str, int]],
    materialised: Mapping[BalanceKey, Balance],
) -> list[Difference]:
    """Every (sku, location, state) whose stored balance is not what the ledger adds up to.

    from_ledger holds raw sums (a corrupt ledger could even sum below zero), so it is not a Balance.
    """
    found = []
    for key in sorted(set(from_ledger) | set(materialised)):
        sums = from_ledger.get(key, {})
        stored = materialised.get(key, EMPTY)
        for state in ALL_STATES:
            expected = int(sums.get(state.value, 0))
            if expected != stored[state]:
                found.append(Difference(key[0], key[1], state.value, expected, stored[state]))
    return found


def unowned(
    committed_by_orders: Mapping[BalanceKey, int],
    reserved_by_holds: Mapping[BalanceKey, int],
    materialised: Mapping[BalanceKey, Balance],
) -> list[Difference]:
    """Every balance whose committed units are not exactly what orders' allocations hold there,
    or whose reserved units are not exactly what active reservations hold there."""
    found = []
    for state, source, owned in (
        (State.COMMITTED, "orders", committed_by_orders),
        (State.RESERVED, "reservations", reserved_by_holds),
    ):
        for key in sorted(set(owned) | set(materialised)):
            expected = int(owned.get(key, 0))
            stored = materialised.get(key, EMPTY)[state]
            if expected != stored:
                found.append(Difference(key[0], key[1], state.value, expected, stored, source))
    return found
