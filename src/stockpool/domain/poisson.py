"""The Poisson distribution, as far as buffers need it: how many units a channel's rivals may sell
in a window, at a given confidence.

Computed from the probability mass itself, in log space from the mode outwards, so large means
neither underflow (e^-mean) nor lose precision; the mass outside mean ± 14 sd (plus 40) is far
below any epsilon a seller can set.
"""

from __future__ import annotations

import math
from functools import lru_cache

MEAN_MAX = 1e9  # window demand above this is a data error, not a forecast
SMALL_MEAN = 100.0  # up to here e^-mean is far from underflow, and a recurrence is exact enough


def _check(mean: float) -> float:
    if not (math.isfinite(mean) and 0 <= mean <= MEAN_MAX):
        raise ValueError(f"a Poisson mean must be from 0 to {MEAN_MAX:g} (got {mean!r})")
    return mean


def _window(mean: float) -> tuple[int, int]:
    spread = 14 * math.sqrt(mean) + 40
    return max(0, math.floor(mean - spread)), math.ceil(mean + spread)


def _pmf(mean: float, k: int) -> float:
    if mean == 0:
        return 1.0 if k == 0 else 0.0
    return math.exp(k * math.log(mean) - mean - math.lgamma(k + 1))


@lru_cache(maxsize=65_536)
def quantile(mean: float, probability: float) -> int:
    """The smallest k with P(X <= k) >= probability, X ~ Poisson(mean)."""
    _check(mean)
    if not 0 < probability < 1:
        raise ValueError(f"probability must be between 0 and 1 (got {probability!r})")
    if mean == 0:
        return 0
    if mean <= SMALL_MEAN:  # the usual window: sum the mass upwards from 0, by recurrence
        term = math.exp(-mean)
        cumulative = term
        k = 0
        while cumulative < probability and term > 0:
            k += 1
            term *= mean / k
            cumulative += term
        return k
    low, high = _window(mean)
    cumulative = 0.0
    for k in range(low, high + 1):
        cumulative += _pmf(mean, k)
        if cumulative >= probability:
            return k
    return high


def tail(mean: float, k: int) -> float:
    """P(X > k), X ~ Poisson(mean): the chance rivals sell more than k units in the window."""
    _check(mean)
    if k < 0:
        return 1.0
    if mean == 0:
        return 0.0
    low, high = _window(mean)
    if k >= high:
        return 0.0
    # Sum the smaller side, for precision in the far tail.
    if k + 1 >= mean:
        return math.fsum(_pmf(mean, i) for i in range(k + 1, high + 1))
    return max(0.0, 1.0 - math.fsum(_pmf(mean, i) for i in range(low, k + 1)))
