"""Calling a platform without hammering it: a token bucket per operation (refilled at the
platform's published rate, corrected from the platform's own headers), retries with exponential
backoff and full jitter (or the platform's Retry-After), and a circuit breaker per channel that
stops calling a failing platform for a while.

Time and sleep are injected, so tests move a clock by hand instead of waiting.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from stockpool.domain.errors import CircuitOpen, PlatformUnavailable
from stockpool.domain.platforms import Outcome, Push, Pushed
from stockpool.domain.sync_health import Circuit, Vitals

Clock = Callable[[], float]  # monotonic seconds
Sleep = Callable[[float], None]
T = TypeVar("T")


@dataclass(slots=True)
class TokenBucket:
    """rate tokens a second, up to burst; a call takes one token, waiting for it if need be."""

    rate: float
    burst: float
    clock: Clock = time.monotonic
    tokens: float = field(init=False)
    _at: float = field(init=False)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.tokens, self._at = self.burst, self.clock()

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self._at) * self.rate)
        self._at = now

    def wait_for(self, cost: float = 1.0) -> float:
        """Seconds until cost tokens are there (0: now); takes them as of then."""
        with self._lock:
            self._refill()
            self.tokens -= cost
            return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def seen(
        self, available: float | None = None, rate: float | None = None, burst: float | None = None
    ) -> None:
        """The platform said how many tokens it has left, its rate or its bucket's size: believe
        what it said."""
        with self._lock:
            self._refill()
            if burst is not None and burst > 0:
                self.burst = burst
            if rate is not None and rate > 0:
                self.rate = rate
            if available is not None:
                self.tokens = min(self.burst, available)


@dataclass(slots=True)
class CircuitBreaker:
    """Opens after `failures` calls in a row fail; while open, calls are refused at once; after
    `cooldown` seconds one call is let through to try (half open)."""

    failures: int = 5
    cooldown: float = 30.0
    clock: Clock = time.monotonic
    failed_in_a_row: int = 0
    opened_at: float | None = None
    throttled: int = 0  # answers where the platform said "slow down" (they do not open it)

    @property
    def open(self) -> bool:
        return self.opened_at is not None and self.clock() - self.opened_at < self.cooldown

    def vitals(self) -> Vitals:
        """Its state as the worker reports it: open, half open (cooled down, the next call
        tries the platform) or closed."""
        circuit: Circuit = (
            "closed" if self.opened_at is None else "open" if self.open else "half_open"
        )
        return Vitals(circuit, self.failed_in_a_row, self.throttled)

    def allow(self) -> None:
        """Refuse at once (CircuitOpen, saying how long it stays open) while open."""
        opened_at = self.opened_at
        if opened_at is not None and self.open:
            raise CircuitOpen(
                f"circuit open after {self.failed_in_a_row} failures in a row; "
                f"trying again within {self.cooldown:g} s",
                retry_in=max(0.0, self.cooldown - (self.clock() - opened_at)),
            )

    def succeeded(self) -> None:
        self.failed_in_a_row, self.opened_at = 0, None

    def failed(self) -> None:
        self.failed_in_a_row += 1
        if self.failed_in_a_row >= self.failures:
            self.opened_at = self.clock()


class Retry(Exception):
    """Raised by a call that may succeed if made again: after `after` seconds (the platform's
    Retry-After) or after the backoff's delay (after None). throttled: the platform is up and
    asked us to slow down, which does not count towards opening its circuit."""

    def __init__(self, reason: str, after: float | None = None, *, throttled: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.after = after
        self.throttled = throttled


@dataclass(slots=True)
class Backoff:
    """Full jitter: the n-th retry waits a random time up to base * 2**n, at most cap."""

    base: float = 0.5
    cap: float = 30.0
    attempts: int = 5
    jitter: Callable[[], float] = random.random  # a number in [0, 1)

    def delay(self, attempt: int) -> float:
        return self.jitter() * min(self.cap, self.base * 2.0**attempt)


def call(
    attempt: Callable[[], T],
    *,
    bucket: TokenBucket,
    breaker: CircuitBreaker,
    backoff: Backoff,
    sleep: Sleep = time.sleep,
    cost: float = 1.0,
) -> T:
    """attempt(), waiting for cost tokens first, retried while it raises Retry;
    PlatformUnavailable when the circuit is open or every attempt was used. A throttled attempt
    is retried but does not count as the platform failing."""
    last = "no attempt made"
    for n in range(backoff.attempts):
        breaker.allow()
        wait = bucket.wait_for(cost)
        if wait:
            sleep(wait)
        try:
            result = attempt()
        except Retry as retry:
            if retry.throttled:
                breaker.throttled += 1
            else:
                breaker.failed()
            last = retry.reason
            if n + 1 < backoff.attempts:
                sleep(retry.after if retry.after is not None else backoff.delay(n))
            continue
        breaker.succeeded()
        return result
    raise PlatformUnavailable(f"gave up after {backoff.attempts} attempts: {last}")


def push_each(pushes: Sequence[Push], push_one: Callable[[Push], Pushed]) -> list[Pushed]:
    """Each push in order by its own call: one the platform could not take (PlatformUnavailable)
    is FAILED, and tried again after its backoff. Once the circuit opens the rest are not sent:
    the results end there and those pushes stay due, no attempt counted against them (a
    platform's outage must not push their next try minutes past its recovery). CircuitOpen when
    not one was sent."""
    results: list[Pushed] = []
    for push in pushes:
        try:
            results.append(push_one(push))
        except CircuitOpen:
            if not results:
                raise
            break
        except PlatformUnavailable as unavailable:
            results.append(Pushed(push, Outcome.FAILED, str(unavailable)))
    return results
