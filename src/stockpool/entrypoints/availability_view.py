"""A SKU's explained numbers as the API returns them and `stockpool why` prints them: one
document, built once for both."""

from __future__ import annotations

from typing import Any

from stockpool.domain.availability import Advertised, GroupShare
from stockpool.domain.bundle_availability import BundleAdvertised
from stockpool.domain.listings import StoredListing
from stockpool.domain.seller_limits import Limit
from stockpool.services.availability_explain import ChannelExplanation, SkuAvailability


def document(found: SkuAvailability) -> dict[str, Any]:
    return {
        "sku": found.sku,
        "computed_at": found.computed_at,
        "channels": [channel_document(c) for c in found.channels],
    }


def channel_document(c: ChannelExplanation) -> dict[str, Any]:
    decision, bundle = c.decision, c.bundle
    status, reasons = c.health
    return {
        "channel": c.channel,
        "advertised": c.advertised,
        "recorded": c.stored,
        "mode": decision.mode if decision else "bundle",
        "pool": _pool(decision) if decision else None,
        "demand": {
            "units_per_hour": c.demand.units_per_hour,
            "measured_units_per_hour": c.demand.measured,
            "floored": c.demand.floored,
            "rivals_units_per_hour": c.rival_demand,
        },
        "lag": {"seconds": c.lag.seconds, "source": c.lag.source, "samples": c.lag.samples},
        "buffer": _buffer(c, decision) if decision else None,
        "limits": [
            {"rule": lim.rule, "value": lim.value, "before": lim.before, "after": lim.after}
            for lim in _limits(c)
        ],
        "bundle": (
            {"made_from": bundle.made_from, "scarcest": bundle.scarcest, "pool": bundle.pool}
            if bundle
            else None
        ),
        "health": {"status": status, "reasons": list(reasons)},
        "listings": [_listing(x) for x in c.listings],
        "shrinkage": _shrinkage(c, decision),
        "why": why(c),
    }


def _pool(decision: Advertised) -> dict[str, Any]:
    return {
        "eligible": decision.pool,
        "exclusive": decision.exclusive,
        "ring_fenced": decision.ring_fenced,
        "held_back_stale_snapshots": decision.held_back,
    }


def _buffer(c: ChannelExplanation, decision: Advertised) -> dict[str, Any]:
    return {
        "units": decision.buffer,
        "source": decision.buffer_source,
        "epsilon": decision.epsilon,
        "epsilon_default": c.rules.epsilon_is_default,
        "groups": [_group(g) for g in decision.groups],
    }


def _group(g: GroupShare) -> dict[str, Any]:
    return {
        "locations": list(g.locations),
        "channels": list(g.channels),
        "units": g.units,
        "mode": g.mode,
        "shown": g.shown,
        "window_mean": g.window_mean,
        "quantile": g.quantile,
        "stale_exposure": g.stale_exposure,
        "slice": g.slice,
        "taken": g.taken,
        "shrink_mean": g.shrink_mean,
        "shrink_held": g.shrink_held,
    }


def _shrinkage(c: ChannelExplanation, decision: Advertised | None) -> dict[str, Any]:
    return {
        "held": sum(g.shrink_held for g in decision.groups) if decision else 0,
        "locations": [
            {
                "location": s.location,
                "units_per_hour": s.units_per_hour,
                "hours_since_count": s.hours_since_count,
                "expected_missing": s.expected_missing,
            }
            for s in c.shrinkage
        ],
    }


def _listing(x: StoredListing) -> dict[str, Any]:
    return {
        "channel_sku": x.listing.channel_sku,
        "pushed_quantity": x.pushed_quantity,
        "pushed_at": x.pushed_at,
        "confirmed_quantity": x.confirmed_quantity,
        "confirmed_at": x.confirmed_at,
    }


def _limits(c: ChannelExplanation) -> tuple[Limit, ...]:
    """The seller's limits that lowered the number: the decision's, or the bundle's."""
    return c.decision.limits if c.decision else c.bundle.limits if c.bundle else ()


