"""Which sandboxes to start, on which ports, set up how: what `stockpool sandbox` asks for."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from stockpool.sandbox.core import Sandbox
from stockpool.sandbox.faults import FaultsUpdate, parse_fault

PLATFORMS: dict[str, tuple[str, str]] = {
    "shopify": ("stockpool.sandbox.shopify", "ShopifySandbox"),
    "amazon": ("stockpool.sandbox.amazon", "AmazonSandbox"),
    "walmart": ("stockpool.sandbox.walmart", "WalmartSandbox"),
}
DEFAULT_PORTS = {"shopify": 8101, "amazon": 8102, "walmart": 8103}


def sandbox_class(platform: str) -> type[Sandbox]:
    module, name = PLATFORMS[platform]
    found: type[Sandbox] = getattr(importlib.import_module(module), name)
    return found


@dataclass
class Launch:
    """What to start: a port per platform (None: not started; 0: any free port)."""

    ports: dict[str, int | None]
    seed_skus: int = 0
    shown: int = 0
    seed: int | None = None
    delays: dict[str, float] = field(default_factory=dict)
    faults: list[tuple[str, FaultsUpdate]] = field(default_factory=list)
    buyers_per_minute: dict[str, float] = field(default_factory=dict)

    def build(self) -> list[tuple[Sandbox, int]]:
        """The sandboxes, seeded, with their faults, delays and buyers set; each with its port."""
        built = []
        for platform, port in self.ports.items():
            if port is None:
                continue
            sandbox = sandbox_class(platform)(
                delay_seconds=self.delays.get(platform), seed=self.seed
            )
            sandbox.seed(self.seed_skus, self.shown)
            for target, change in self.faults:
                if target in ("", platform):
                    sandbox.faults.update(change)
            rate = self.buyers_per_minute.get(platform, 0.0)
            if rate > 0:
                sandbox.buyers.set(rate)
            built.append((sandbox, port))
        return built


def per_platform(values: list[str], what: str) -> dict[str, float]:
    """`amazon=300` (or `300` for every platform) → {platform: 300.0}."""
    found: dict[str, float] = {}
    for value in values:
        platform, sep, number = value.rpartition("=")
        targets = [platform] if sep else list(PLATFORMS)
        if sep and platform not in PLATFORMS:
            raise ValueError(
                f"{value!r}: unknown platform {platform!r}; one of {', '.join(PLATFORMS)}"
            )
        try:
            amount = float(number)
        except ValueError:
            raise ValueError(f"{value!r}: {what} must be a number, e.g. amazon=60") from None
        if amount < 0:
            raise ValueError(f"{value!r}: {what} cannot be negative")
        found.update(dict.fromkeys(targets, amount))
    return found


def faults(values: list[str]) -> list[tuple[str, FaultsUpdate]]:
    parsed = [parse_fault(value) for value in values]
    for platform, _ in parsed:
        if platform and platform not in PLATFORMS:
            raise ValueError(
                f"unknown platform {platform!r} in a fault; one of {', '.join(PLATFORMS)}"
            )
    return parsed
