"""Walmart returns: polled by last-modified time (`GET /v3/returns?returnLastModifiedStartDate=…`,
pages followed with Walmart's ready-made `nextCursor`), reporting the units received back with
the seller (stockpool.channels.walmart.return_orders says which and how they are named).

Receiving a return modifies it, so one initiated earlier comes back in the poll after its units
arrive. The cursor stockpool persists is this module's own (JSON): the latest modification seen,
from which the next poll starts OVERLAP earlier (so a return Walmart shows a little late is not
skipped), the returns reported whose receipt falls in that overlap (so none comes twice), and,
while a poll is part way through its pages, Walmart's nextCursor to resume from. A receipt
before the poll's start is one an earlier poll reported: a refund completing later modifies the
return again without reporting it again.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from stockpool.channels.walmart.client import WalmartClient, WalmartRefused, problems
from stockpool.channels.walmart.purchase_orders import iso
from stockpool.channels.walmart.return_orders import last_modified, to_returns
from stockpool.domain.platforms import PlatformReturn, ReturnsPage

DEFAULT_WINDOW = timedelta(days=30)  # what the first poll reads (Walmart keeps returns longer)
OVERLAP = timedelta(minutes=10)
PAGE_MAX = 200


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@dataclass(slots=True)
class Cursor:
    since_ms: int | None = None  # the latest modification of the polls before (None: none yet)
    reported: dict[str, int] = field(default_factory=dict)  # return_id: receipt ms, in overlap
    page: str | None = None  # Walmart's nextCursor, while a poll is part way through
    high_ms: int | None = None  # the latest modification this poll has seen so far

    @classmethod
    def read(cls, text: str | None) -> Cursor:
        if not text:
            return cls()
        try:
            return cls(**json.loads(text))
        except (ValueError, TypeError) as error:
            raise WalmartRefused(
                f"Not a Walmart returns cursor: {text[:80]!r}. Clear the channel's returns "
                "cursor to poll again from the last 30 days."
            ) from error

    def write(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    def start_ms(self) -> int:
        """Receipts from here on are this poll's to report (unless reported already)."""
        if self.since_ms is None:
            raise WalmartRefused("A returns cursor without a start: clear it to poll again.")
        return self.since_ms - int(OVERLAP.total_seconds() * 1000)

    def saw(self, return_order: dict[str, Any]) -> list[PlatformReturn]:
        """Note the return order's modification; its receipts not reported yet."""
        modified = ms(last_modified(return_order))
        self.high_ms = modified if self.high_ms is None else max(self.high_ms, modified)
        fresh = []
        for found in to_returns(return_order):
            received = ms(found.returned_at)
            if received >= self.start_ms() and found.return_id not in self.reported:
                self.reported[found.return_id] = received
                fresh.append(found)
        return fresh

    def finished(self) -> Cursor:
        """The cursor of the next poll, once this one has read its last page."""
        since = max(self.since_ms or 0, self.high_ms or 0)
        keep_from = since - int(OVERLAP.total_seconds() * 1000)
        kept = {key: at for key, at in self.reported.items() if at >= keep_from}
        return Cursor(since, kept)


def _first_query(cursor: Cursor, page_size: int) -> str:
    params = {
        "returnLastModifiedStartDate": iso(cursor.start_ms()),
        "limit": str(min(page_size, PAGE_MAX)),
    }
    return "?" + urlencode(params)


def _page(client: WalmartClient, query: str) -> tuple[list[dict[str, Any]], str | None]:
    response = client.request("returns", "GET", "/v3/returns" + query)
    if response.status_code == 404:
        return [], None  # in case Walmart answers "none found" as its orders API does
    if response.status_code != 200:
        raise WalmartRefused(f"Walmart refused the returns query: {problems(response)}")
    body = response.json()
    found: list[dict[str, Any]] = body.get("returnOrders") or []
    if not found:
        # The model requires nextCursor on every page: should the last one name a further
        # page, that page is empty, and the paging ends there.
        return [], None
    return found, (body.get("meta") or {}).get("nextCursor") or None


def returns_since(
    client: WalmartClient, text: str | None, page_size: int, max_pages: int
) -> ReturnsPage:
    """Returns received back since the cursor, up to max_pages pages; the cursor resumes the
    pages left, or starts the next poll from the latest modification seen."""
    cursor = Cursor.read(text)
    if cursor.since_ms is None:  # the first poll: its start (since - OVERLAP) is 30 days ago
        cursor.since_ms = ms(client.wall() - DEFAULT_WINDOW + OVERLAP)
    query: str | None = cursor.page or _first_query(cursor, page_size)
    found: list[PlatformReturn] = []
    pages = 0
    while query is not None and pages < max_pages:
        return_orders, query = _page(client, query)
        pages += 1
        for return_order in return_orders:
            found += cursor.saw(return_order)
    if query is not None:
        cursor.page = query
        return ReturnsPage(tuple(found), cursor.write())
    return ReturnsPage(tuple(found), cursor.finished().write())
