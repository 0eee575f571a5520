"""Bulk inventory feeds: `POST /v3/feeds`, then `GET /v3/feeds/{feedId}` until processed.

A feed is RECEIVED, then INPROGRESS until its processing time has passed, then PROCESSED (its
quantities pushed to the shelf, where the propagation delay starts) or ERROR when its file could
not be read. Items are checked when the feed arrives; the verdict shows once it is processed.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from stockpool.sandbox.walmart import errors
from stockpool.sandbox.walmart.epoch import now_ms
from stockpool.sandbox.walmart.inventory import parse_quantity
from stockpool.sandbox.walmart.params import whole_number

if TYPE_CHECKING:
    from stockpool.sandbox.walmart.sandbox import WalmartSandbox

FEED_VERSIONS = {"inventory": "1.4", "MP_INVENTORY": "1.5"}
FEED_BYTES_MAX = 5 * 1024 * 1024
DETAILS_LIMIT_MAX = 1000


@dataclass(slots=True)
class FeedItem:
    index: int
    sku: str
    quantity: int | None  # None when the item was refused
    error: str | None = None  # why it was refused (a DATA_ERROR)


@dataclass(slots=True)
class Feed:
    feed_id: str
    feed_type: str
    received_at: float  # sandbox clock
    feed_date_ms: int
    items: list[FeedItem]
    file_error: str | None  # the whole file is unreadable: the feed ends in ERROR
    stuck: bool  # faults.stuck_feeds was on when it arrived: never leaves INPROGRESS
    applied: bool = False  # its quantities are on the shelf


def new_feed_id() -> str:
    return f"{uuid.uuid4().hex.upper()}@AQMBAQA"


def read_items(
    feed_type: str, content: bytes, known: set[str], ship_node: str
) -> tuple[list[FeedItem], str | None]:
    """The feed file's items, each with its quantity or its error; or why the file is unreadable."""
    try:
        document = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return [], "The feed file is not valid JSON"
    header, rows = (
        ("InventoryHeader", "Inventory")
        if feed_type == "inventory"
        else ("inventoryHeader", "inventory")
    )
    if not isinstance(document, dict) or not isinstance(document.get(rows), list):
        return [], f"A {feed_type} feed needs a {rows!r} list"
    version = document[header].get("version") if isinstance(document.get(header), dict) else None
    if version != FEED_VERSIONS[feed_type]:
        return [], f"{header}.version must be {FEED_VERSIONS[feed_type]!r}, not {version!r}"
    items = []
    for index, row in enumerate(document[rows]):
        sku = row.get("sku") if isinstance(row, dict) else None
        if not isinstance(row, dict) or not isinstance(sku, str) or not sku:
            items.append(FeedItem(index, "", None, "The item has no sku"))
        elif sku not in known:
            items.append(FeedItem(index, sku, None, f"No item with sku {sku!r}"))
        else:
            amount = row_amount(feed_type, row, ship_node)
            error = amount if isinstance(amount, str) else None
            items.append(FeedItem(index, sku, None if error else int(amount), error))
    return items, None


def row_amount(feed_type: str, row: dict[str, Any], ship_node: str) -> int | str:
    """The amount a row sets at our ship node, or what is wrong with the row."""
    if feed_type == "inventory":
        quantity = row.get("quantity")
    else:
        nodes = row.get("shipNodes")
        if not isinstance(nodes, list) or not nodes:
            return "The item needs a shipNodes list"
        for node in nodes:
            if not isinstance(node, dict):
                return f"A shipNodes entry must be an object {{shipNode, quantity}}, not {node!r}"
            if node.get("shipNode") != ship_node:
                return f"Unknown shipNode {node.get('shipNode')!r} for this seller"
        quantity = nodes[-1].get("quantity")
    amount = parse_quantity(quantity, "quantity")
    return amount[1] if isinstance(amount, tuple) else amount


class FeedBook:
    """The seller's feeds and how far each has got, by the sandbox clock."""

    def __init__(self, processing_seconds: float, received_seconds: float) -> None:
        self.processing_seconds = processing_seconds
        self.received_seconds = received_seconds
        self.feeds: dict[str, Feed] = {}

    def status(self, feed: Feed, now: float) -> str:
        elapsed = now - feed.received_at
        if elapsed < self.received_seconds:
            return "RECEIVED"
        if feed.file_error is not None:
            return "ERROR"
        if feed.stuck or elapsed < self.processing_seconds:
            return "INPROGRESS"
        return "PROCESSED"

    def due(self, now: float) -> list[tuple[Feed, float]]:
        """Processed feeds not yet applied, with how long ago each finished."""
        return [
            (feed, now - feed.received_at - self.processing_seconds)
            for feed in self.feeds.values()
            if not feed.applied and self.status(feed, now) == "PROCESSED"
        ]

    def counts(self, feed: Feed, status: str) -> dict[str, int]:
        received = 0 if status == "ERROR" else len(feed.items)
        if status != "PROCESSED":
            return {
                "itemsReceived": received,
                "itemsSucceeded": 0,
                "itemsFailed": 0,
                "itemsProcessing": received,
            }
        failed = sum(1 for item in feed.items if item.error is not None)
        return {
            "itemsReceived": received,
            "itemsSucceeded": received - failed,
            "itemsFailed": failed,
            "itemsProcessing": 0,
        }