def why(c: ChannelExplanation) -> str:
    """The explanation in words."""
    parts: list[str] = []
    if c.bundle is not None:
        parts.append(_why_bundle(c, c.bundle))
    elif c.decision is not None:
        parts += _why_pool(c, c.decision)
        parts += _why_buffer(c, c.decision)
        parts += _why_shrinkage(c, c.decision)
    for lim in _limits(c):
        parts.append(
            f"Its {lim.rule.replace('_', ' ')} ({lim.value}) lowers {lim.before} to {lim.after}."
        )
    if c.demand.floored:
        parts.append("Its demand is the floor for new SKUs (little history yet).")
    status, reasons = c.health
    if status == "stale":
        parts.append(f"Its sync is stale ({'; '.join(reasons)}): it still shows what it last got.")
    if c.stored is not None and c.stored != c.advertised:
        parts.append(
            f"stockpool last recorded {c.stored}; the next recompute records {c.advertised}."
        )
    return " ".join(parts)


def _why_bundle(c: ChannelExplanation, bundle: BundleAdvertised) -> str:
    made = f"its components' own numbers make {bundle.made_from} bundles"
    if bundle.scarcest:
        made += f" ({bundle.scarcest} allows the fewest)"
    return (
        f"{c.channel} shows {c.advertised}: a bundle; {made}, of {bundle.pool} "
        "its components make where it may be sold."
    )


def _why_pool(c: ChannelExplanation, decision: Advertised) -> list[str]:
    parts = [f"{c.channel} shows {c.advertised} of an eligible pool of {decision.pool}."]
    if decision.exclusive:
        parts.append(f"{decision.exclusive} of those only it can sell.")
    if decision.ring_fenced:
        parts.append(f"{decision.ring_fenced} are ring-fenced for it.")
    if decision.held_back:
        parts.append(
            f"{decision.held_back} more at locations with an overdue stock snapshot do not count."
        )
    return parts


def _why_buffer(c: ChannelExplanation, decision: Advertised) -> list[str]:
    source = decision.buffer_source
    if source == "policy":
        return [f"Its policy holds back a fixed buffer of {c.rules.buffer}."]
    if source == "partition":
        slices = ", ".join(
            f"{g.slice} of {g.units}" + (f" (its orders hold {g.taken} more)" if g.taken else "")
            for g in decision.groups
        )
        return [
            "Near the last units the shared stock is split by priority x demand, on top of what "
            "each channel's open orders hold, so that what the channels show adds up to at most "
            f"the pool and a sale moves no other channel's number: its slice is {slices}."
        ]
    if source == "risk_model":
        return [_why_risk(c, decision, g) for g in decision.groups if g.units - g.shown]
    return ["Nothing is held back: no rival can sell its stock before it hears."]


def _why_shrinkage(c: ChannelExplanation, decision: Advertised) -> list[str]:
    """What it holds back for units that may have gone missing unseen since the last counts."""
    held = sum(g.shrink_held for g in decision.groups)
    if not held:
        return []
    measured = "; ".join(
        f"at {s.location} counts found {s.units_per_hour * 24:.3f} units/day missing and the "
        f"last count was {s.hours_since_count:.0f} h ago, so {s.expected_missing:.2f} may be "
        "gone unseen"
        for s in c.shrinkage
    )
    return [
        f"Of that, {held} {'is' if held == 1 else 'are'} held back for possible shrinkage: "
        f"{measured}."
    ]


def _why_risk(c: ChannelExplanation, decision: Advertised, g: GroupShare) -> str:
    """What the risk model holds back of one group, and why."""
    origin = " (the default for its cancellation cost)" if c.rules.epsilon_is_default else ""
    text = (
        f"The risk model holds back {g.units - g.shown}: it hears of a change "
        f"{c.lag.seconds:g} s late ({c.lag.source}); its rivals sell {g.rival_demand:.2f} "
        f"units/h, and what it sells itself meanwhile a late number shows again, so more than "
        f"{g.quantile - g.stale_exposure} "
        f"{'sell or go missing unseen' if g.shrink_mean else 'sell'} in that window with a "
        "chance under "
        f"{decision.epsilon:g}{origin}"
    )
    if g.stale_exposure:
        text += f", and stale rivals may still sell {g.stale_exposure} at their last number"
    return text + "."
