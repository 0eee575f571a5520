"""What a bundle may show on a channel: the whole bundles its components' own advertised numbers
make (they already hold back for every channel's demand, bundles included), then its limits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from stockpool.domain.catalog import Component
from stockpool.domain.policies import Rules
from stockpool.domain.seller_limits import Limit, apply_limits


@dataclass(frozen=True, slots=True)
class BundleAdvertised:
    channel: str
    advertised: int
    pool: int  # whole bundles the components make at the channel's locations
    made_from: int  # whole bundles the components' own advertised numbers make
    scarcest: str | None  # the component that allows the fewest
    limits: tuple[Limit, ...] = ()


def bundle_number(
    channel: str,
    components: Sequence[Component],
    advertised: Mapping[str, int],
    pool: int,
    rules: Rules,
) -> BundleAdvertised:
    """A bundle shows the whole bundles its components' advertised numbers make (they already
    hold back for every channel's demand, bundles included), no more than the bundles its
    components make at the channel's locations, then its own limits."""
    made, scarcest = pool, None
    for component in sorted(components, key=lambda c: c.sku):
        whole = advertised.get(component.sku, 0) // component.units
        if scarcest is None or whole < made:
            made, scarcest = whole, component.sku
    made = min(made, pool) if components else 0
    number = made if rules.buffer is None else max(0, made - rules.buffer)
    number, limits = apply_limits(rules, number, pool)
    return BundleAdvertised(channel, number, pool, made, scarcest, limits)
