"""Reports 2021-06-30: createReport, getReport and getReportDocument, for the merchant-fulfilled
returns report (GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE).

A report waits `queue_seconds` IN_QUEUE, then `processing_seconds` IN_PROGRESS; then it is DONE
with a document, or CANCELLED when it has no data (as Amazon does). Like feeds, the state moves
lazily whenever the sandbox is called, as of the time it was due. Documents live in the feeds'
document store and are fetched through the same pre-signed URLs, gzipped when `gzip` is set.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from stockpool.sandbox.amazon import returns
from stockpool.sandbox.amazon.errors import BadInput, sp_json
from stockpool.sandbox.amazon.params import iso, json_body

if TYPE_CHECKING:
    from stockpool.sandbox.amazon.sandbox import AmazonSandbox

REPORT_TYPES = (returns.REPORT_TYPE,)
CONTENT_TYPE = "text/tab-separated-values; charset=UTF-8"
CLOCK_SKEW = timedelta(seconds=5)  # how far past "now" a dataEndTime is still taken as now


@dataclass(slots=True)
class Report:
    report_id: str
    report_type: str
    marketplace_ids: list[str]
    data_start: datetime
    data_end: datetime
    created: datetime
    created_at: float  # on the sandbox clock
    status: str = "IN_QUEUE"
    ended: datetime | None = None
    document_id: str | None = None

    def as_api(self, queue_seconds: float) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "reportId": self.report_id,
            "reportType": self.report_type,
            "marketplaceIds": self.marketplace_ids,
            "dataStartTime": iso(self.data_start),
            "dataEndTime": iso(self.data_end),
            "createdTime": iso(self.created),
            "processingStatus": self.status,
        }
        if self.status != "IN_QUEUE":
            shown["processingStartTime"] = iso(self.created + timedelta(seconds=queue_seconds))
        if self.ended is not None:
            shown["processingEndTime"] = iso(self.ended)
        if self.document_id is not None:
            shown["reportDocumentId"] = self.document_id
        return shown


class Reports:
    """The reports one seller asked for, and which documents are theirs."""

    def __init__(
        self,
        clock: Callable[[], float],
        queue_seconds: float,
        processing_seconds: float,
        gzip_documents: bool,
    ) -> None:
        self.clock = clock
        self.queue_seconds = queue_seconds
        self.processing_seconds = processing_seconds
        self.gzip_documents = gzip_documents
        self.reports: dict[str, Report] = {}
        self.document_ids: set[str] = set()
        self._next_report = 60_000_000_001

    def new_report(
        self, report_type: str, marketplaces: list[str], start: datetime, end: datetime
    ) -> Report:
        report_id = str(self._next_report)
        self._next_report += 1
        report = self.reports[report_id] = Report(
            report_id,
            report_type,
            marketplaces,
            start,
            end,
            datetime.now(UTC).replace(microsecond=0),
            self.clock(),
        )
        return report

    def due(self) -> list[Report]:
        """Reports whose processing is over by now (those started are marked IN_PROGRESS)."""
        now, finished = self.clock(), []
        for report in self.reports.values():
            started_at = report.created_at + self.queue_seconds
            if report.status == "IN_QUEUE" and now >= started_at:
                report.status = "IN_PROGRESS"
            if report.status == "IN_PROGRESS" and now >= started_at + self.processing_seconds:
                finished.append(report)
        return finished


def advance(sandbox: AmazonSandbox) -> None:
    """Finish every report that is due (lock held): DONE with its document, or CANCELLED."""
    reports = sandbox.reports
    for report in reports.due():
        report.ended = report.created + timedelta(
            seconds=reports.queue_seconds + reports.processing_seconds
        )
        text = returns.flat_file(sandbox.returns, report.data_start, report.data_end)
        if text is None:
            report.status = "CANCELLED"
            continue
        content = text.encode()
        if reports.gzip_documents:
            content = gzip.compress(content)
        document = sandbox.feeds.new_document(CONTENT_TYPE, content)
        reports.document_ids.add(document.document_id)
        report.document_id, report.status = document.document_id, "DONE"


# -- the operations ---------------------------------------------------------------------------


async def create_report(sandbox: AmazonSandbox, request: Request) -> Response:
    body = json_body(await request.body(), request.headers.get("content-type", ""))
    report_type = body.get("reportType")
    if not isinstance(report_type, str) or not report_type:
        raise BadInput("reportType is required and must be a string.")
    if report_type not in REPORT_TYPES:
        raise BadInput(
            f"Report type {report_type} is not supported here; supported: "
            f"{', '.join(REPORT_TYPES)}."
        )
    marketplaces = body.get("marketplaceIds")
    if (
        not isinstance(marketplaces, list)
        or not 1 <= len(marketplaces) <= 25
        or not all(isinstance(value, str) for value in marketplaces)
    ):
        raise BadInput("marketplaceIds is required: an array of 1 to 25 marketplace ids.")
    options = body.get("reportOptions", {})
    if not isinstance(options, dict) or not all(isinstance(v, str) for v in options.values()):
        raise BadInput("reportOptions must be an object of strings.")
    now = datetime.now(UTC)
    start, end = _time(body, "dataStartTime", now), _time(body, "dataEndTime", now)
    if end > now + CLOCK_SKEW or start > now + CLOCK_SKEW:
        raise BadInput("dataStartTime and dataEndTime must be prior to or equal to now.")
    if start > end:
        raise BadInput("dataStartTime must be prior to or equal to dataEndTime.")
    with sandbox.lock:
        for marketplace in marketplaces:
            sandbox.check_marketplace(marketplace)
        report = sandbox.reports.new_report(report_type, list(marketplaces), start, min(end, now))
    return sp_json({"reportId": report.report_id}, 202)


def _time(body: dict[str, Any], name: str, default: datetime) -> datetime:
    raw = body.get(name)
    if raw is None:
        return default
    if not isinstance(raw, str):
        raise BadInput(f"{name} must be an ISO 8601 date-time string.")
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(f"{name} '{raw}' is not an ISO 8601 date-time.") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


async def get_report(sandbox: AmazonSandbox, request: Request) -> Response:
    report_id = request.path_params["reportId"]
    with sandbox.lock:
        report = sandbox.reports.reports.get(report_id)
        if report is None:
            raise BadInput(f"Report {report_id} not found.", status=404, code="NotFound")
        return sp_json(report.as_api(sandbox.reports.queue_seconds))


async def get_report_document(sandbox: AmazonSandbox, request: Request) -> Response:
    flag = request.query_params.get("enableContentEncodingUrlHeader")
    if flag is not None and flag not in ("true", "false"):
        raise BadInput("enableContentEncodingUrlHeader must be true or false.")
    document_id = request.path_params["reportDocumentId"]
    with sandbox.lock:
        if document_id not in sandbox.reports.document_ids:
            raise BadInput(f"Report document {document_id} not found.", status=404, code="NotFound")
        url = sandbox.feeds.signed_url(sandbox.base_url, document_id, "GET")
        zipped = sandbox.reports.gzip_documents
    answer: dict[str, Any] = {"reportDocumentId": document_id, "url": url}
    if zipped:
        answer["compressionAlgorithm"] = "GZIP"
    return sp_json(answer)
