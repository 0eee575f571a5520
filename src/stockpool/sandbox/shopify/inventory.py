"""inventorySetQuantities and inventoryAdjustQuantities: validate every line, then apply all or
none, as Shopify does. Returns the payload (group + userErrors) as plain data."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLError

from stockpool.sandbox.shelf import Listing
from stockpool.sandbox.shopify.catalog import Catalog, Location, gid, now_iso
from stockpool.sandbox.shopify.versions import Generation

SET_MAX = 1_000_000_000
ADJUST_LIMIT = 2_000_000_000
SETTABLE = ("available", "on_hand")
ADJUSTABLE = ("available", "damaged", "incoming", "quality_control", "reserved", "safety_stock")
REASONS = frozenset(
    {
        "correction",
        "cycle_count_available",
        "damaged",
        "movement_canceled",
        "movement_created",
        "movement_received",
        "movement_updated",
        "other",
        "promotion",
        "quality_control",
        "received",
        "reservation_created",
        "reservation_deleted",
        "reservation_updated",
        "restock",
        "safety_stock",
        "shrinkage",
    }
)
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]+$")


@dataclass
class Outcome:
    errors: list[dict[str, Any]] = field(default_factory=list)

    def error(self, path: list[str], code: str, message: str) -> None:
        self.errors.append({"field": path, "message": message, "code": code})


class Groups:
    """Numbers adjustment groups."""

    def __init__(self) -> None:
        self._next = 1

    def new(
        self, reason: str, reference: str | None, changes: list[dict[str, Any]]
    ) -> dict[str, Any]:
        number = self._next
        self._next += 1
        return {
            "id": gid("InventoryAdjustmentGroup", 90_000_000_000 + number),
            "createdAt": now_iso(),
            "reason": reason,
            "referenceDocumentUri": reference,
            "changes": changes,
        }


def _check_header(
    input: dict[str, Any], names: tuple[str, ...], name_code: str, out: Outcome
) -> None:
    if input["name"] not in names:
        message = (
            "The quantity name must be either 'available' or 'on_hand'."
            if name_code == "INVALID_NAME"
            else f"The specified quantity name is invalid. Valid values: {', '.join(names)}."
        )
        out.error(["input", "name"], name_code, message)
    if input["reason"] not in REASONS:
        out.error(["input", "reason"], "INVALID_REASON", "The specified reason is invalid.")
    reference = input.get("referenceDocumentUri")
    if reference is not None and not _URI.match(reference):
        out.error(
            ["input", "referenceDocumentUri"],
            "INVALID_REFERENCE_DOCUMENT",
            "The specified reference document is invalid.",
        )


def _find(
    catalog: Catalog, line: dict[str, Any], path: list[str], out: Outcome
) -> tuple[Listing, Location] | None:
    listing = catalog.by_item(line["inventoryItemId"])
    location = catalog.location(line["locationId"])
    if listing is None:
        out.error(
            [*path, "inventoryItemId"],
            "INVALID_INVENTORY_ITEM",
            "The specified inventory item could not be found.",
        )
    if location is None:
        out.error(
            [*path, "locationId"], "INVALID_LOCATION", "The specified location could not be found."
        )
    if listing is None or location is None:
        return None
    if not catalog.stocked(listing, location):
        out.error(
            [*path, "locationId"],
            "ITEM_NOT_STOCKED_AT_LOCATION",
            "The specified inventory item is not stocked at the location.",
        )
        return None
    return listing, location


Target = tuple[Listing, Location, int]  # set this quantity
Adjustment = tuple[Listing, Location, int, str | None]  # change by this delta, with its ledger


def set_quantities(
    catalog: Catalog, groups: Groups, input: dict[str, Any], generation: Generation
) -> dict[str, Any]:
    """inventorySetQuantities: check every line, then set all of them or none."""
    out = Outcome()
    _check_header(input, SETTABLE, "INVALID_NAME", out)
    targets = _targets(catalog, input, generation, out)
    if out.errors:
        return _refused(out)
    return _grouped(groups, input, _set(catalog, input["name"], targets))


def _targets(
    catalog: Catalog, input: dict[str, Any], generation: Generation, out: Outcome
) -> list[Target]:
    """Each line checked; the ones that can be set (the rest leave errors in `out`)."""
    name = input["name"]
    targets: list[Target] = []
    seen: set[tuple[str, str]] = set()
    for index, line in enumerate(input["quantities"]):
        path = ["input", "quantities", str(index)]
        if generation is Generation.CHANGE_FROM_QUANTITY and "changeFromQuantity" not in line:
            raise GraphQLError(
                f"InventoryQuantityInput.changeFromQuantity is required (quantities[{index}]): "
                "pass the quantity you expect, or null to skip the check.",
                extensions={"code": "BAD_REQUEST"},
            )
        quantity = line["quantity"]
        _check_set_quantity(quantity, path, out)
        pair = (str(line["inventoryItemId"]), str(line["locationId"]))
        if pair in seen:
            out.error(
                [*path, "inventoryItemId"],
                "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
                "The combination of inventoryItemId and locationId must be unique.",
            )
        seen.add(pair)
        found = _find(catalog, line, path, out)
        if found is None or name not in SETTABLE:
            continue
        listing, location = found
        current = catalog.quantities(listing)[name]
        _check_compare(line, input, generation, current, path, out)
        targets.append((listing, location, quantity))
    return targets


def _check_set_quantity(quantity: int, path: list[str], out: Outcome) -> None:
    if quantity < 0:
        out.error(
            [*path, "quantity"], "INVALID_QUANTITY_NEGATIVE", "The quantity can't be negative."
        )
    elif quantity > SET_MAX:
        out.error(
            [*path, "quantity"],
            "INVALID_QUANTITY_TOO_HIGH",
            "The quantity can't be higher than 1,000,000,000.",
        )


def _set(catalog: Catalog, name: str, targets: list[Target]) -> list[dict[str, Any]]:
    """Set every target; the changes to `name` and to the quantity that moves with it."""
    changes: list[dict[str, Any]] = []
    for listing, location, quantity in targets:
        before = catalog.quantities(listing)
        delta = quantity - before[name]
        catalog.set_available(listing, before["available"] + delta)
        after = catalog.quantities(listing)
        for changed in (name, "on_hand" if name == "available" else "available"):
            changes.append(_change(changed, delta, after[changed], None, listing, location))
    return changes


def _check_compare(
    line: dict[str, Any],
    input: dict[str, Any],
    generation: Generation,
    current: int,
    path: list[str],
    out: Outcome,
) -> None:
    if generation is Generation.CHANGE_FROM_QUANTITY:
        _check_change_from(line, current, path, out)
        return
    if input.get("ignoreCompareQuantity"):
        return
    compare = line.get("compareQuantity")
    if compare is None:
        out.error(
            [*path, "compareQuantity"],
            "COMPARE_QUANTITY_REQUIRED",
            "The compareQuantity argument must be given to each quantity or ignored using ignoreCompareQuantity.",
        )
    elif compare != current:
        out.error(
            [*path, "compareQuantity"],
            "COMPARE_QUANTITY_STALE",
            "The compareQuantity value does not match persisted value.",
        )


def _check_change_from(line: dict[str, Any], current: int, path: list[str], out: Outcome) -> None:
    """2026-04 on: a line's `changeFromQuantity`, when given, must be the quantity now."""
    expected = line.get("changeFromQuantity")
    if expected is not None and expected != current:
        out.error(
            [*path, "changeFromQuantity"],
            "CHANGE_FROM_QUANTITY_STALE",
            "The changeFromQuantity argument no longer matches the persisted quantity.",
        )


