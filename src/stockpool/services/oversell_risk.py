"""Which channels show a SKU more than its oversell risk allows: each candidate SKU decided
afresh as the recompute would (batched reads, 500 SKUs a round trip) and each channel's
number judged (domain.oversell).

Only a rule can push a number past the risk model: a fixed buffer, or an epsilon above the
alert's limit. Candidates are therefore the selling SKUs when a channel's own policy has such a
rule, else only the selling SKUs with such an override; with none anywhere, nothing is read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from stockpool.domain.alerts import ShownRisk
from stockpool.domain.availability import decide
from stockpool.domain.oversell import shown_risk
from stockpool.domain.policies import Rules
from stockpool.services.availability_decider import explained_facts
from stockpool.services.availability_inputs import load
from stockpool.services.availability_setup import SetupCache
from stockpool.services.ports import UnitOfWork

CHUNK = 500


def risks(
    uow: UnitOfWork, setups: SetupCache, selling: Sequence[str], limit: float, at: datetime
) -> list[ShownRisk]:
    setup = setups.current(uow)
    chancy = [c for c in setup.channels if _chancy(setup.rules(c, None), limit)]
    candidates = list(selling)
    if not chancy:
        if not setup.overrides:
            return []
        overrides = uow.policies.sku_overrides(candidates)
        candidates = sorted({sku for sku, _ in overrides})
    found: list[ShownRisk] = []
    for start in range(0, len(candidates), CHUNK):
        found += _judged(uow, setups, candidates[start : start + CHUNK], limit, at)
    return found


def _chancy(rules: Rules, limit: float) -> bool:
    return rules.buffer is not None or rules.epsilon > limit


def _judged(
    uow: UnitOfWork, setups: SetupCache, skus: Sequence[str], limit: float, at: datetime
) -> list[ShownRisk]:
    setup = setups.current(uow)
    settings = setups.settings
    _, _, inputs = load(uow, setup, skus, at)
    found: list[ShownRisk] = []
    for sku in skus:
        if inputs.components.get(sku):  # a bundle: its components are judged
            continue
        places, facts = explained_facts(settings, setup, sku, inputs, at)
        decision = decide(places, facts, holdback_percent=settings.holdback_percent)
        for code, shown in sorted(decision.channels.items()):
            risk = shown_risk(shown, limit)
            if risk is not None and risk.probability > limit:
                found.append(ShownRisk(sku, code, shown.advertised, risk.probability, risk.safe))
    return found
