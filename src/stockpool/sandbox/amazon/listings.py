"""Listings Items 2021-08-01: `patchListingsItem` sets a quantity that shows later; `getListingsItem`
reads what buyers see (searchListingsItems, in search.py, lists them)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from stockpool.sandbox.amazon.errors import BadInput, sp_json
from stockpool.sandbox.amazon.params import csv_list, iso, json_body
from stockpool.sandbox.amazon.patching import (
    CHANNEL,
    ITEM_DATA,
    Issue,
    Outcome,
    apply_patches,
    patch_request_problem,
)
from stockpool.sandbox.shelf import Listing

if TYPE_CHECKING:
    from stockpool.sandbox.amazon.sandbox import AmazonSandbox

PATCH_DATA = ("identifiers", "issues")


async def patch_listings_item(sandbox: AmazonSandbox, request: Request) -> Response:
    raw = await request.body()
    sku = request.path_params["sku"]
    with sandbox.lock:
        sandbox.check_seller(request.path_params["sellerId"])
        marketplace = sandbox.marketplace(request)
        included = csv_list(request.query_params, "includedData", PATCH_DATA) or ["issues"]
        mode = request.query_params.get("mode")
        if mode not in (None, "VALIDATION_PREVIEW"):
            raise BadInput(f"mode '{mode}' is not supported; the only mode is VALIDATION_PREVIEW.")
        body = json_body(raw, request.headers.get("content-type", ""))
        problem = patch_request_problem(body)
        if problem:
            raise BadInput(problem)
        listing = sandbox.shelf.get(sku)
        outcome = _patch_outcome(sandbox, listing, sku, body)
        if not outcome.valid:
            status = "INVALID"
        elif mode == "VALIDATION_PREVIEW":
            status = "VALID"
        else:
            status = "ACCEPTED"
            if listing is not None and outcome.quantity is not None:
                sandbox.shelf.push(sku, outcome.quantity)
                listing.attributes["lastUpdatedDate"] = iso(datetime.now(UTC))
        answer: dict[str, Any] = {
            "sku": sku,
            "status": status,
            "submissionId": uuid.uuid4().hex,
            "issues": [issue.for_listings_api() for issue in outcome.issues],
        }
        if "identifiers" in included and listing is not None:
            answer["identifiers"] = [
                {"marketplaceId": marketplace, "asin": listing.attributes["asin"]}
            ]
    return sp_json(answer)


def _patch_outcome(
    sandbox: AmazonSandbox, listing: Listing | None, sku: str, body: dict[str, Any]
) -> Outcome:
    """What the patches would set, and the issues to report."""
    if listing is None:
        # The model gives PATCH no 404: Amazon answers INVALID with an issue instead.
        return Outcome(
            issues=[
                Issue(
                    "NOT_FOUND",
                    f"No listings item with SKU '{sku}' exists for seller "
                    f"{sandbox.credentials['seller_id']}; patch only updates existing listings "
                    "(create it with putListingsItem).",
                    attribute=None,
                )
            ]
        )
    outcome = apply_patches(body["patches"], sandbox.shelf.expected(sku))
    expected_type = listing.attributes["productType"]
    if body["productType"] != expected_type:
        outcome.issues.append(
            Issue(
                "PRODUCT_TYPE_MISMATCH",
                f"productType '{body['productType']}' does not match the listing's product type "
                f"'{expected_type}'.",
                attribute=None,
            )
        )
    return outcome


async def get_listings_item(sandbox: AmazonSandbox, request: Request) -> Response:
    sku = request.path_params["sku"]
    with sandbox.lock:
        sandbox.check_seller(request.path_params["sellerId"])
        marketplace = sandbox.marketplace(request)
        included = csv_list(request.query_params, "includedData", ITEM_DATA) or ["summaries"]
        listing = sandbox.shelf.get(sku)
        if listing is None:
            raise BadInput(
                f"SKU '{sku}' not found in marketplace {marketplace}",
                status=404,
                code="NOT_FOUND",
                message=f"SKU '{sku}' not found in marketplace {marketplace}",
            )
        return sp_json(item(listing, marketplace, included))


def item(listing: Listing, marketplace: str, included: list[str]) -> dict[str, Any]:
    """The listings item as `getListingsItem` shows it, with the data sets asked for."""
    attributes = listing.attributes
    shown = listing.shown
    every: dict[str, Any] = {
        "summaries": [
            {
                "marketplaceId": marketplace,
                "asin": attributes["asin"],
                "productType": attributes["productType"],
                "conditionType": "new_new",
                "status": statuses(listing),
                "itemName": attributes["itemName"],
                "createdDate": attributes["createdDate"],
                "lastUpdatedDate": attributes["lastUpdatedDate"],
            }
        ],
        "attributes": {
            "item_name": [
                {
                    "value": attributes["itemName"],
                    "language_tag": "en_US",
                    "marketplace_id": marketplace,
                }
            ],
            "fulfillment_availability": [{"fulfillment_channel_code": CHANNEL, "quantity": shown}],
        },
        "issues": [],
        "offers": [
            {
                "marketplaceId": marketplace,
                "offerType": "B2C",
                "price": {"currencyCode": "USD", "amount": attributes["price"]},
            }
        ],
        "fulfillmentAvailability": [{"fulfillmentChannelCode": CHANNEL, "quantity": shown}],
        "procurement": [],
        "relationships": [{"marketplaceId": marketplace, "relationships": []}],
        "productTypes": [{"marketplaceId": marketplace, "productType": attributes["productType"]}],
    }
    return {"sku": listing.sku, **{name: every[name] for name in ITEM_DATA if name in included}}


def statuses(listing: Listing) -> list[str]:
    """What buyers can do with the listing: find it always, buy it while units are shown."""
    return ["BUYABLE", "DISCOVERABLE"] if listing.shown > 0 else ["DISCOVERABLE"]
