"""Cycle counts: counted on hand in, the variance out (a shortfall from the least-promised
stock first, see COUNT_SHORTFALL_ORDER)."""

from __future__ import annotations

from collections.abc import Mapping
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
        movements: list[Movement] = []
        results: list[CountResult] = []
        for line in self.lines:
            balance = current.get((line.sku, self.location), EMPTY)
            result = CountResult(line.sku, balance.on_hand, line.counted)
            results.append(result)
            movements.extend(self._variance_movements(line.sku, balance, result.variance))
        return Plan(tuple(movements), tuple(results))

    def _variance_movements(self, sku: str, balance: Balance, variance: int) -> list[Movement]:
        if variance > 0:
            return [
                Movement(
                    sku,
                    self.location,
                    variance,
                    None,
                    State.AVAILABLE,
                    Reason.CYCLE_COUNT,
                    self.reference,
                )
            ]
        movements = []
        missing = -variance
        for state in COUNT_SHORTFALL_ORDER:
            if missing == 0:
                break
            taken = min(missing, balance[state])
            if taken:
                movements.append(
                    Movement(
                        sku, self.location, taken, state, None, Reason.CYCLE_COUNT, self.reference
                    )
                )
                missing -= taken
        return movements
