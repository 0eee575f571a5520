"""Which Admin API version answers a request, and which schema generation serves that version.

Three generations differ only where stock is set: up to 2025-10 `compareQuantity` and no
`@idempotent`; 2026-01 adds the directive (optional); from 2026-04 `changeFromQuantity` replaces
`compareQuantity` and the directive is required on the inventory mutations (checked at run time,
as Shopify does: the schema cannot say it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

LATEST_VERSION = "2026-10"
OLDEST_SUPPORTED = "2025-01"
_VERSION = re.compile(r"^(\d{4})-(01|04|07|10)$")


class Generation(Enum):
    COMPARE_QUANTITY = "compare_quantity"  # ≤ 2025-10
    COMPARE_QUANTITY_IDEMPOTENT = "compare_quantity_idempotent"  # 2026-01
    CHANGE_FROM_QUANTITY = "change_from_quantity"  # ≥ 2026-04, and unstable


@dataclass(frozen=True, slots=True)
class ApiVersion:
    name: str  # the version served, after falling forward or back

    @property
    def generation(self) -> Generation:
        if self.name == "unstable" or self.name >= "2026-04":
            return Generation.CHANGE_FROM_QUANTITY
        if self.name >= "2026-01":
            return Generation.COMPARE_QUANTITY_IDEMPOTENT
        return Generation.COMPARE_QUANTITY

    @property
    def idempotency_required(self) -> bool:
        return self.generation is Generation.CHANGE_FROM_QUANTITY


def served_version(requested: str) -> ApiVersion | None:
    """The version Shopify answers a path's version with: None (404) when it is not a version
    at all; a retired one falls forward to the oldest supported, a future one back to the latest."""
    if requested == "unstable":
        return ApiVersion("unstable")
    if not _VERSION.match(requested):
        return None
    if requested < OLDEST_SUPPORTED:
        return ApiVersion(OLDEST_SUPPORTED)
    if requested > LATEST_VERSION:
        return ApiVersion(LATEST_VERSION)
    return ApiVersion(requested)
