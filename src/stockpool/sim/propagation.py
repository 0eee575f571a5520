"""How late a number pushed to a channel shows there: a lognormal delay around the channel's
median, updates applied in the order sent, and none landing during an outage or a stuck feed
(they land when it ends).

Each channel draws its delays from a stream of its own, seeded from the run's seed: the n-th
push to a channel waits as long under every strategy (common random numbers).
"""

from __future__ import annotations

import math
import random

from stockpool.sim.scenario import ChannelSpec, Scenario

HOUR = 3600.0


class Propagation:
    def __init__(self, scenario: Scenario, seed: int) -> None:
        self._channels: tuple[ChannelSpec, ...] = scenario.channels
        self._streams = [random.Random(f"{seed}:delay:{c.code}") for c in scenario.channels]

    def mean_delay(self, channel: int) -> float:
        """The delay's mean in seconds: the lag stockpool would measure for the channel."""
        spec = self._channels[channel]
        return spec.median_delay() * math.exp(spec.delay_sigma**2 / 2)

    def landing(self, channel: int, now: float, last_landing: float) -> float:
        """When a number pushed now shows on the channel: after its delay, never before the
        number pushed before it, and not during an outage."""
        spec = self._channels[channel]
        delay = spec.median_delay()
        if spec.delay_sigma:
            delay *= math.exp(spec.delay_sigma * self._streams[channel].gauss(0.0, 1.0))
        landing = max(now + delay, last_landing)
        for outage in spec.outages:
            if outage.holds(landing / HOUR):
                landing = outage.end_hours * HOUR
        return landing