def adjust_quantities(
    catalog: Catalog, groups: Groups, input: dict[str, Any], generation: Generation
) -> dict[str, Any]:
    """inventoryAdjustQuantities: check every line, then apply all of them or none."""
    out = Outcome()
    _check_header(input, ADJUSTABLE, "INVALID_QUANTITY_NAME", out)
    adjustments = _adjustments(catalog, input, generation, out)
    if out.errors:
        return _refused(out)
    return _grouped(groups, input, _adjust(catalog, input["name"], adjustments))


def _adjustments(
    catalog: Catalog, input: dict[str, Any], generation: Generation, out: Outcome
) -> list[Adjustment]:
    """Each line checked against the quantity the lines before it leave; the ones to apply."""
    name = input["name"]
    planned: list[Adjustment] = []
    running: dict[str, int] = {}  # per SKU: the quantity after the lines so far
    for index, line in enumerate(input["changes"]):
        path = ["input", "changes", str(index)]
        ledger = line.get("ledgerDocumentUri")
        _check_ledger(name, ledger, path, out)
        found = _find(catalog, line, path, out)
        if found is None or name not in ADJUSTABLE:
            continue
        listing, location = found
        current = running.get(listing.sku, catalog.quantities(listing)[name])
        if generation is Generation.CHANGE_FROM_QUANTITY:
            _check_change_from(line, current, path, out)
        after = current + line["delta"]
        _check_adjusted_quantity(name, after, path, out)
        running[listing.sku] = after
        planned.append((listing, location, line["delta"], ledger))
    return planned


