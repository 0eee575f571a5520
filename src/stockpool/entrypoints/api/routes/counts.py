"""Count sessions: open a count, send counted lines, submit, approve, cancel."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from stockpool.domain.count_sessions import CountSession, CountStatus, LineCounted, NewCount
from stockpool.domain.errors import InvalidRequest
from stockpool.entrypoints.api.deps import (
    ContainerDep,
    Cursor,
    IdempotencyKey,
    Limit,
    Operator,
    RowId,
    Viewer,
    actor,
    id_cursor,
    replayable,
)
from stockpool.entrypoints.api.schemas.counts import (
    CountLinePublic,
    CountLinesIn,
    CountOpen,
    CountPage,
    CountPublic,
    CountStatusName,
)
from stockpool.services.counts import CountWrite

router = APIRouter(prefix="/counts", tags=["counts"])

CountId = RowId


def count_public(count: CountSession) -> CountPublic:
    """A count as shown: a blind count's expected and variance stay hidden until submitted."""
    shown = count.shows_expected
    lines = [
        CountLinePublic(
            sku=line.sku,
            counted=line.counted,
            expected=line.expected if shown else None,
            variance=line.variance if shown else None,
            counted_by=line.counted_by,
            counted_at=line.counted_at,
            unit_cost=_money(line.unit_cost),
        )
        for line in count.lines
    ]
    return CountPublic(
        id=count.id,
        location=count.location,
        blind=count.blind,
        threshold=count.threshold,
        value_threshold=_money(count.value_threshold),
        variance_value=_money(count.variance_value) if shown else None,
        unpriced=list(count.unpriced),
        over_thresholds=list(count.over_thresholds) if shown else [],
        status=count.status.value,
        lines=lines,
        opened_by=count.opened_by,
        opened_at=count.opened_at,
        submitted_by=count.submitted_by,
        approved_by=count.approved_by,
        cancelled_by=count.cancelled_by,
        updated_at=count.updated_at,
    )


def _money(amount: Decimal | None) -> str | None:
    """An amount as a decimal string with 4 places, as unit costs are kept."""
    return None if amount is None else str(amount.quantize(Decimal("0.0001")))


def _answer(write: CountWrite, status_code: int | None = 200) -> Response:
    body = count_public(write.count).model_dump(mode="json")
    body["posted"] = write.posted.to_dict() if write.posted is not None else None
    return replayable(body, replayed=write.replayed, status_code=status_code)


@router.post("", status_code=201, response_model=CountPublic)
def open_count(
    body: CountOpen, key: Operator, container: ContainerDep, idempotency_key: IdempotencyKey = None
) -> Response:
    """Open a count of some SKUs at a location (blind: expected quantities hidden until it is
    submitted). Its approval thresholds (units, value) are the location's at this moment."""
    count = NewCount(body.location, tuple(body.skus), body.blind)
    opened = container.counts.open(count, actor=actor(key), idempotency_key=idempotency_key)
    return _answer(opened, None)


@router.get("", response_model=CountPage)
def list_counts(
    key: Viewer,
    container: ContainerDep,
    status: Annotated[CountStatusName | None, Query()] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> CountPage:
    """Counts, oldest first; ?status= keeps those in one state (awaiting_approval: the queue)."""
    found = container.counts.list(
        status=CountStatus(status) if status else None, after=id_cursor(cursor), limit=limit
    )
    next_cursor = str(found[-1].id) if len(found) == limit else None
    return CountPage(items=[count_public(c) for c in found], next_cursor=next_cursor)


@router.get("/{count_id}", response_model=CountPublic)
def get_count(count_id: CountId, key: Viewer, container: ContainerDep) -> CountPublic:
    """A count and its lines."""
    return count_public(container.counts.get(count_id))


@router.post("/{count_id}/lines", response_model=CountPublic)
def add_lines(
    count_id: CountId,
    body: CountLinesIn,
    key: Operator,
    container: ContainerDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Counted totals for SKUs of an open count, each compared with the ledger now; a SKU sent
    again replaces its line."""
    if body.sku is not None and body.counted is not None and body.lines is None:
        lines = [LineCounted(body.sku, body.counted)]
    elif body.sku is None and body.counted is None and body.lines:
        lines = [LineCounted(line.sku, line.counted) for line in body.lines]
    else:
        raise InvalidRequest("send either sku and counted, or a non-empty lines: [{sku, counted}].")
    written = container.counts.add_lines(
        count_id, lines, actor=actor(key), idempotency_key=idempotency_key
    )
    return _answer(written)


@router.post("/{count_id}/submit", response_model=CountPublic)
def submit_count(count_id: CountId, key: Operator, container: ContainerDep) -> Response:
    """Submit an open count whose SKUs are all counted: posted now, or awaiting_approval when a
    line's variance is above the units threshold or the count's variance_value above the value
    threshold (over_thresholds says which)."""
    return _answer(container.counts.submit(count_id, actor=actor(key)))


@router.post("/{count_id}/approve", response_model=CountPublic)
def approve_count(count_id: CountId, key: Operator, container: ContainerDep) -> Response:
    """Approve a count awaiting approval, with a key that neither opened nor submitted it; it
    is posted."""
    return _answer(container.counts.approve(count_id, actor=actor(key)))


@router.post("/{count_id}/cancel", response_model=CountPublic)
def cancel_count(count_id: CountId, key: Operator, container: ContainerDep) -> Response:
    """Cancel an open count; nothing is posted."""
    return _answer(container.counts.cancel(count_id, actor=actor(key)))
