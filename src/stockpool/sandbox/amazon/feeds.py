"""Feeds 2021-06-30: documents uploaded to a pre-signed URL, JSON_LISTINGS_FEED processed by clock.

A feed waits `queue_seconds` IN_QUEUE, then `processing_seconds` IN_PROGRESS, then its messages
run and it is DONE (FATAL when the document cannot be read). The state advances lazily, whenever
the sandbox is called, as of the time it was due — so a test with a fake clock sees the same thing
however often it polls.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from stockpool.sandbox.amazon.errors import BadInput, sp_json
from stockpool.sandbox.amazon.feed_messages import document_problem, run_messages
from stockpool.sandbox.amazon.listings import item
from stockpool.sandbox.amazon.params import csv_list, integer, iso, json_body, timestamp

if TYPE_CHECKING:
    from stockpool.sandbox.amazon.sandbox import AmazonSandbox

DOCUMENTS_PATH = "/documents"  # the "S3 bucket" pre-signed URLs point into
FEED_TYPES = ("JSON_LISTINGS_FEED",)
STATUSES = ("CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE")
FEEDS_KEPT = timedelta(days=90)
TOKEN_KEYS = {
    "feedTypes",
    "marketplaceIds",
    "processingStatuses",
    "createdSince",
    "createdUntil",
    "pageSize",
    "offset",
}


@dataclass(slots=True)
class Document:
    document_id: str
    content_type: str
    content: bytes | None = None


@dataclass(slots=True)
class SignedUrl:
    document_id: str
    method: str
    expires_at: float  # on the sandbox clock


@dataclass(slots=True)
class Feed:
    feed_id: str
    feed_type: str
    marketplace_ids: list[str]
    document_id: str
    created: datetime
    created_at: float  # on the sandbox clock
    stuck: bool
    status: str = "IN_QUEUE"
    ended: datetime | None = None
    result_document_id: str | None = None
    options: dict[str, str] = field(default_factory=dict)

    def as_api(self, queue_seconds: float) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "feedId": self.feed_id,
            "feedType": self.feed_type,
            "marketplaceIds": self.marketplace_ids,
            "createdTime": iso(self.created),
            "processingStatus": self.status,
        }
        if self.status in ("IN_PROGRESS", "DONE", "FATAL"):
            shown["processingStartTime"] = iso(self.created + timedelta(seconds=queue_seconds))
        if self.ended is not None:
            shown["processingEndTime"] = iso(self.ended)
        if self.result_document_id is not None:
            shown["resultFeedDocumentId"] = self.result_document_id
        return shown


class Feeds:
    """The documents, signed URLs and feeds of one seller."""

    def __init__(
        self,
        clock: Callable[[], float],
        queue_seconds: float,
        processing_seconds: float,
        url_seconds: float,
    ) -> None:
        self.clock = clock
        self.queue_seconds = queue_seconds
        self.processing_seconds = processing_seconds
        self.url_seconds = url_seconds
        self.documents: dict[str, Document] = {}
        self.urls: dict[str, SignedUrl] = {}
        self.feeds: dict[str, Feed] = {}
        self._next_feed = 50_000_000_001

    def new_document(self, content_type: str, content: bytes | None = None) -> Document:
        document_id = "amzn1.tortuga.4.na." + secrets.token_hex(16)
        document = self.documents[document_id] = Document(document_id, content_type, content)
        return document

    def signed_url(self, base_url: str, document_id: str, method: str) -> str:
        signature = secrets.token_hex(32)
        self.urls[signature] = SignedUrl(document_id, method, self.clock() + self.url_seconds)
        return (
            f"{base_url}{DOCUMENTS_PATH}/{document_id}?X-Amz-Expires={int(self.url_seconds)}"
            f"&X-Amz-Signature={signature}"
        )

    def new_feed(self, spec: dict[str, Any], stuck: bool) -> Feed:
        feed_id = str(self._next_feed)
        self._next_feed += 1
        feed = self.feeds[feed_id] = Feed(
            feed_id=feed_id,
            feed_type=spec["feedType"],
            marketplace_ids=list(spec["marketplaceIds"]),
            document_id=spec["inputFeedDocumentId"],
            created=datetime.now(UTC).replace(microsecond=0),
            created_at=self.clock(),
            stuck=stuck,
            options=dict(spec.get("feedOptions") or {}),
        )
        return feed

    def due(self) -> list[tuple[Feed, float]]:
        """Feeds whose state has moved on by now, each with the clock time it finished (or
        inf while still in progress)."""
        now = self.clock()
        moved = []
        for feed in self.feeds.values():
            started_at = feed.created_at + self.queue_seconds
            if feed.status == "IN_QUEUE" and now >= started_at:
                feed.status = "IN_PROGRESS"
            done_at = started_at + self.processing_seconds
            if feed.status == "IN_PROGRESS" and not feed.stuck and now >= done_at:
                moved.append((feed, done_at))
        return moved


def advance(sandbox: AmazonSandbox) -> None:
    """Finish every feed that is due (lock held), as of the time each was due."""
    feeds = sandbox.feeds
    for feed, done_at in feeds.due():
        late = feeds.clock() - done_at
        feed.ended = feed.created + timedelta(
            seconds=feeds.queue_seconds + feeds.processing_seconds
        )
        report = _process(sandbox, feed, max(sandbox.shelf.delay_seconds - late, 0.0))
        feed.result_document_id = feeds.new_document(
            "application/json", json.dumps(report).encode()
        ).document_id


def _process(sandbox: AmazonSandbox, feed: Feed, push_delay: float) -> dict[str, Any]:
    """Run the feed's document against the shelf; the processing report (feed status set)."""
    header = {
        "sellerId": sandbox.credentials["seller_id"],
        "version": "2.0",
        "feedId": feed.feed_id,
    }
    document = sandbox.feeds.documents.get(feed.document_id)
    parsed: Any = None
    problem: str | None
    if document is None or document.content is None:
        problem = "The input feed document was never uploaded."
    else:
        try:
            parsed = json.loads(document.content)
            problem = document_problem(parsed)
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            problem = f"The feed document is not valid JSON: {error}."
    if problem is None and parsed["header"]["sellerId"] != sandbox.credentials["seller_id"]:
        problem = f"header.sellerId '{parsed['header']['sellerId']}' is not this selling partner."
    if problem is not None:
        feed.status = "FATAL"
        return {
            "header": header,
            "issues": [{"code": "FATAL", "severity": "ERROR", "message": problem}],
            "summary": _summary(0, 0, 0, 1, 0),
        }
    product_types = {
        listing.sku: listing.attributes["productType"] for listing in sandbox.shelf.all()
    }
    verdicts = run_messages(parsed["messages"], sandbox.shelf, push_delay, product_types)
    feed.status = "DONE"
    errors = sum(issue["severity"] == "ERROR" for issue in verdicts.issues)
    warnings = sum(issue["severity"] == "WARNING" for issue in verdicts.issues)
    report: dict[str, Any] = {
        "header": header,
        "issues": verdicts.issues,
        "summary": _summary(
            len(parsed["messages"]), len(verdicts.accepted), verdicts.invalid, errors, warnings
        ),
    }
    wanted = parsed["header"].get("report")
    if wanted:
        header["report"] = wanted
        marketplace = sandbox.credentials["marketplace_id"]
        listings = [sandbox.shelf.get(sku) for sku in dict.fromkeys(verdicts.accepted)]
        report["items"] = [
            item(listing, marketplace, wanted["includedData"]) for listing in listings if listing
        ]
        report["summary"]["itemSummary"] = {
            "items": len(report["items"]),
            "errors": 0,
            "warnings": 0,
        }
    return report


