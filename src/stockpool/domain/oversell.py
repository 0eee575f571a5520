"""The chance that what a channel shows oversells: during its lag the whole group sells
Poisson(window mean) units (domain.risk_buffer), plus what stale rivals may still sell, and its
locations may have lost Poisson(shrink mean) units unseen since their last counts; the channel
oversells when those exceed the units of its pool it does not show.

The risk model keeps that chance under the channel's epsilon by itself; a seller's fixed buffer
(or an epsilon set high) can push it above. Partitioned stock never oversells across channels
(the numbers add up to the pool), and stock only the channel sells cannot: neither is judged."""

from __future__ import annotations

from dataclasses import dataclass

from stockpool.domain import poisson
from stockpool.domain.availability import Advertised


@dataclass(frozen=True, slots=True)
class Risk:
    probability: float
    safe: int  # the most the channel could show with a chance no more than the limit


def shown_risk(shown: Advertised, limit: float) -> Risk | None:
    """The oversell chance of a channel's number (None: partitioned or exclusive stock)."""
    if shown.mode != "risk" or not shown.groups:
        return None
    mean = sum(g.window_mean + g.shrink_mean for g in shown.groups)
    stale = sum(g.stale_exposure for g in shown.groups)
    unshown = shown.pool - shown.advertised - stale
    probability = poisson.tail(mean, unshown)
    safe = max(0, shown.pool - stale - poisson.quantile(mean, 1 - limit))
    return Risk(probability, safe)
