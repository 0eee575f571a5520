"""Sales channels: where orders come from, and what a seller cancellation costs on each."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from stockpool.domain.catalog import NAME_MAX, channel_code
from stockpool.domain.errors import InvalidRequest
from stockpool.domain.text import clean_text


class Platform(StrEnum):
    SHOPIFY = "shopify"
    AMAZON = "amazon"
    WALMART = "walmart"
    MANUAL = "manual"


# What cancelling an order costs the seller, in relative points. Amazon and Walmart count seller
# cancellations against the account; on Shopify the brand can talk to its own customer.
DEFAULT_CANCELLATION_COST: dict[Platform, int] = {
    Platform.AMAZON: 100,
    Platform.WALMART: 100,
    Platform.SHOPIFY: 10,
    Platform.MANUAL: 10,
}
COST_MAX = 10_000


@dataclass(frozen=True, slots=True)
class Channel:
    code: str
    platform: Platform
    name: str = ""
    cancellation_cost: int | None = None  # None: the platform's default
    split_allowed: bool = True  # may one order ship from several locations?

    def __post_init__(self) -> None:
        channel_code(self.code)
        object.__setattr__(self, "name", clean_text(self.name, "name", NAME_MAX))
        cost = self.cancellation_cost
        if cost is None:
            object.__setattr__(self, "cancellation_cost", DEFAULT_CANCELLATION_COST[self.platform])
        elif isinstance(cost, bool) or not isinstance(cost, int) or not 0 <= cost <= COST_MAX:
            raise InvalidRequest(
                f"cancellation_cost must be a whole number from 0 to {COST_MAX} (got {cost!r})."
            )

    @property
    def cost(self) -> int:
        """What a seller cancellation here costs (the platform's default, unless set)."""
        cost = self.cancellation_cost
        return DEFAULT_CANCELLATION_COST[self.platform] if cost is None else cost
