"""What a listings patch does to a listing's quantity, and the issues Amazon reports against it.

Shared by the Listings Items API (`patchListingsItem`) and JSON_LISTINGS_FEED messages. Only
`/attributes/fulfillment_availability` with the merchant channel `DEFAULT` is modelled; the issue
codes are the sandbox's own (Amazon's numeric codes are not published as a list).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FULFILLMENT_PATH = "/attributes/fulfillment_availability"
ATTRIBUTE = "fulfillment_availability"
CHANNEL = "DEFAULT"
OPS = ("add", "replace", "merge", "delete")
QUANTITY_MAX = 1_000_000_000

# What a listing item can include: `includedData` of getListingsItem and of a feed report.
ITEM_DATA = (
    "summaries",
    "attributes",
    "issues",
    "offers",
    "fulfillmentAvailability",
    "procurement",
    "relationships",
    "productTypes",
)


@dataclass(slots=True)
class Issue:
    code: str
    message: str
    category: str = "INVALID_ATTRIBUTE"
    attribute: str | None = ATTRIBUTE
    severity: str = "ERROR"

    def for_listings_api(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "severity": self.severity,
            "categories": [self.category],
        }
        if self.attribute:
            found["attributeNames"] = [self.attribute]
        return found

    def for_feed_report(self, message_id: int | None, sku: str | None) -> dict[str, Any]:
        found: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
        }
        if message_id is not None:
            found["messageId"] = message_id
        if sku:
            found["sku"] = sku
        if self.attribute:
            found["attributeName"] = self.attribute
        return found


@dataclass(slots=True)
class Outcome:
    """The quantity the patches leave (None: unchanged) and what is wrong with them."""

    quantity: int | None = None
    issues: list[Issue] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not any(issue.severity == "ERROR" for issue in self.issues)


def apply_patches(patches: list[dict[str, Any]], current: int) -> Outcome:
    """Run JSON-patch-shaped operations (already of the right shape) against `current`."""
    outcome = Outcome()
    quantity = current
    for number, patch in enumerate(patches, start=1):
        path = patch["path"]
        if path != FULFILLMENT_PATH:
            name = (
                path.removeprefix("/attributes/").split("/")[0]
                if path.startswith("/attributes/")
                else path
            )
            outcome.issues.append(
                Issue(
                    "UNSUPPORTED_ATTRIBUTE",
                    f"Patch {number}: path '{path}' is not supported; this listing accepts only "
                    f"{FULFILLMENT_PATH}.",
                    attribute=name or None,
                )
            )
            continue
        if patch["op"] == "delete":
            quantity = 0  # no fulfillment availability: nothing to sell
            continue
        found = _default_quantity(patch, number, outcome.issues)
        if found is not None:
            quantity = found
    if outcome.valid and _sets_anything(patches):
        outcome.quantity = quantity
    return outcome


def _sets_anything(patches: list[dict[str, Any]]) -> bool:
    return any(
        patch["op"] == "delete"
        or any(
            isinstance(entry, dict) and "quantity" in entry for entry in patch.get("value") or []
        )
        for patch in patches
    )


def _default_quantity(patch: dict[str, Any], number: int, issues: list[Issue]) -> int | None:
    """The DEFAULT channel's quantity a patch sets; None when it sets none (issues noted)."""
    entries = patch.get("value")
    if not entries:
        issues.append(
            Issue(
                "MISSING_VALUE",
                f"Patch {number}: '{patch['op']}' needs a value: "
                f'[{{"fulfillment_channel_code": "{CHANNEL}", "quantity": <whole number>}}].',
                category="MISSING_ATTRIBUTE",
            )
        )
        return None
    quantity: int | None = None
    channels: set[str] = set()
    for entry in entries:
        code = entry.get("fulfillment_channel_code")
        issue = _channel_issue(code, channels, number)
        if issue is not None:
            issues.append(issue)
            continue
        channels.add(code)
        found = _entry_quantity(entry, patch["op"], number, issues)
        if found is not None:
            quantity = found
    return quantity


def _channel_issue(code: str | None, channels: set[str], number: int) -> Issue | None:
    """What is wrong with an entry's channel: missing, not the seller's, or named twice."""
    if code is None:
        return Issue(
            "MISSING_FULFILLMENT_CHANNEL_CODE",
            f"Patch {number}: 'fulfillment_channel_code' is required but not supplied.",
            category="MISSING_ATTRIBUTE",
        )
    if code != CHANNEL:
        return Issue(
            "UNSUPPORTED_FULFILLMENT_CHANNEL",
            f"Patch {number}: fulfillment_channel_code '{code}' cannot be set by the "
            f"seller; use '{CHANNEL}' (merchant fulfilled).",
        )
    if code in channels:
        return Issue("DUPLICATE_FULFILLMENT_CHANNEL", f"Patch {number}: '{code}' appears twice.")
    return None


def _entry_quantity(entry: dict[str, Any], op: str, number: int, issues: list[Issue]) -> int | None:
    """The quantity one DEFAULT entry sets; None when it has none or a wrong one (noted)."""
    if "quantity" not in entry:
        if op != "merge":  # merge keeps the quantity it is not given
            issues.append(
                Issue(
                    "MISSING_QUANTITY",
                    f"Patch {number}: 'quantity' is required for '{op}' on the {CHANNEL} channel.",
                    category="MISSING_ATTRIBUTE",
                )
            )
        return None
    value = entry["quantity"]
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= QUANTITY_MAX:
        issues.append(
            Issue(
                "INVALID_QUANTITY",
                f"Patch {number}: quantity {value!r} must be a whole number from 0 to "
                f"{QUANTITY_MAX}.",
            )
        )
        return None
    return value


def patch_request_problem(body: dict[str, Any]) -> str | None:
    """Why a `ListingsItemPatchRequest` body does not fit the model (None: it does)."""
    product_type = body.get("productType")
    if not isinstance(product_type, str) or not product_type:
        return "productType is required and must be a string."
    patches = body.get("patches")
    if not isinstance(patches, list) or not patches:
        return "patches is required and must be a non-empty array."
    return next(
        (
            problem
            for index, patch in enumerate(patches)
            if (problem := patch_problem(patch, index))
        ),
        None,
    )


def patch_problem(patch: Any, index: int) -> str | None:
    where = f"patches[{index}]"
    if not isinstance(patch, dict):
        return f"{where} must be an object."
    if patch.get("op") not in OPS:
        return f"{where}.op must be one of {', '.join(OPS)}."
    if not isinstance(patch.get("path"), str):
        return f"{where}.path is required and must be a string."
    value = patch.get("value", [])
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        return f"{where}.value must be an array of objects."
    return None
