"""Walmart inventory: one SKU at a time with `PUT /v3/inventory`, many with an inventory feed
(followed with `GET /v3/feeds/{feedId}?includeDetails=true`), read back with `GET /v3/inventory`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from stockpool.channels import resilience
from stockpool.channels.walmart.client import WalmartClient, WalmartRefused, problems
from stockpool.domain.listings import Listing
from stockpool.domain.platforms import Feed, FeedState, Outcome, Push, Pushed, Shown

DETAILS_PAGE = 1000  # itemDetails per status call, Walmart's largest page
_PROCESSING = {"RECEIVED", "INPROGRESS"}
# An item's ingestion status once its feed is processed; DATA_ERROR is for good, the rest may
# pass another time.
_OUTCOMES = {
    "SUCCESS": Outcome.APPLIED,
    "DATA_ERROR": Outcome.REFUSED,
    "SYSTEM_ERROR": Outcome.FAILED,
    "TIMEOUT_ERROR": Outcome.FAILED,
    "INPROGRESS": Outcome.FAILED,
}


def _where(listing: Listing) -> dict[str, str]:
    where = {"sku": listing.channel_sku}
    if listing.ship_node:
        where["shipNode"] = listing.ship_node
    return where


def _quantity(amount: int) -> dict[str, Any]:
    return {"unit": "EACH", "amount": amount}


def push_one(client: WalmartClient, push: Push) -> Pushed:
    """PUT one listing's number: APPLIED on 200, REFUSED when Walmart refuses it (4xx)."""
    body = {"sku": push.listing.channel_sku, "quantity": _quantity(push.quantity)}
    response = client.request(
        "inventory_put", "PUT", "/v3/inventory", params=_where(push.listing), json=body
    )
    if response.status_code == 200:
        return Pushed(push, Outcome.APPLIED)
    return Pushed(push, Outcome.REFUSED, problems(response))


def push_each(client: WalmartClient, pushes: Sequence[Push]) -> list[Pushed]:
    """Each push in order (as stockpool.channels.resilience.push_each: the results end where
    Walmart's circuit opened)."""
    return resilience.push_each(pushes, lambda push: push_one(client, push))


def feed_file(pushes: Sequence[Push], default_node: str | None) -> tuple[str, dict[str, Any]]:
    """The feed type and file for these pushes, one row per push (row i is push i): MP_INVENTORY
    (per ship node) when a listing names its ship node, else the plain inventory feed."""
    if not any(push.listing.ship_node for push in pushes):
        rows = [{"sku": p.listing.channel_sku, "quantity": _quantity(p.quantity)} for p in pushes]
        return "inventory", {"InventoryHeader": {"version": "1.4"}, "Inventory": rows}
    nodes = [push.listing.ship_node or default_node for push in pushes]
    if None in nodes:
        raise ValueError(
            "Some Walmart listings name a ship node and others do not, and the connection has "
            "no default ship_node: set ship_node on every listing (or in the credentials)."
        )
    by_node: list[dict[str, Any]] = [
        {
            "sku": push.listing.channel_sku,
            "shipNodes": [{"shipNode": node, "quantity": _quantity(push.quantity)}],
        }
        for push, node in zip(pushes, nodes, strict=True)
    ]
    return "MP_INVENTORY", {"inventoryHeader": {"version": "1.5"}, "inventory": by_node}


def submit_feed(client: WalmartClient, pushes: Sequence[Push], default_node: str | None) -> Feed:
    """POST the feed (multipart, part `file`): PROCESSING until Walmart has processed it."""
    feed_type, document = feed_file(pushes, default_node)
    content = json.dumps(document).encode()
    response = client.request(
        "feed_submit",
        "POST",
        "/v3/feeds",
        params={"feedType": feed_type},
        files={"file": ("inventory.json", content, "application/json")},
    )
    if response.status_code != 200:
        raise WalmartRefused(f"Walmart refused the inventory feed: {problems(response)}")
    return Feed(feed_id=str(response.json()["feedId"]), pushes=tuple(pushes))


def follow_feed(client: WalmartClient, feed: Feed) -> Feed:
    """The feed's state now; once processed, one result per item Walmart reported on."""
    path = f"/v3/feeds/{quote(feed.feed_id, safe='')}"  # feed ids carry an @, sent as %40
    status, items = _feed_page(client, path, 0)
    if status in _PROCESSING:
        return feed
    if status != "PROCESSED":
        detail = f"feed {feed.feed_id} ended {status}: Walmart could not read its file"
        failed = tuple(Pushed(push, Outcome.FAILED, detail) for push in feed.pushes)
        return Feed(feed.feed_id, feed.pushes, FeedState.FAILED, failed)
    while len(items) < len(feed.pushes):
        _, more = _feed_page(client, path, len(items))
        if not more:
            break
        items += more
    results = tuple(_item_result(feed, item) for item in items if _row(feed, item) is not None)
    return Feed(feed.feed_id, feed.pushes, FeedState.DONE, results)


def _feed_page(client: WalmartClient, path: str, offset: int) -> tuple[str, list[Any]]:
    params = {"includeDetails": "true", "offset": str(offset), "limit": str(DETAILS_PAGE)}
    response = client.request("feed_status", "GET", path, params=params)
    if response.status_code != 200:
        raise WalmartRefused(f"Walmart has no such feed ({problems(response)}).")
    body = response.json()
    items = (body.get("itemDetails") or {}).get("itemIngestionStatus") or []
    return str(body.get("feedStatus")), list(items)


def _row(feed: Feed, item: dict[str, Any]) -> int | None:
    index = item.get("index")
    return index if isinstance(index, int) and 0 <= index < len(feed.pushes) else None


def _item_result(feed: Feed, item: dict[str, Any]) -> Pushed:
    push = feed.pushes[_row(feed, item) or 0]
    verdict = str(item.get("ingestionStatus"))
    outcome = _OUTCOMES.get(verdict, Outcome.FAILED)
    if outcome == Outcome.APPLIED:
        return Pushed(push, outcome)
    errors = (item.get("ingestionErrors") or {}).get("ingestionError") or []
    said = "; ".join(str(error.get("description", error)) for error in errors)
    return Pushed(push, outcome, f"{verdict}: {said}" if said else verdict)


def shown(client: WalmartClient, listings: Sequence[Listing]) -> list[Shown]:
    """Each listing's quantity as `GET /v3/inventory` reads it (None: Walmart has no such SKU)."""
    found = []
    for listing in listings:
        response = client.request("inventory_get", "GET", "/v3/inventory", params=_where(listing))
        at = client.wall()
        if response.status_code == 404:
            found.append(Shown(listing.channel_sku, None, at))
            continue
        if response.status_code != 200:
            raise WalmartRefused(
                f"Walmart refused to read {listing.channel_sku}: {problems(response)}"
            )
        amount = response.json()["quantity"]["amount"]
        found.append(Shown(listing.channel_sku, int(amount), at))
    return found
