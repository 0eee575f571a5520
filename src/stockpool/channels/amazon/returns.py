"""Returns through the Reports API: the merchant-fulfilled returns report asked for, followed to
its end, downloaded and read (see returns_report), and the cursor that makes each return come
back once.

The report selects returns by the day they were requested, but a return counts for stockpool when
its units are delivered back to the seller, days later, and the report gives that day only as a
date. So each report covers `lookback` before the cursor's time `after` up to now, and what is
taken from it is every return delivered on `after`'s day or later that was not taken before —
from `settle` days earlier still, since a delivery may reach the report after the day it names.
`seen` keeps the returns taken on the days the next report can still show as new.

createReport allows about one report a minute, so a report not finished within a short wait is
not asked for again: the cursor names it (`pending`) and the next call follows it.

The cursor is base64 JSON of {"after": ISO time, "seen": {return id: delivery day},
"pending": reportId or null}.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from stockpool.channels.amazon.calls import Refused
from stockpool.channels.amazon.client import SpApi
from stockpool.channels.amazon.orders import moment
from stockpool.channels.amazon.returns_report import decoded, delivered_returns, rows
from stockpool.domain.errors import PlatformUnavailable
from stockpool.domain.platforms import ReturnsPage

REPORT_TYPE = "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE"
UNFINISHED = ("IN_QUEUE", "IN_PROGRESS")


class BadReturnsCursor(ValueError):
    def __init__(self, cursor: str) -> None:
        super().__init__(
            f"Amazon returns cursor {cursor[:40]!r}… is not one this connector wrote; "
            "start again without a cursor (from the default window)."
        )


@dataclass(frozen=True, slots=True)
class ReturnsWindows:
    """How far back to look: `first` for the first call, `lookback` before the cursor for
    returns requested earlier and delivered since; how long to wait for a report, polling every
    `poll` seconds. `settle`: how late a delivery may show in the report after its day."""

    first: timedelta = timedelta(days=30)
    lookback: timedelta = timedelta(days=30)
    settle: timedelta = timedelta(days=2)
    wait_seconds: float = 30.0
    poll_seconds: float = 5.0


@dataclass
class ReturnsCursor:
    after: datetime
    seen: dict[str, str] = field(default_factory=dict)
    pending: str | None = None

    def encode(self) -> str:
        raw = {"after": self.after.isoformat(), "seen": self.seen, "pending": self.pending}
        return base64.urlsafe_b64encode(json.dumps(raw, sort_keys=True).encode()).decode()

    @classmethod
    def decode(cls, cursor: str) -> ReturnsCursor:
        try:
            raw = json.loads(base64.urlsafe_b64decode(cursor.encode()))
            after, seen, pending = datetime.fromisoformat(raw["after"]), raw["seen"], raw["pending"]
            if after.tzinfo is None or not isinstance(seen, dict):
                raise ValueError("naive time or bad seen")
            return cls(
                after,
                {str(k): str(v) for k, v in seen.items()},
                str(pending) if pending else None,
            )
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as error:
            raise BadReturnsCursor(cursor) from error


def returns_page(
    api: SpApi, cursor: str | None, now: datetime, windows: ReturnsWindows
) -> ReturnsPage:
    """The returns delivered back since the cursor, and the cursor to ask from next."""
    at = ReturnsCursor.decode(cursor) if cursor else ReturnsCursor(now - windows.first)
    try:
        return _page(api, at, now, windows)
    except Refused as refused:
        raise PlatformUnavailable(f"Amazon's returns report: {refused}") from refused


def _page(api: SpApi, at: ReturnsCursor, now: datetime, windows: ReturnsWindows) -> ReturnsPage:
    report = _report(api, at, now, windows)
    status = report.processing_status if report is not None else "FATAL"
    if report is not None and status in UNFINISHED:
        return ReturnsPage((), ReturnsCursor(at.after, at.seen, report.report_id).encode())
    if report is None or status == "FATAL":  # gone, or Amazon could not make it: ask anew
        return ReturnsPage((), ReturnsCursor(at.after, at.seen).encode())
    end = moment(report.data_end_time) if report.data_end_time else now
    found = []
    if status == "DONE" and report.report_document_id:
        since = (at.after - windows.settle).date()
        found = [
            taken
            for taken in delivered_returns(rows(_document(api, report.report_document_id)))
            if taken.returned_at.date() >= since and taken.return_id not in at.seen
        ]
    # CANCELLED: Amazon found nothing to report in the window.
    seen = {**at.seen, **{r.return_id: r.returned_at.date().isoformat() for r in found}}
    oldest = (end - windows.settle).date().isoformat()
    kept = {rid: day for rid, day in seen.items() if day >= oldest}
    return ReturnsPage(tuple(found), ReturnsCursor(end, kept).encode())


def _report(api: SpApi, at: ReturnsCursor, now: datetime, windows: ReturnsWindows) -> Any:
    """The cursor's pending report, else a new one for its window, followed for a while; None
    when the pending report is gone (Amazon keeps reports 90 days)."""
    if at.pending is None:
        return _followed(api, _requested(api, at.after - windows.lookback, now), windows)
    try:
        return _followed(api, at.pending, windows)
    except Refused as refused:
        if refused.status == 404:
            return None
        raise


def _requested(api: SpApi, start: datetime, end: datetime) -> str:
    body = {
        "reportType": REPORT_TYPE,
        "marketplaceIds": [api.marketplace_id],
        "dataStartTime": _iso(start),
        "dataEndTime": _iso(end),
    }
    created = api.calls.run("createReport", lambda: api.reports.create_report_with_http_info(body))
    return str(created.report_id)


def _followed(api: SpApi, report_id: str, windows: ReturnsWindows) -> Any:
    """The report once it is over, or as it stands after waiting `wait_seconds` for it."""
    clock, sleep = api.calls.clock, api.calls.sleep
    until = clock() + windows.wait_seconds
    while True:
        report = api.calls.run(
            "getReport", lambda: api.reports.get_report_with_http_info(report_id)
        )
        if report.processing_status not in UNFINISHED or clock() >= until:
            return report
        sleep(min(windows.poll_seconds, max(until - clock(), 0.0)))


def _document(api: SpApi, document_id: str) -> str:
    document = api.calls.run(
        "getReportDocument", lambda: api.reports.get_report_document_with_http_info(document_id)
    )
    content = api.download(document.url, document.compression_algorithm, "downloadReportDocument")
    return decoded(content)


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