def item_status(item: FeedItem, status: str) -> dict[str, Any]:
    problems: list[dict[str, str]]
    if status != "PROCESSED":
        verdict, problems = "INPROGRESS", []
    elif item.error is None:
        verdict, problems = "SUCCESS", []
    else:
        verdict = "DATA_ERROR"
        problems = [
            {"type": "DATA_ERROR", "code": "ERR_EXT_DATA_0101001", "description": item.error}
        ]
    return {
        "martId": 0,
        "sku": item.sku,
        "index": item.index,
        "ingestionStatus": verdict,
        "ingestionErrors": {"ingestionError": problems},
    }


async def feed_file(request: Request) -> bytes | Response:
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return errors.invalid("file", "Send the feed as multipart/form-data with a part named file")
    try:
        form = await request.form(max_files=1, max_fields=10, max_part_size=FEED_BYTES_MAX)
    except Exception:  # python-multipart and Starlette raise several types for a broken body
        return errors.invalid("file", "The multipart body could not be read")
    part = form.get("file")
    if part is None:
        return errors.invalid("file", "The multipart body has no part named file")
    content = await part.read() if isinstance(part, UploadFile) else part.encode()
    await form.close()
    if len(content) > FEED_BYTES_MAX:
        return errors.invalid("file", f"A feed file may be at most {FEED_BYTES_MAX} bytes")
    return content


async def submit_feed(sandbox: WalmartSandbox, request: Request) -> Response:
    feed_type = request.query_params.get("feedType", "")
    if feed_type not in FEED_VERSIONS:
        return errors.invalid(
            "feedType", f"feedType must be inventory or MP_INVENTORY, not {feed_type!r}"
        )
    node = request.query_params.get("shipNode")
    if node is not None and node != sandbox.ship_node:
        return errors.invalid("shipNode", f"Unknown shipNode {node!r} for this seller")
    content = await feed_file(request)
    if isinstance(content, Response):
        return content
    with sandbox.lock:
        known = {listing.sku for listing in sandbox.shelf.all()}
        items, file_error = read_items(feed_type, content, known, sandbox.ship_node)
        feed = Feed(
            new_feed_id(),
            feed_type,
            sandbox.clock(),
            now_ms(),
            items,
            file_error,
            sandbox.faults.stuck_feeds,
        )
        sandbox.feeds.feeds[feed.feed_id] = feed
    return JSONResponse({"feedId": feed.feed_id})


async def feed_status(sandbox: WalmartSandbox, request: Request) -> Response:
    details = request.query_params.get("includeDetails", "false").lower()
    if details not in ("true", "false"):
        return errors.invalid(
            "includeDetails", f"includeDetails must be true or false, not {details!r}"
        )
    offset = whole_number(request, "offset", 0, 0, 10_000_000)
    limit = whole_number(request, "limit", 50, 1, DETAILS_LIMIT_MAX)
    if isinstance(offset, Response):
        return offset
    if isinstance(limit, Response):
        return limit
    feed_id = request.path_params["feedId"]
    with sandbox.lock:
        sandbox.settle_feeds()
        feed = sandbox.feeds.feeds.get(feed_id)
        if feed is None:
            return errors.not_found("feedId", f"No feed {feed_id!r}")
        status = sandbox.feeds.status(feed, sandbox.clock())
        body: dict[str, Any] = {
            "feedId": feed.feed_id,
            "feedStatus": status,
            "ingestionErrors": {"ingestionError": file_errors(feed, status)},
            **sandbox.feeds.counts(feed, status),
            "offset": offset,
            "limit": limit,
        }
        if details == "true":
            shown = feed.items[offset : offset + limit] if status != "ERROR" else []
            body["itemDetails"] = {
                "itemIngestionStatus": [item_status(item, status) for item in shown]
            }
    return JSONResponse(body)


def file_errors(feed: Feed, status: str) -> list[dict[str, str]]:
    if status != "ERROR" or feed.file_error is None:
        return []
    return [{"type": "DATA_ERROR", "code": "ERR_EXT_DATA_0801001", "description": feed.file_error}]


async def list_feeds(sandbox: WalmartSandbox, request: Request) -> Response:
    offset = whole_number(request, "offset", 0, 0, 10_000_000)
    limit = whole_number(request, "limit", 50, 1, 50)
    if isinstance(offset, Response):
        return offset
    if isinstance(limit, Response):
        return limit
    wanted = request.query_params.get("feedId")
    with sandbox.lock:
        sandbox.settle_feeds()
        now = sandbox.clock()
        feeds = [
            feed
            for feed in reversed(sandbox.feeds.feeds.values())
            if wanted is None or feed.feed_id == wanted
        ]
        records = [feed_record(sandbox, feed, now) for feed in feeds[offset : offset + limit]]
    return JSONResponse(
        {"totalResults": len(feeds), "offset": offset, "limit": limit, "results": {"feed": records}}
    )


def feed_record(sandbox: WalmartSandbox, feed: Feed, now: float) -> dict[str, Any]:
    status = sandbox.feeds.status(feed, now)
    return {
        "feedId": feed.feed_id,
        "feedSource": "MARKETPLACE_PARTNER",
        "feedType": feed.feed_type,
        "partnerId": sandbox.credentials["partner_id"],
        **sandbox.feeds.counts(feed, status),
        "feedStatus": status,
        "feedDate": feed.feed_date_ms,
        "modifiedDtm": feed.feed_date_ms,
    }
