"""The simulated clock: a heap of (time, order, action, argument), run in time order.

A plain heapq loop rather than SimPy: the lab's events never wait on one another (no resources,
no processes that yield), so SimPy's generators would add a frame per event for nothing;
bench/sim.py measures this loop against a bare one handling the same number of events.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Any

Action = Callable[[Any], None]


class EventLoop:
    """Events at simulated times (seconds from the start), run in order; equal times run in
    the order they were scheduled."""

    def __init__(self) -> None:
        self.now = 0.0
        self.handled = 0
        self._queue: list[tuple[float, int, Action, Any]] = []
        self._order = 0

    def at(self, time: float, action: Action, argument: Any = None) -> None:
        """Run action(argument) at time (never before now)."""
        self._order += 1
        heapq.heappush(self._queue, (max(time, self.now), self._order, action, argument))

    def run(self, until: float) -> None:
        """Run every event up to until; the clock stops there."""
        queue = self._queue
        pop = heapq.heappop
        while queue and queue[0][0] <= until:
            time, _, action, argument = pop(queue)
            self.now = time
            action(argument)
            self.handled += 1
        self.now = until


def bare_loop(first: list[float], total: int, step: float = 60.0) -> int:
    """The least an event loop does, for bench/sim.py: the first events on a heap, then each
    one popped schedules the next (step later) until total have been scheduled, as a run's
    events do (its heap holds about its shoppers); no action is called. The events handled."""
    queue = [(time, order) for order, time in enumerate(first)]
    heapq.heapify(queue)
    scheduled = len(queue)
    handled = 0
    while queue:
        time, _ = heapq.heappop(queue)
        handled += 1
        if scheduled < total:
            heapq.heappush(queue, (time + step, scheduled))
            scheduled += 1
    return handled
