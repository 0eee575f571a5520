"""Bundles: one SKU sold as a set of components. A bundle holds no stock of its own; what it can
sell is what its scarcest component allows, and ordering it takes its components."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from stockpool.domain.catalog import Component
from stockpool.domain.orders import OrderLine

__all__ = ["Component", "Origin", "bundle_available", "expand"]


Origin = tuple[str, int] | None  # (bundle SKU, line as received) for a component line


def expand(
    lines: Sequence[OrderLine], bundles: Mapping[str, Sequence[Component]]
) -> tuple[list[OrderLine], list[Origin]]:
    """Order lines with every bundle replaced by its components (quantity times units each),
    and for each resulting line the bundle line it came from."""
    expanded: list[OrderLine] = []
    origin: list[Origin] = []
    for n, line in enumerate(lines):
        components = bundles.get(line.sku)
        if not components:
            expanded.append(line)
            origin.append(None)
            continue
        for component in components:
            expanded.append(OrderLine(component.sku, line.quantity * component.units))
            origin.append((line.sku, n))
    return expanded, origin


def bundle_available(components: Sequence[Component], available: Mapping[str, int]) -> int:
    """Whole bundles the components' available units make (0 without components)."""
    if not components:
        return 0
    return min(available.get(c.sku, 0) // c.units for c in components)
