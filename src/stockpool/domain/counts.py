"""Cycle counts: counted on hand in, the variance out (a shortfall from the least-promised
stock first, see COUNT_SHORTFALL_ORDER)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from stockpool.domain.balance import EMPTY, Balance, BalanceKey
from stockpool.domain.catalog import location_code, sku_code
from stockpool.domain.errors import InvalidRequest
from stockpool.domain.movements import (
    Movement,
    Reason,
)
from stockpool.domain.plans import CountResult, Plan, reference_text
from stockpool.domain.quantities import non_negative
from stockpool.domain.states import (
    COUNT_SHORTFALL_ORDER,
    State,
)


@dataclass(frozen=True, slots=True)
class CountLine:
    sku: str
    counted: int

    def __post_init__(self) -> None:
        sku_code(self.sku)
        non_negative(self.counted, "counted")


@dataclass(frozen=True, slots=True)
class Count:
    """A cycle count at one location: counted on-hand per SKU in, the variance posted out."""

    location: str
    lines: tuple[CountLine, ...]
    reference: str | None = None

    def __post_init__(self) -> None:
        location_code(self.location)
        if not self.lines:
            raise InvalidRequest("a count needs at least one line (sku and counted).")
        seen: set[str] = set()
        for line in self.lines:
            if line.sku in seen:
                raise InvalidRequest(
                    f"SKU {line.sku} appears twice in this count; send one counted total per SKU."
                )
            seen.add(line.sku)
        object.__setattr__(self, "reference", reference_text(self.reference))

    def balances_needed(self) -> tuple[BalanceKey, ...]:
        return tuple((line.sku, self.location) for line in self.lines)

    def plan(self, current: Mapping[BalanceKey, Balance]) -> Plan:
        totals = [(line.sku, lambda _, n=line.counted: n) for line in self.lines]
        return counted_plan(self.location, self.reference, current, totals)


@dataclass(frozen=True, slots=True)
class CountVariance:
    """A variance found by a counted line of a count session (counted - expected when counted)."""

    sku: str
    variance: int

    def __post_init__(self) -> None:
        sku_code(self.sku)
        if type(self.variance) is not int:
            raise InvalidRequest(f"variance must be a whole number (got {self.variance!r}).")


@dataclass(frozen=True, slots=True)
class PostVariances:
    """A count session posted: each line's variance applied to the balance as it is now, so
    movements between a line's counting and the posting stay counted exactly once."""

    location: str
    lines: tuple[CountVariance, ...]
    reference: str | None = None

    def __post_init__(self) -> None:
        location_code(self.location)
        if not self.lines:
            raise InvalidRequest("a count needs at least one counted line to post.")
        if len({line.sku for line in self.lines}) != len(self.lines):
            raise InvalidRequest("each SKU is posted once per count.")
        object.__setattr__(self, "reference", reference_text(self.reference))

    def balances_needed(self) -> tuple[BalanceKey, ...]:
        return tuple((line.sku, self.location) for line in self.lines)

    def plan(self, current: Mapping[BalanceKey, Balance]) -> Plan:
        # Units that are not here cannot go missing: a shortfall stops at nothing on hand.
        totals = [
            (line.sku, lambda on_hand, v=line.variance: max(0, on_hand + v)) for line in self.lines
        ]
        return counted_plan(self.location, self.reference, current, totals)


def counted_plan(
    location: str,
    reference: str | None,
    current: Mapping[BalanceKey, Balance],
    totals: Sequence[tuple[str, Callable[[int], int]]],
) -> Plan:
    """A count's plan: per SKU, its counted total (from the on-hand it finds) against that
    on-hand, and the movements that make the balance say so."""
    movements: list[Movement] = []
    results: list[CountResult] = []
    for sku, total in totals:
        balance = current.get((sku, location), EMPTY)
        result = CountResult(sku, balance.on_hand, total(balance.on_hand))
        results.append(result)
        movements.extend(variance_movements(sku, location, balance, result.variance, reference))
    return Plan(tuple(movements), tuple(results))


def variance_movements(
    sku: str, location: str, balance: Balance, variance: int, reference: str | None
) -> list[Movement]:
    """A count's variance as movements: a surplus into available, a shortfall out of the
    least-promised states first (COUNT_SHORTFALL_ORDER)."""
    if variance > 0:
        return [
            Movement(sku, location, variance, None, State.AVAILABLE, Reason.CYCLE_COUNT, reference)
        ]
    movements = []
    missing = -variance
    for state in COUNT_SHORTFALL_ORDER:
        if missing == 0:
            break
        taken = min(missing, balance[state])
        if taken:
            movements.append(
                Movement(sku, location, taken, state, None, Reason.CYCLE_COUNT, reference)
            )
            missing -= taken
    return movements
