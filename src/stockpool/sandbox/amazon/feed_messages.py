"""A JSON_LISTINGS_FEED document (listings feed schema v2) checked and run message by message.

`header_problem` and `message_problem` mirror specs/amazon/listings-feed-schema-v2.json by hand
(jsonschema is not a runtime dependency); a test holds them to the schema itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from stockpool.sandbox.amazon.patching import (
    ITEM_DATA,
    Issue,
    Outcome,
    apply_patches,
    patch_problem,
)
from stockpool.sandbox.shelf import Shelf

OPERATIONS = ("UPDATE", "PARTIAL_UPDATE", "PATCH", "DELETE")
REQUIREMENTS = ("LISTING", "LISTING_PRODUCT_ONLY", "LISTING_OFFER_ONLY")
MESSAGES_MAX = 25_000
MESSAGE_ID_MAX = 2_147_483_647
# Which optional members each operation forbids, and which it requires (the schema's oneOf).
FORBIDDEN = {
    "UPDATE": ("patches",),
    "PARTIAL_UPDATE": ("requirements", "patches"),
    "PATCH": ("requirements", "attributes"),
    "DELETE": ("requirements", "attributes", "productType", "patches"),
}
REQUIRED = {
    "UPDATE": ("productType", "attributes"),
    "PARTIAL_UPDATE": ("productType", "attributes"),
    "PATCH": ("productType", "patches"),
    "DELETE": (),
}


def document_problem(document: Any) -> str | None:
    """Why the whole document cannot be processed (the feed ends FATAL); None if it can."""
    if not isinstance(document, dict):
        return "The feed document must be a JSON object with 'header' and 'messages'."
    if "header" not in document or "messages" not in document:
        return "The feed document requires 'header' and 'messages'."
    header_issue = header_problem(document["header"])
    if header_issue:
        return header_issue
    messages = document["messages"]
    if not isinstance(messages, list) or not 1 <= len(messages) <= MESSAGES_MAX:
        return f"'messages' must be an array of 1 to {MESSAGES_MAX} messages."
    return None


def header_problem(header: Any) -> str | None:
    if not isinstance(header, dict):
        return "'header' must be an object."
    if not isinstance(header.get("sellerId"), str):
        return "'header.sellerId' is required and must be a string."
    if header.get("version") != "2.0":
        return "'header.version' must be \"2.0\"."
    if "issueLocale" in header and not isinstance(header["issueLocale"], str):
        return "'header.issueLocale' must be a string."
    if "report" in header:
        report = header["report"]
        if not isinstance(report, dict) or report.get("apiVersion") != "2021-08-01":
            return "'header.report' needs apiVersion \"2021-08-01\" and includedData."
        included = report.get("includedData")
        if (
            not isinstance(included, list)
            or not included
            or any(name not in ITEM_DATA for name in included)
        ):
            return f"'header.report.includedData' must list some of {', '.join(ITEM_DATA)}."
    return None


def message_problem(message: Any) -> str | None:
    """Why one message does not fit the schema (None: it does)."""
    if not isinstance(message, dict):
        return "A message must be an object."
    message_id = message.get("messageId")
    if (
        isinstance(message_id, bool)
        or not isinstance(message_id, int)
        or not 1 <= message_id <= MESSAGE_ID_MAX
    ):
        return f"'messageId' is required: a whole number from 1 to {MESSAGE_ID_MAX}."
    sku = message.get("sku")
    if not isinstance(sku, str) or not sku:
        return "'sku' is required and must be a non-empty string."
    operation = message.get("operationType")
    if operation not in OPERATIONS:
        return f"'operationType' must be one of {', '.join(OPERATIONS)}."
    for name in FORBIDDEN[operation]:
        if name in message:
            return f"'{name}' is not applicable to {operation} operations."
    for name in REQUIRED[operation]:
        if name not in message:
            return f"{operation} operations require '{name}'."
    return _member_problem(message)


def _member_problem(message: dict[str, Any]) -> str | None:
    if "productType" in message and (
        not isinstance(message["productType"], str) or not message["productType"]
    ):
        return "'productType' must be a non-empty string."
    if "requirements" in message and message["requirements"] not in REQUIREMENTS:
        return f"'requirements' must be one of {', '.join(REQUIREMENTS)}."
    if "attributes" in message and (
        not isinstance(message["attributes"], dict) or not message["attributes"]
    ):
        return "'attributes' must be an object with at least one attribute."
    if "patches" in message:
        patches = message["patches"]
        if not isinstance(patches, list) or not patches:
            return "'patches' must be a non-empty array."
        for index, patch in enumerate(patches):
            problem = patch_problem(patch, index)
            if problem:
                return problem
    return None


@dataclass(slots=True)
class Verdicts:
    """What processing the messages found: per message accepted or not, and the issues."""

    accepted: list[str] = field(default_factory=list)  # SKUs, in message order
    invalid: int = 0
    issues: list[dict[str, Any]] = field(default_factory=list)


def run_messages(
    messages: list[Any], shelf: Shelf, push_delay: float, product_types: dict[str, str]
) -> Verdicts:
    """Check every message and push the accepted ones' quantities onto the shelf."""
    verdicts = Verdicts()
    seen: set[int] = set()
    for message in messages:
        message_id = message.get("messageId") if isinstance(message, dict) else None
        sku = message.get("sku") if isinstance(message, dict) else None
        number = (
            message_id if isinstance(message_id, int) and not isinstance(message_id, bool) else None
        )
        label = sku if isinstance(sku, str) else None
        problem = message_problem(message)
        if problem is None and message_id in seen:
            problem = f"messageId {message_id} appears more than once in this feed."
        if problem is not None:
            issue = Issue("INVALID_MESSAGE", problem, category="INVALID_ATTRIBUTE", attribute=None)
            verdicts.invalid += 1
            verdicts.issues.append(issue.for_feed_report(number, label))
            continue
        seen.add(message["messageId"])
        outcome = _outcome(message, shelf, product_types)
        verdicts.issues.extend(issue.for_feed_report(number, label) for issue in outcome.issues)
        if not outcome.valid:
            verdicts.invalid += 1
            continue
        if outcome.quantity is not None:
            shelf.push(message["sku"], outcome.quantity, delay_seconds=push_delay)
        verdicts.accepted.append(message["sku"])
    return verdicts


