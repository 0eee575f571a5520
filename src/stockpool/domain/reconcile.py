"""Comparing materialised balances with what the ledger says they must be."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from stockpool.domain.balance import EMPTY, Balance, BalanceKey
from stockpool.domain.states import ALL_STATES


@dataclass(frozen=True, slots=True)
class Difference:
    sku: str
    location: str
    state: str
    ledger: int
    balance: int


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
