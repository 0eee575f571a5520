"""The seller's limits on a channel's number, in this order: fixed buffer, share of the pool,
cap, floor."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from stockpool.domain.policies import Rules

LimitRule = Literal["share_percent", "cap", "floor"]


@dataclass(frozen=True, slots=True)
class Limit:
    """A seller's limit that lowered the number: which, its setting, the number before and after."""

    rule: LimitRule
    value: int
    before: int
    after: int


def apply_limits(rules: Rules, number: int, pool: int) -> tuple[int, tuple[Limit, ...]]:
    """The seller's limits on a number: share of the pool, cap, then floor (0 while the pool
    is at or below it). Each one that lowered the number is recorded."""
    limits: list[Limit] = []
    if rules.share_percent is not None:
        number = _lowered(
            limits, number, "share_percent", rules.share_percent, pool * rules.share_percent // 100
        )
    if rules.cap is not None:
        number = _lowered(limits, number, "cap", rules.cap, rules.cap)
    if rules.floor is not None and pool <= rules.floor:
        number = _lowered(limits, number, "floor", rules.floor, 0)
    return number, tuple(limits)


def _lowered(limits: list[Limit], number: int, rule: LimitRule, value: int, bound: int) -> int:
    """number, no more than bound; the limit recorded if it lowered it."""
    if bound < number:
        limits.append(Limit(rule, value, number, bound))
        return bound
    return number


def limited(rules: Rules, shown: int, pool: int) -> int:
    """The fixed buffer, then apply_limits, on shown, without recording which lowered it: the
    number every recompute stores."""
    if rules.buffer is not None:
        shown = max(0, shown - rules.buffer)
    if rules.share_percent is not None:
        shown = min(shown, pool * rules.share_percent // 100)
    if rules.cap is not None:
        shown = min(shown, rules.cap)
    if rules.floor is not None and pool <= rules.floor:
        shown = 0
    return shown
