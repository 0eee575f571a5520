"""The strategies the lab compares, each nothing but production Policy values per channel: the
production domain (policies.resolve, then availability.advertise) turns them into numbers.

- mirror: the naive integration, on-hand everywhere: a buffer of 0 and nothing else.
- fixed-buffer: the scenario's fixed_buffer units held back on every channel.
- partition: each channel shows its demand share of the pool (share_percent), no buffer.
- stockpool: the shipped default, an empty policy: the risk model, epsilon by cancellation cost.
- a seller's policy file: channel -> the fields PUT /v1/channels/{code}/policy accepts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stockpool.domain.channels import Channel
from stockpool.domain.errors import InvalidRequest
from stockpool.domain.policies import Policy, Rules, resolve
from stockpool.sim.scenario import LabError, Scenario, read_yaml

STRATEGIES = ("mirror", "fixed-buffer", "partition", "stockpool")


@dataclass(frozen=True, slots=True)
class Strategy:
    name: str
    policies: Mapping[str, Policy]  # per channel code; a channel not named: the empty policy

    def rules(self, scenario: Scenario) -> tuple[Rules, ...]:
        """Each channel's rules (the scenario's order), as production resolves them."""
        return tuple(
            resolve(self.policies.get(spec.code, Policy()), Channel(spec.code, spec.platform).cost)
            for spec in scenario.channels
        )


def strategy(name: str, scenario: Scenario) -> Strategy:
    """One of the built-in strategies for a scenario's channels."""
    channels = scenario.channels
    if name == "mirror":
        return Strategy(name, {c.code: Policy(buffer=0) for c in channels})
    if name == "fixed-buffer":
        return Strategy(name, {c.code: Policy(buffer=scenario.fixed_buffer) for c in channels})
    if name == "partition":
        total = sum(c.demand_share for c in channels)
        return Strategy(
            name,
            {
                c.code: Policy(buffer=0, share_percent=max(1, round(100 * c.demand_share / total)))
                for c in channels
            },
        )
    if name == "stockpool":
        return Strategy(name, {})
    raise LabError(f"no strategy {name!r}: the strategies are {', '.join(STRATEGIES)}.")


def policy_strategy(path: Path, scenario: Scenario) -> Strategy:
    """A seller's policy file (YAML or JSON): channel code -> policy fields."""
    if not path.is_file():
        raise LabError(f"no policy file {path}.")
    data = read_yaml(path.read_text(encoding="utf-8"), str(path))
    return Strategy(f"policy:{path.stem}", parse_policies(data, scenario, str(path)))


def parse_policies(data: Any, scenario: Scenario, source: str) -> dict[str, Policy]:
    """Each channel's production Policy; its own validation errors name the field."""
    if not isinstance(data, dict):
        raise LabError(f"{source}: a policy file maps channel codes to policies.")
    known = scenario.channel_codes()
    policies: dict[str, Policy] = {}
    for code, fields in data.items():
        if code not in known:
            raise LabError(f"{source}: no channel {code!r} in the scenario ({', '.join(known)}).")
        if not isinstance(fields, dict):
            raise LabError(f"{source}: {code}: a policy is a mapping of fields.")
        policies[code] = _policy(fields, f"{source}: {code}")
    return policies


def _policy(fields: dict[str, Any], where: str) -> Policy:
    names = set(Policy.__dataclass_fields__)
    unknown = sorted(set(fields) - names)
    if unknown:
        raise LabError(f"{where}: unknown field(s) {', '.join(unknown)}; fields: {sorted(names)}.")
    try:
        return Policy(**fields)
    except InvalidRequest as error:
        raise LabError(f"{where}: {error.message}") from None
