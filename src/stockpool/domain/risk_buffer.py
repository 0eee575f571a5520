"""The risk-bounded buffer: what a channel holds back of a group of stock it shares with rivals.

The oversell risk on a channel comes from what is sold before it hears of it. Channel c learns of
a change L_c seconds late; meanwhile its rivals sell Poisson(lambda * L_c) units, lambda their
demand - and so does c itself: the number it is sent is absolute (Amazon, Walmart; Shopify when
its compare fails) and decided before c's own sales in that window were known, so when it lands
it shows those units again. So lambda is the demand of the whole group, c's own included.
Showing the group less q_c, the (1 - epsilon_c) quantile of that, keeps c's chance of
overselling under epsilon_c. A rival whose sync is stale keeps selling at the number it last got:
c holds that much more back, in place of that rival's demand.

Units lost unseen since the group's locations were last counted (domain.shrinkage) may be gone
too: Poisson(shrink) more, where shrink is the group's expected missing units. They add to the
same Poisson - one quantile at c's epsilon of sales and losses together, not two buffers added.
Near the last units, where the partition shares the group out, no channel is shown more than the
group less the (1 - epsilon_c) quantile of the losses alone (shrink_cap).

Rates in units per hour, lags in seconds.
"""

from __future__ import annotations

from collections.abc import Sequence

from stockpool.domain import poisson
from stockpool.domain.channel_facts import ChannelFacts

# What may be sold of a group before a channel hears of a change: the units per hour its rivals
# sell, the expected sales during its lag (its own included), the units stale rivals may still
# sell at their last number, and the risk number: the (1 - epsilon) quantile of those sales,
# stale included.
# A plain tuple: every real decision makes one per channel of each shared group.
RivalWindow = tuple[float, float, int, int]  # rival_demand, mean, stale_exposure, quantile


def rival_windows(members: Sequence[ChannelFacts], shrink: float = 0.0) -> list[RivalWindow]:
    """Each channel's window on what the others of its group sell, in the order given; shrink:
    the units the group's locations may have lost unseen since they were counted (a mean)."""
    healthy = sum(f.demand for f in members if f.exposure is None)
    exposed = sum(f.exposure for f in members if f.exposure is not None)
    windows: list[RivalWindow] = []
    for own in members:
        own_demand = 0.0
        if own.exposure is None:
            rival_demand, stale = healthy - own.demand, exposed
            own_demand = own.demand
        else:
            rival_demand, stale = healthy, exposed - own.exposure
        rival_demand = max(rival_demand, 0.0)  # float rounding of the difference
        # A number is absolute and lands L_c late: what c itself sold meanwhile it shows again.
        mean = (rival_demand + own_demand) * own.lag / 3600
        quantile = poisson.quantile(mean + shrink, 1 - own.rules.epsilon) + stale
        windows.append((rival_demand, mean, stale, quantile))
    return windows


def shrink_cap(units: int, shrink: float, epsilon: float) -> int:
    """The most a channel may be shown of a group of units that may have lost Poisson(shrink)
    unseen: the group less the (1 - epsilon) quantile of those losses (all of it with none)."""
    if shrink <= 0:
        return units
    return max(0, units - poisson.quantile(shrink, 1 - epsilon))