def _check_adjusted_quantity(name: str, after: int, path: list[str], out: Outcome) -> None:
    if after > ADJUST_LIMIT:
        out.error(
            [*path, "delta"],
            "INVALID_QUANTITY_TOO_HIGH",
            "The quantity can't be higher than 2,000,000,000.",
        )
    elif after < -ADJUST_LIMIT:
        out.error(
            [*path, "delta"],
            "INVALID_QUANTITY_TOO_LOW",
            "The quantity can't be lower than -2,000,000,000.",
        )
    elif after < 0 and name != "available":
        out.error(
            [*path, "delta"],
            "INVALID_QUANTITY_NEGATIVE",
            f"The {name} quantity can't be negative.",
        )


def _adjust(catalog: Catalog, name: str, adjustments: list[Adjustment]) -> list[dict[str, Any]]:
    """Apply every adjustment; the changes to `name` and to on_hand."""
    changes: list[dict[str, Any]] = []
    for listing, location, delta, ledger in adjustments:
        if name == "available":
            catalog.set_available(listing, catalog.quantities(listing)["available"] + delta)
        else:
            catalog.change_state(listing, name, delta)
        after = catalog.quantities(listing)
        changes.append(_change(name, delta, after[name], ledger, listing, location))
        if name != "incoming":  # incoming is not on hand yet
            changes.append(_change("on_hand", delta, after["on_hand"], None, listing, location))
    return changes


def _refused(out: Outcome) -> dict[str, Any]:
    """The payload when any line is wrong: no group, nothing applied."""
    return {"inventoryAdjustmentGroup": None, "userErrors": out.errors}


def _grouped(
    groups: Groups, input: dict[str, Any], changes: list[dict[str, Any]]
) -> dict[str, Any]:
    """The payload of applied changes: their adjustment group, no errors."""
    group = groups.new(input["reason"], input.get("referenceDocumentUri"), changes)
    return {"inventoryAdjustmentGroup": group, "userErrors": []}


def _check_ledger(name: str, ledger: str | None, path: list[str], out: Outcome) -> None:
    where = [*path, "ledgerDocumentUri"]
    if name == "available":
        if ledger is not None:
            out.error(
                where,
                "INVALID_AVAILABLE_DOCUMENT",
                "A ledger document URI is not allowed when adjusting available.",
            )
    elif ledger is None:
        out.error(
            where,
            "INVALID_QUANTITY_DOCUMENT",
            "A ledger document URI is required except when adjusting available.",
        )
    elif ledger.startswith("gid://shopify/"):
        out.error(
            where,
            "INTERNAL_LEDGER_DOCUMENT",
            "Internal (gid://shopify/) ledger documents are not allowed to be adjusted via API.",
        )
    elif not _URI.match(ledger):
        out.error(where, "INVALID_LEDGER_DOCUMENT", "The specified ledger document is invalid.")


def _change(
    name: str, delta: int, after: int, ledger: str | None, listing: Listing, location: Location
) -> dict[str, Any]:
    return {
        "name": name,
        "delta": delta,
        "quantityAfterChange": after,
        "ledgerDocumentUri": ledger,
        "_listing": listing,
        "_location": location,
    }