def _outcome(message: dict[str, Any], shelf: Shelf, product_types: dict[str, str]) -> Outcome:
    sku = message["sku"]
    operation = message["operationType"]
    if operation in ("UPDATE", "DELETE"):
        return Outcome(
            issues=[
                Issue(
                    "OPERATION_NOT_SUPPORTED",
                    f"{operation} is not modelled by this sandbox; use PATCH or PARTIAL_UPDATE of "
                    "fulfillment_availability.",
                    attribute=None,
                )
            ]
        )
    if sku not in shelf:
        return Outcome(
            issues=[
                Issue("NOT_FOUND", f"No listings item with SKU '{sku}' exists.", attribute=None)
            ]
        )
    if operation == "PATCH":
        patches = message["patches"]
    else:  # PARTIAL_UPDATE is PATCH with replace, per the schema
        patches = [
            {"op": "replace", "path": f"/attributes/{name}", "value": value}
            for name, value in message["attributes"].items()
        ]
        for index, patch in enumerate(patches):
            problem = patch_problem(patch, index)
            if problem:
                return Outcome(issues=[Issue("INVALID_VALUE", problem)])
    outcome = apply_patches(patches, shelf.expected(sku))
    expected_type = product_types.get(sku)
    if expected_type and message["productType"] != expected_type:
        outcome.issues.append(
            Issue(
                "PRODUCT_TYPE_MISMATCH",
                f"productType '{message['productType']}' does not match the listing's '{expected_type}'.",
                attribute=None,
            )
        )
    return outcome
