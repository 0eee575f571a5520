"""Setting and reading `available` at an inventory item's location.

Every push is an `inventorySetQuantities` of the number stockpool decided, with reason
`correction` and a reference document naming the push. From API version 2026-04 each quantity
carries `changeFromQuantity` and the mutation an `@idempotent(key:)`; before, `compareQuantity`.
The value compared is the number this connector last set on that level (null, or
`ignoreCompareQuantity`, when it set none since it started): a stale answer means the shop's
number moved since (a sale stockpool may not have counted yet), so the push fails this time and
the next one sets the number unconditionally, by when the order has come in.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from stockpool.channels.shopify.client import Admin
from stockpool.domain.errors import InvalidRequest
from stockpool.domain.listings import Listing
from stockpool.domain.platforms import Outcome, Push, Pushed, Shown

REASON = "correction"
SHOWN_PER_QUERY = 50  # levels read per query (aliased fields; well under the cost limit)
# Codes that say this number will never be taken as sent: a person must look.
_FOR_GOOD = frozenset(
    {
        "INVALID_INVENTORY_ITEM",
        "INVALID_LOCATION",
        "INVALID_QUANTITY_NEGATIVE",
        "INVALID_QUANTITY_TOO_HIGH",
        "INVALID_QUANTITY_TOO_LOW",
        "ITEM_NOT_STOCKED_AT_LOCATION",
        "NON_MUTABLE_INVENTORY_ITEM",
    }
)
_STALE = frozenset({"CHANGE_FROM_QUANTITY_STALE", "COMPARE_QUANTITY_STALE"})

_SET = """
mutation SetAvailable($input: InventorySetQuantitiesInput!{key_variable}) {{
  inventorySetQuantities(input: $input){directive} {{
    inventoryAdjustmentGroup {{ id }}
    userErrors {{ field message code }}
  }}
}}
"""

Level = tuple[str, str]  # (inventory item id, location id)


def level_of(listing: Listing) -> Level:
    """The inventory item and location a Shopify listing names."""
    if not (listing.inventory_item_id and listing.location_id):
        raise InvalidRequest(
            f"Listing {listing.channel_sku} on {listing.channel} names no Shopify inventory item "
            "and location: discover the channel's listings, or give inventory_item_id and "
            "location_id."
        )
    return listing.inventory_item_id, listing.location_id


@dataclass(slots=True)
class Inventory:
    """Pushes and reads of `available`, remembering what it last set on each level."""

    admin: Admin
    now: Callable[[], datetime]
    last_set: dict[Level, int] = field(default_factory=dict)

    @property
    def change_from(self) -> bool:
        """changeFromQuantity and a required @idempotent: API version 2026-04 and later."""
        version = self.admin.credentials.api_version
        return version == "unstable" or version >= "2026-04"

    @property
    def idempotent(self) -> bool:
        version = self.admin.credentials.api_version
        return version == "unstable" or version >= "2026-01"

    def set_available(self, pushes: Sequence[Push]) -> list[Pushed]:
        """One inventorySetQuantities for all of `pushes` (Shopify applies all or none); when
        some lines are refused the others are sent again without them. One result per push."""
        if not pushes:
            return []
        by_line, whole = self._mutate(pushes)
        if not by_line:
            if whole is None:
                return [Pushed(push, Outcome.APPLIED) for push in pushes]
            return [Pushed(push, Outcome.FAILED, whole) for push in pushes]
        others = [push for index, push in enumerate(pushes) if index not in by_line]
        again = iter(self.set_available(others))
        return [by_line[index] if index in by_line else next(again) for index in range(len(pushes))]

    def _mutate(self, pushes: Sequence[Push]) -> tuple[dict[int, Pushed], str | None]:
        """Send one mutation: the refused lines by index, and why the whole call was refused
        when an error names no line (nothing of either: all applied)."""
        variables: dict[str, Any] = {"input": self._input(pushes)}
        if self.idempotent:
            variables["key"] = str(uuid.uuid4())  # one key for every retry of this call
        data = self.admin.run("inventorySetQuantities", self._mutation(), variables)
        errors = (data.get("inventorySetQuantities") or {}).get("userErrors") or []
        if not errors:
            for push in pushes:
                self.last_set[level_of(push.listing)] = push.quantity
            return {}, None
        return _refusals(pushes, errors, self.last_set)

    def _mutation(self) -> str:
        if not self.idempotent:
            return _SET.format(key_variable="", directive="")
        return _SET.format(key_variable=", $key: String!", directive=" @idempotent(key: $key)")

    def _input(self, pushes: Sequence[Push]) -> dict[str, Any]:
        quantities = []
        for push in pushes:
            item, location = level_of(push.listing)
            line: dict[str, Any] = {
                "inventoryItemId": item,
                "locationId": location,
                "quantity": push.quantity,
            }
            before = self.last_set.get((item, location))
            line["changeFromQuantity" if self.change_from else "compareQuantity"] = before
            quantities.append(line)
        shaped: dict[str, Any] = {
            "name": "available",
            "reason": REASON,
            "referenceDocumentUri": reference(pushes),
            "quantities": quantities,
        }
        if not self.change_from and any(line["compareQuantity"] is None for line in quantities):
            shaped["ignoreCompareQuantity"] = True
        return shaped

    def shown(self, listings: Sequence[Listing]) -> list[Shown]:
        """`available` at each listing's level now (None where Shopify does not stock it)."""
        shown: list[Shown] = []
        for start in range(0, len(listings), SHOWN_PER_QUERY):
            shown.extend(self._shown_page(listings[start : start + SHOWN_PER_QUERY]))
        return shown

    def _shown_page(self, listings: Sequence[Listing]) -> list[Shown]:
        fields, variables = [], {}
        for index, listing in enumerate(listings):
            item, location = level_of(listing)
            variables[f"i{index}"], variables[f"l{index}"] = item, location
            fields.append(
                f"s{index}: inventoryItem(id: $i{index}) {{ inventoryLevel(locationId: "
                f'$l{index}) {{ quantities(names: ["available"]) {{ quantity }} }} }}'
            )
        declared = ", ".join(f"$i{n}: ID!, $l{n}: ID!" for n in range(len(listings)))
        query = f"query Shown({declared}) {{ {' '.join(fields)} }}"
        data = self.admin.run("Shown", query, variables)
        at = self.now()
        return [
            Shown(listing.channel_sku, _available(data.get(f"s{index}")), at)
            for index, listing in enumerate(listings)
        ]


