"""What one strategy's run did on each channel, and the marketplaces' published targets for
seller cancellations."""

from __future__ import annotations

from dataclasses import dataclass, field

from stockpool.domain.channels import Platform

# Seller-cancellation targets the marketplaces publish, as a share of orders:
# Amazon: "Cancellation Rate" under 2.5% (Seller Central, Account Health: Seller Performance
# Policies); Walmart: "Cancellation Rate" under 2% (Walmart Marketplace Performance Standards).
# Shopify publishes none: the brand talks to its own customer.
CANCELLATION_TARGETS: dict[Platform, float | None] = {
    Platform.AMAZON: 0.025,
    Platform.WALMART: 0.02,
    Platform.SHOPIFY: None,
    Platform.MANUAL: None,
}


@dataclass(slots=True)
class ChannelTally:
    """Counted as the run goes, for one channel."""

    shoppers: int = 0
    wanted_units: int = 0
    orders: int = 0  # orders the channel accepted (the shopper saw enough)
    ordered_units: int = 0
    oversold_orders: int = 0  # orders of the channel with a line cancelled: stock not there
    oversold_units: int = 0  # the units cancelled
    oversold_at_picking: int = 0  # of them, settling a pick that found units missing unseen
    cancellations: int = 0  # orders with units the seller cancelled
    cancelled_units: int = 0
    lost_sales: int = 0  # shoppers shown less than they wanted while sellable stock existed
    lost_units: int = 0
    shown_share_total: float = 0.0  # shown / pool, summed over shoppers who found a pool
    shown_share_seen: int = 0


@dataclass(frozen=True, slots=True)
class ChannelResult:
    strategy: str
    channel: str
    shoppers: int
    orders: int
    oversold_orders: int
    oversold_units: int
    oversold_at_picking: int
    cancellations: int
    cancellation_rate: float
    cancellation_target: float | None
    lost_sales: int
    lost_units: int
    wanted_units: int
    filled_units: int
    fill_rate: float  # units delivered or on their way / units shoppers wanted
    mean_share_shown: float  # shown / sellable pool, as shoppers found it

    def over_target(self) -> bool:
        target = self.cancellation_target
        return target is not None and self.cancellation_rate >= target


@dataclass(frozen=True, slots=True)
class RunResult:
    strategy: str
    channels: tuple[ChannelResult, ...]
    events: int = 0  # events the loop handled
    seconds: float = 0.0  # wall time of the run
    extras: dict[str, int] = field(default_factory=dict)  # returns, counts, receipts...

    def total(self, name: str) -> int:
        return sum(int(getattr(c, name)) for c in self.channels)

    def fill_rate(self) -> float:
        """Over every channel: units filled / units wanted."""
        wanted = sum(c.wanted_units for c in self.channels)
        return sum(c.filled_units for c in self.channels) / wanted if wanted else 1.0


def channel_result(
    strategy: str, channel: str, platform: Platform, tally: ChannelTally
) -> ChannelResult:
    filled = tally.ordered_units - tally.cancelled_units
    return ChannelResult(
        strategy=strategy,
        channel=channel,
        shoppers=tally.shoppers,
        orders=tally.orders,
        oversold_orders=tally.oversold_orders,
        oversold_units=tally.oversold_units,
        oversold_at_picking=tally.oversold_at_picking,
        cancellations=tally.cancellations,
        cancellation_rate=tally.cancellations / tally.orders if tally.orders else 0.0,
        cancellation_target=CANCELLATION_TARGETS[platform],
        lost_sales=tally.lost_sales,
        lost_units=tally.lost_units,
        wanted_units=tally.wanted_units,
        filled_units=filled,
        fill_rate=filled / tally.wanted_units if tally.wanted_units else 1.0,
        mean_share_shown=(
            tally.shown_share_total / tally.shown_share_seen if tally.shown_share_seen else 0.0
        ),
    )
