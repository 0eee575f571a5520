"""What a transaction wrote that is worth counting (for metrics): ledger movements by reason and
conflicts by the channel of the order line they are on. Counted as the store writes them, told
only once the transaction committed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from stockpool.domain.movements import Movement


@dataclass(slots=True)
class Tally:
    movements: Counter[str] = field(default_factory=Counter)  # by reason
    conflicts: Counter[str] = field(default_factory=Counter)  # by channel

    def __bool__(self) -> bool:
        return bool(self.movements or self.conflicts)

    def moved(self, movements: Iterable[Movement]) -> None:
        self.movements.update(m.reason.value for m in movements)

    def conflict(self, channel: str) -> None:
        self.conflicts[channel] += 1

    def clear(self) -> None:
        self.movements.clear()
        self.conflicts.clear()
