"""Time in the sandbox tests: a clock the test moves by hand, and polling with a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class Clock:
    """A sandbox's monotonic clock, moved only by the test."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def eventually(probe: Callable[[], T], done: Callable[[T], Any] = bool, seconds: float = 10.0) -> T:
    """Poll `probe` until `done` holds of its answer, and return that answer; fail after
    `seconds` with the last answer."""
    deadline = time.monotonic() + seconds
    while True:
        answer = probe()
        if done(answer):
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"Still not there after {seconds}s: {answer!r}")
        time.sleep(0.02)
