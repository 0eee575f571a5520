"""Token buckets: the per-operation quotas the platforms enforce."""

from __future__ import annotations

import time
from collections.abc import Callable


class TokenBucket:
    """`rate` tokens a second up to `burst`; a call takes `cost` tokens or is refused."""

    def __init__(
        self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = burst
        self._at = clock()

    def available(self) -> float:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        return self._tokens

    def take(self, cost: float = 1.0) -> bool:
        if self.available() < cost:
            return False
        self._tokens -= cost
        return True

    def seconds_until(self, cost: float = 1.0) -> float:
        """How long until `cost` tokens are there."""
        missing = cost - self.available()
        return 0.0 if missing <= 0 else missing / self.rate if self.rate > 0 else float("inf")
