"""Faults on demand: what a sandbox gets wrong on purpose, set at start or at run time."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, fields
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class FaultsUpdate(BaseModel):
    """A change to some faults (the rest stay as they are)."""

    model_config = ConfigDict(extra="forbid")

    error_rate: float | None = Field(None, ge=0, le=1, description="Share of calls answered 5xx.")
    timeout_rate: float | None = Field(
        None, ge=0, le=1, description="Share of calls that stall, then answer 504."
    )
    timeout_seconds: float | None = Field(None, ge=0, le=600)
    throttle_rate: float | None = Field(
        None, ge=0, le=1, description="Share of calls throttled whatever the quota (1: a storm)."
    )
    stuck_feeds: bool | None = Field(None, description="New feeds never leave processing.")
    webhook_duplicate_rate: float | None = Field(
        None, ge=0, le=1, description="Share of webhooks delivered twice."
    )
    webhook_reorder: bool | None = Field(
        None, description="Webhooks held and sent newest first, in pairs."
    )


@dataclass(slots=True)
class Faults:
    error_rate: float = 0.0
    timeout_rate: float = 0.0
    timeout_seconds: float = 30.0
    throttle_rate: float = 0.0
    stuck_feeds: bool = False
    webhook_duplicate_rate: float = 0.0
    webhook_reorder: bool = False

    def update(self, change: FaultsUpdate) -> None:
        for name, value in change.model_dump(exclude_none=True).items():
            setattr(self, name, value)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def names(cls) -> list[str]:
        return [field.name for field in fields(cls)]


def parse_fault(text: str) -> tuple[str, FaultsUpdate]:
    """`amazon.error_rate=0.2` (or `error_rate=0.2` for every sandbox) from the command line."""
    target, sep, value = text.partition("=")
    if not sep:
        raise ValueError(
            f"{text!r}: write a fault as [PLATFORM.]NAME=VALUE, e.g. amazon.error_rate=0.2"
        )
    platform, _, name = target.rpartition(".")
    if name not in Faults.names():
        raise ValueError(f"{text!r}: unknown fault {name!r}; known: {', '.join(Faults.names())}")
    try:
        return platform, FaultsUpdate.model_validate({name: value})
    except ValueError as error:
        raise ValueError(f"{text!r}: {error}") from None


class Dice:
    """The sandbox's randomness, seedable so that a test's faults repeat."""

    def __init__(self, seed: int | None = None) -> None:
        self._random = random.Random(seed)

    def hit(self, rate: float) -> bool:
        return rate > 0 and self._random.random() < rate

    def wait(self, rate_per_second: float) -> float:
        return self._random.expovariate(rate_per_second)

    def choice(self, items: list[Any]) -> Any:
        return self._random.choice(items)
