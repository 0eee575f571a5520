"""Availability policies: what a seller decides about how much each channel may show.

A channel has one policy; a SKU may override any of its fields for one channel. A field left
unset means "the default": for the channel, the built-in behaviour; for a SKU's override, the
channel's value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

from stockpool.domain.errors import InvalidRequest
from stockpool.domain.quantities import MAX_QUANTITY

EPSILON_MIN = 1e-6
EPSILON_MAX = 0.5
PRIORITY_MAX = 1_000
COST_MAX = 10_000


def default_epsilon(cancellation_cost: int) -> float:
    """The oversell probability to aim for when the seller sets none: the costlier a seller
    cancellation on the channel, the smaller (0.5 / cost, from 0.001 to 0.25): 0.005 on
    Amazon and Walmart (cost 100), 0.05 on Shopify (cost 10)."""
    if cancellation_cost <= 0:
        return 0.25
    return min(0.25, max(0.001, 0.5 / cancellation_cost))


@dataclass(frozen=True, slots=True)
class Policy:
    """A channel's policy, or a SKU's override of it; None means not set here."""

    share_percent: int | None = None  # show at most this share of the pool
    buffer: int | None = None  # hold back exactly this many units (instead of the risk model)
    cap: int | None = None  # never show more than this
    floor: int | None = None  # show 0 while the pool is at or below this
    ring_fence: int | None = None  # units kept for this channel alone
    priority: int | None = None  # weight of its claim on the last units (default 1)
    cancellation_cost: int | None = None  # what a seller cancellation costs here
    epsilon: float | None = None  # the oversell probability to aim for

    def __post_init__(self) -> None:
        _whole(self.share_percent, "share_percent", 1, 100)
        _whole(self.buffer, "buffer", 0, MAX_QUANTITY)
        _whole(self.cap, "cap", 0, MAX_QUANTITY)
        _whole(self.floor, "floor", 0, MAX_QUANTITY)
        _whole(self.ring_fence, "ring_fence", 0, MAX_QUANTITY)
        _whole(self.priority, "priority", 1, PRIORITY_MAX)
        _whole(self.cancellation_cost, "cancellation_cost", 0, COST_MAX)
        if self.epsilon is not None:
            value = self.epsilon
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or not EPSILON_MIN <= value <= EPSILON_MAX
            ):
                raise InvalidRequest(
                    f"epsilon is the oversell probability to aim for, from {EPSILON_MIN:g} to "
                    f"{EPSILON_MAX:g}, e.g. 0.01 (got {value!r})."
                )
            object.__setattr__(self, "epsilon", float(value))

    def over(self, base: Policy) -> Policy:
        """This policy's fields where set, base's elsewhere."""
        return replace(
            base,
            **{
                f.name: getattr(self, f.name)
                for f in fields(self)
                if getattr(self, f.name) is not None
            },
        )

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))

    def as_dict(self) -> dict[str, int | float | None]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class Rules:
    """A policy with every default filled in: what the availability decision applies."""

    share_percent: int | None
    buffer: int | None
    cap: int | None
    floor: int | None
    ring_fence: int
    priority: int
    cancellation_cost: int
    epsilon: float
    epsilon_is_default: bool = False


def resolve(policy: Policy, channel_cost: int) -> Rules:
    """The rules a policy (already merged with its channel's) means; the channel's own
    cancellation cost unless the policy sets one."""
    cost = policy.cancellation_cost if policy.cancellation_cost is not None else channel_cost
    return Rules(
        share_percent=policy.share_percent,
        buffer=policy.buffer,
        cap=policy.cap,
        floor=policy.floor,
        ring_fence=policy.ring_fence or 0,
        priority=policy.priority or 1,
        cancellation_cost=cost,
        epsilon=policy.epsilon if policy.epsilon is not None else default_epsilon(cost),
        epsilon_is_default=policy.epsilon is None,
    )


def _whole(value: object, name: str, low: int, high: int) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidRequest(
            f"{name} must be a whole number from {low} to {high:,} (got {value!r})."
        )