def reference(pushes: Sequence[Push]) -> str:
    """`gid://stockpool/Push/{channel}/{channel_sku}/{version}` for one push, the channel and
    its versions for several (the reference document Shopify keeps with the adjustment)."""
    first = pushes[0]
    channel = quote(first.listing.channel, safe="")
    if len(pushes) == 1:
        return f"gid://stockpool/Push/{channel}/{quote(first.listing.channel_sku, safe='')}/{first.version}"
    versions = [push.version for push in pushes]
    return f"gid://stockpool/PushBatch/{channel}/{min(versions)}-{max(versions)}"


def _refusals(
    pushes: Sequence[Push], errors: list[dict[str, Any]], last_set: dict[Level, int]
) -> tuple[dict[int, Pushed], str | None]:
    """Each refused line's result, and the errors that name no line."""
    by_line: dict[int, Pushed] = {}
    whole: list[str] = []
    for error in errors:
        code, message = error.get("code") or "", error.get("message") or "refused"
        index = _line_index(error.get("field"))
        if index is None or not 0 <= index < len(pushes):
            whole.append(f"{code}: {message}")
            continue
        push = pushes[index]
        if code in _STALE:
            last_set.pop(level_of(push.listing), None)  # the next push sets it unconditionally
            detail = (
                f"{code}: Shopify's number changed since stockpool last set it (a sale not yet "
                "counted?); the next push sets it anyway."
            )
            by_line[index] = Pushed(push, Outcome.FAILED, detail)
        else:
            outcome = Outcome.REFUSED if code in _FOR_GOOD else Outcome.FAILED
            by_line[index] = Pushed(push, outcome, f"{code}: {message}")
    return by_line, "; ".join(whole) or None


def _line_index(path: Any) -> int | None:
    """The quantity line a userError's field names: ["input", "quantities", "3", ...] -> 3."""
    if isinstance(path, list) and len(path) >= 3 and path[1] == "quantities":
        try:
            return int(path[2])
        except (TypeError, ValueError):
            return None
    return None


def _available(item: Any) -> int | None:
    level = item.get("inventoryLevel") if isinstance(item, dict) else None
    if not level:
        return None
    quantities = level.get("quantities") or []
    return int(quantities[0]["quantity"]) if quantities else None
