"""What the services tell whoever watches them (metrics): outcomes counted once they are known,
a batch at a time. The Protocol keeps the services free of any metrics library; Unwatched, the
default, ignores everything."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from stockpool.domain.tally import Tally

# An order's channel and what became of it: new, replayed or refused.
OrderOutcome = tuple[str, str]


class Observer(Protocol):
    def orders_taken(self, outcomes: Mapping[OrderOutcome, int]) -> None:
        """Orders answered by intake, counted by (channel, outcome)."""
        ...

    def committed(self, tally: Tally) -> None:
        """A transaction committed these movements and conflicts."""
        ...

    def pushed(self, channel: str, outcomes: Mapping[str, int]) -> None:
        """Numbers pushed to channel, counted by outcome: applied, refused or failed."""
        ...

    def lag_measured(self, channel: str, samples: Sequence[float]) -> None:
        """Sync lags measured for channel (seconds from a change to the platform showing it)."""
        ...


class Unwatched:
    """An observer that ignores everything (tests, one-off CLI commands)."""

    def orders_taken(self, outcomes: Mapping[OrderOutcome, int]) -> None:
        pass

    def committed(self, tally: Tally) -> None:
        pass

    def pushed(self, channel: str, outcomes: Mapping[str, int]) -> None:
        pass

    def lag_measured(self, channel: str, samples: Sequence[float]) -> None:
        pass