def _summary(
    processed: int, accepted: int, invalid: int, errors: int, warnings: int
) -> dict[str, int]:
    return {
        "errors": errors,
        "warnings": warnings,
        "messagesProcessed": processed,
        "messagesAccepted": accepted,
        "messagesInvalid": invalid,
    }


# -- the operations ---------------------------------------------------------------------------


async def create_feed_document(sandbox: AmazonSandbox, request: Request) -> Response:
    body = json_body(await request.body(), request.headers.get("content-type", ""))
    content_type = body.get("contentType")
    if not isinstance(content_type, str) or not content_type:
        raise BadInput("contentType is required and must be a string.")
    with sandbox.lock:
        document = sandbox.feeds.new_document(content_type)
        url = sandbox.feeds.signed_url(sandbox.base_url, document.document_id, "PUT")
    return sp_json({"feedDocumentId": document.document_id, "url": url}, 201)


async def create_feed(sandbox: AmazonSandbox, request: Request) -> Response:
    body = json_body(await request.body(), request.headers.get("content-type", ""))
    for name in ("feedType", "inputFeedDocumentId"):
        if not isinstance(body.get(name), str):
            raise BadInput(f"{name} is required and must be a string.")
    marketplaces = body.get("marketplaceIds")
    if (
        not isinstance(marketplaces, list)
        or not 1 <= len(marketplaces) <= 25
        or not all(isinstance(value, str) for value in marketplaces)
    ):
        raise BadInput("marketplaceIds is required: an array of 1 to 25 marketplace ids.")
    options = body.get("feedOptions", {})
    if not isinstance(options, dict) or not all(isinstance(v, str) for v in options.values()):
        raise BadInput("feedOptions must be an object of strings.")
    if body["feedType"] not in FEED_TYPES:
        raise BadInput(
            f"Feed type {body['feedType']} is not supported here; use JSON_LISTINGS_FEED."
        )
    with sandbox.lock:
        for marketplace in marketplaces:
            sandbox.check_marketplace(marketplace)
        if body["inputFeedDocumentId"] not in sandbox.feeds.documents:
            raise BadInput(f"inputFeedDocumentId {body['inputFeedDocumentId']} does not exist.")
        feed = sandbox.feeds.new_feed(body, stuck=sandbox.faults.stuck_feeds)
    return sp_json({"feedId": feed.feed_id}, 202)


