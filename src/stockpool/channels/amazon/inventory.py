"""What a push says to Amazon and what Amazon's answer means for it: the Listings Items PATCH
of `fulfillment_availability`, the JSON_LISTINGS_FEED document, and its processing report."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from stockpool.domain.platforms import FeedState, Outcome, Push, Pushed

PRODUCT_TYPE = "PRODUCT"  # Amazon's product type for quantity-only patches
AVAILABILITY = "/attributes/fulfillment_availability"
# getFeed's processingStatus -> our feed state (CANCELLED and FATAL: nothing was applied).
FEED_STATES = {
    "IN_QUEUE": FeedState.PROCESSING,
    "IN_PROGRESS": FeedState.PROCESSING,
    "DONE": FeedState.DONE,
    "CANCELLED": FeedState.FAILED,
    "FATAL": FeedState.FAILED,
}


def fulfillment_channel(push: Push) -> str:
    return push.listing.fulfillment_channel or "DEFAULT"


def patches(push: Push) -> list[dict[str, Any]]:
    """The patch setting the listing's quantity on its fulfilment channel."""
    value = {"fulfillment_channel_code": fulfillment_channel(push), "quantity": push.quantity}
    return [{"op": "replace", "path": AVAILABILITY, "value": [value]}]


def patched(push: Push, status: str | None, issues: Sequence[Any]) -> Pushed:
    """patchListingsItem's answer as an outcome: ACCEPTED is taken (it shows later: APPLIED),
    INVALID is refused with its issues; anything else is not known to be taken."""
    said = "; ".join(f"{_get(i, 'code')}: {_get(i, 'message')}" for i in issues) or None
    if status == "ACCEPTED":
        return Pushed(push, Outcome.APPLIED, said)
    if status == "INVALID":
        return Pushed(push, Outcome.REFUSED, said or "Amazon answered INVALID without issues")
    return Pushed(push, Outcome.FAILED, f"Amazon answered status {status!r}: {said}")


def feed_document(seller_id: str, pushes: Sequence[Push]) -> dict[str, Any]:
    """The JSON_LISTINGS_FEED: message n+1 is pushes[n] (the report names messages by id)."""
    return {
        "header": {"sellerId": seller_id, "version": "2.0", "issueLocale": "en_US"},
        "messages": [
            {
                "messageId": number,
                "sku": push.listing.channel_sku,
                "operationType": "PATCH",
                "productType": PRODUCT_TYPE,
                "patches": patches(push),
            }
            for number, push in enumerate(pushes, start=1)
        ],
    }


def report_results(pushes: Sequence[Push], report: Mapping[str, Any]) -> tuple[Pushed, ...]:
    """One result per push from the processing report: a message with an ERROR issue is
    refused, the rest applied (with their warnings as detail)."""
    said: dict[int, list[Mapping[str, Any]]] = {}
    fatal: list[str] = []
    for issue in report.get("issues") or []:
        number = issue.get("messageId")
        if isinstance(number, int) and 1 <= number <= len(pushes):
            said.setdefault(number, []).append(issue)
        elif issue.get("severity") == "ERROR":
            fatal.append(f"{issue.get('code')}: {issue.get('message')}")
    if fatal:  # an error about the whole feed: none of its messages was processed
        detail = "; ".join(fatal)
        return tuple(Pushed(push, Outcome.FAILED, detail) for push in pushes)
    return tuple(_result(push, said.get(n, [])) for n, push in enumerate(pushes, start=1))


def failed_feed(pushes: Sequence[Push], status: str) -> tuple[Pushed, ...]:
    detail = f"the feed ended {status}: nothing in it was applied; push again"
    return tuple(Pushed(push, Outcome.FAILED, detail) for push in pushes)


def _result(push: Push, issues: list[Mapping[str, Any]]) -> Pushed:
    detail = "; ".join(f"{i.get('severity')} {i.get('code')}: {i.get('message')}" for i in issues)
    if any(issue.get("severity") == "ERROR" for issue in issues):
        return Pushed(push, Outcome.REFUSED, detail)
    return Pushed(push, Outcome.APPLIED, detail or None)


def _get(issue: Any, name: str) -> Any:
    return issue.get(name) if isinstance(issue, Mapping) else getattr(issue, name, None)