async def get_feed(sandbox: AmazonSandbox, request: Request) -> Response:
    with sandbox.lock:
        feed = _feed(sandbox, request.path_params["feedId"])
        return sp_json(feed.as_api(sandbox.feeds.queue_seconds))


async def cancel_feed(sandbox: AmazonSandbox, request: Request) -> Response:
    with sandbox.lock:
        feed = _feed(sandbox, request.path_params["feedId"])
        if feed.status != "IN_QUEUE":
            raise BadInput(
                f"Feed {feed.feed_id} is {feed.status}; only an IN_QUEUE feed can be cancelled."
            )
        feed.status = "CANCELLED"
        feed.ended = datetime.now(UTC).replace(microsecond=0)
    response = Response(status_code=200)
    response.headers["x-amzn-RequestId"] = secrets.token_hex(16)
    return response


async def get_feeds(sandbox: AmazonSandbox, request: Request) -> Response:
    query = request.query_params
    token = query.get("nextToken")
    if token is not None:
        if len(query.keys()) > 1:
            raise BadInput("nextToken must be the only parameter when it is given.")
        filters = _read_token(token)
    else:
        feed_types = csv_list(query, "feedTypes")
        if not feed_types:
            raise BadInput("Either feedTypes or nextToken is required.")
        since = timestamp(query, "createdSince")
        until = timestamp(query, "createdUntil")
        filters = {
            "feedTypes": feed_types,
            "marketplaceIds": csv_list(query, "marketplaceIds"),
            "processingStatuses": csv_list(query, "processingStatuses", STATUSES),
            "createdSince": iso(since) if since else None,
            "createdUntil": iso(until) if until else None,
            "pageSize": integer(query, "pageSize", 1, 100, 10),
            "offset": 0,
        }
    with sandbox.lock:
        chosen = _matching(sandbox, filters)
        offset, size = filters["offset"], filters["pageSize"]
        page = chosen[offset : offset + size]
        answer: dict[str, Any] = {
            "feeds": [feed.as_api(sandbox.feeds.queue_seconds) for feed in page]
        }
    if offset + size < len(chosen):
        answer["nextToken"] = _write_token({**filters, "offset": offset + size})
    return sp_json(answer)


def _matching(sandbox: AmazonSandbox, filters: dict[str, Any]) -> list[Feed]:
    now = datetime.now(UTC)
    since = _parse(filters["createdSince"]) or now - FEEDS_KEPT
    until = _parse(filters["createdUntil"]) or now
    found = [
        feed
        for feed in sandbox.feeds.feeds.values()
        if feed.feed_type in filters["feedTypes"]
        and (
            not filters["marketplaceIds"]
            or set(filters["marketplaceIds"]) & set(feed.marketplace_ids)
        )
        and (not filters["processingStatuses"] or feed.status in filters["processingStatuses"])
        and since <= feed.created <= until
    ]
    return sorted(found, key=lambda feed: int(feed.feed_id), reverse=True)


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _write_token(filters: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(filters).encode()).decode()


def _read_token(token: str) -> dict[str, Any]:
    try:
        filters = json.loads(base64.urlsafe_b64decode(token.encode()))
        if (
            isinstance(filters, dict)
            and set(filters) == TOKEN_KEYS
            and isinstance(filters["offset"], int)
            and isinstance(filters["pageSize"], int)
            and all(
                isinstance(filters[name], list) and all(isinstance(v, str) for v in filters[name])
                for name in ("feedTypes", "marketplaceIds", "processingStatuses")
            )
            and all(
                filters[name] is None or _parse(filters[name]) is not None
                for name in ("createdSince", "createdUntil")
            )
        ):
            return filters
    except (ValueError, TypeError, AttributeError, UnicodeDecodeError):
        pass
    raise BadInput("nextToken is not one this operation returned.")


async def get_feed_document(sandbox: AmazonSandbox, request: Request) -> Response:
    flag = request.query_params.get("enableContentEncodingUrlHeader")
    if flag is not None and flag not in ("true", "false"):
        raise BadInput("enableContentEncodingUrlHeader must be true or false.")
    document_id = request.path_params["feedDocumentId"]
    with sandbox.lock:
        if document_id not in sandbox.feeds.documents:
            raise BadInput(f"Feed document {document_id} not found.", status=404, code="NotFound")
        url = sandbox.feeds.signed_url(sandbox.base_url, document_id, "GET")
    return sp_json({"feedDocumentId": document_id, "url": url})


def _feed(sandbox: AmazonSandbox, feed_id: str) -> Feed:
    feed = sandbox.feeds.feeds.get(feed_id)
    if feed is None:
        raise BadInput(f"Feed {feed_id} not found.", status=404, code="NotFound")
    return feed
