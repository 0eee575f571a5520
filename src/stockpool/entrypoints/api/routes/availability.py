"""What each channel may show: policies, listings, the explained numbers, and the sync reports
connectors send back."""

from __future__ import annotations

import io
from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, Path, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from stockpool.domain.catalog import CHANNEL_PATTERN, CODE_PATTERN, SKU_MAX
from stockpool.domain.errors import InvalidRequest
from stockpool.domain.listings import Listing, StoredListing
from stockpool.domain.policies import Policy
from stockpool.domain.sync import Pending
from stockpool.entrypoints.api.availability_schemas import (
    ChannelHealthPublic,
    DriftPage,
    DriftPublic,
    LagPercentilesPublic,
    ListingImported,
    ListingPage,
    ListingPublic,
    ListingPut,
    OutboxPage,
    PendingPublic,
    PolicyPublic,
    PolicyPut,
    SkuAvailabilityPublic,
    SyncReport,
    SyncReported,
    UnmappedPage,
    UnmappedPublic,
)
from stockpool.entrypoints.api.deps import Admin, ContainerDep, Cursor, Limit, Operator, Viewer
from stockpool.entrypoints.api.errors import wrong_content_type
from stockpool.entrypoints.availability_view import document
from stockpool.services.sync import FeedUpdate, Push, Reading

router = APIRouter()

ChannelPath = Annotated[
    str,
    Path(description="Channel code, e.g. shopify.", json_schema_extra={"pattern": CHANNEL_PATTERN}),
]
ChannelSkuPath = Annotated[
    str,
    Path(
        description="The channel's own SKU (may contain /).", json_schema_extra={"maxLength": 200}
    ),
]
SkuPath = Annotated[
    str,
    Path(
        description="The seller's SKU code.",
        json_schema_extra={"pattern": CODE_PATTERN, "maxLength": SKU_MAX},
    ),
]


def _policy(body: PolicyPut) -> Policy:
    return Policy(**body.model_dump())


def _policy_public(channel: str, sku: str | None, policy: Policy) -> PolicyPublic:
    return PolicyPublic(channel=channel, sku=sku, **policy.as_dict())


# Policies


@router.put("/channels/{code}/policy", response_model=PolicyPublic, tags=["availability"])
def put_channel_policy(
    code: ChannelPath, body: PolicyPut, key: Admin, container: ContainerDep
) -> PolicyPublic:
    """Replace the channel's availability policy. Every SKU's number for the channel is decided
    again in the same transaction. cancellation_cost, if given, becomes the channel's own."""
    stored = container.policies.put_channel(code, _policy(body))
    return _policy_public(code, None, stored.policy)


@router.get("/channels/{code}/policy", response_model=PolicyPublic, tags=["availability"])
def get_channel_policy(code: ChannelPath, key: Viewer, container: ContainerDep) -> PolicyPublic:
    stored = container.policies.get_channel(code)
    return _policy_public(code, None, stored.policy)


@router.put("/skus/{sku}/policy/{channel}", response_model=PolicyPublic, tags=["availability"])
def put_sku_policy(
    sku: SkuPath, channel: ChannelPath, body: PolicyPut, key: Operator, container: ContainerDep
) -> PolicyPublic:
    """Override the channel's policy for one SKU: fields given win, the rest inherit. An
    empty body removes the override."""
    policy = container.policies.put_sku(sku, channel, _policy(body))
    return _policy_public(channel, sku, policy)


@router.get("/skus/{sku}/policy/{channel}", response_model=PolicyPublic, tags=["availability"])
def get_sku_policy(
    sku: SkuPath, channel: ChannelPath, key: Viewer, container: ContainerDep
) -> PolicyPublic:
    """The SKU's own override (all null: none; the channel's policy applies)."""
    return _policy_public(channel, sku, container.policies.get_sku(sku, channel))


@router.delete(
    "/skus/{sku}/policy/{channel}", status_code=204, response_class=Response, tags=["availability"]
)
def delete_sku_policy(
    sku: SkuPath, channel: ChannelPath, key: Operator, container: ContainerDep
) -> Response:
    container.policies.delete_sku(sku, channel)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# The explained numbers


@router.get("/skus/{sku}/availability", response_model=SkuAvailabilityPublic, tags=["availability"])
def sku_availability(
    sku: SkuPath,
    key: Viewer,
    container: ContainerDep,
    channel: Annotated[str | None, Query(description="Only this channel.")] = None,
) -> SkuAvailabilityPublic:
    """What each channel should show of the SKU, and why: the eligible pool, the demand and lag
    used, the buffer and where it comes from (risk model, partition or policy), the limits
    applied, sync health, and what each listing was last pushed and seen to show."""
    found = container.availability.explain(sku, channel or None)
    return SkuAvailabilityPublic.model_validate(document(found))


# Listings


def _listing_public(stored: StoredListing, pending: Pending | None = None) -> ListingPublic:
    x = stored.listing
    return ListingPublic(
        channel=x.channel,
        channel_sku=x.channel_sku,
        sku=x.sku,
        inventory_item_id=x.inventory_item_id,
        location_id=x.location_id,
        fulfillment_channel=x.fulfillment_channel,
        ship_node=x.ship_node,
        pushed_quantity=stored.pushed_quantity,
        pushed_at=stored.pushed_at,
        confirmed_quantity=stored.confirmed_quantity,
        confirmed_at=stored.confirmed_at,
        pending=_pending_public(pending) if pending else None,
    )


def _pending_public(p: Pending) -> PendingPublic:
    return PendingPublic(
        channel=p.channel,
        channel_sku=p.channel_sku,
        sku=p.sku,
        quantity=p.quantity,
        version=p.version,
        queued_at=p.queued_at,
        changed_at=p.changed_at,
    )


@router.put(
    "/channels/{code}/listings/{channel_sku:path}",
    response_model=ListingPublic,
    tags=["listings"],
    responses={201: {"model": ListingPublic, "description": "Created"}},
)
def put_listing(
    code: ChannelPath,
    channel_sku: ChannelSkuPath,
    body: ListingPut,
    key: Operator,
    container: ContainerDep,
    response: Response,
) -> ListingPublic:
    """Map the channel's SKU to one of ours (bundles included), with what the platform needs
    to address it. Its number on the channel is queued for a push."""
    listing = Listing(
        code,
        channel_sku,
        body.sku,
        body.inventory_item_id,
        body.location_id,
        body.fulfillment_channel,
        body.ship_node,
    )
    mapped = container.listings.put(listing)
    response.status_code = status.HTTP_201_CREATED if mapped.created else status.HTTP_200_OK
    pending = container.sync.pending_of(code, [mapped.listing.listing.channel_sku])
    return _listing_public(mapped.listing, pending.get(mapped.listing.listing.channel_sku))


@router.get(
    "/channels/{code}/listings/{channel_sku:path}", response_model=ListingPublic, tags=["listings"]
)
def get_listing(
    code: ChannelPath, channel_sku: ChannelSkuPath, key: Viewer, container: ContainerDep
) -> ListingPublic:
    stored = container.listings.get(code, channel_sku)
    pending = container.sync.pending_of(code, [stored.listing.channel_sku])
    return _listing_public(stored, pending.get(stored.listing.channel_sku))


@router.delete(
    "/channels/{code}/listings/{channel_sku:path}",
    status_code=204,
    response_class=Response,
    tags=["listings"],
)
def delete_listing(
    code: ChannelPath, channel_sku: ChannelSkuPath, key: Operator, container: ContainerDep
) -> Response:
    """Unmap the channel SKU (its pending push is dropped)."""
    container.listings.delete(code, channel_sku)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/channels/{code}/listings", response_model=ListingPage, tags=["listings"])
def list_listings(
    code: ChannelPath,
    key: Viewer,
    container: ContainerDep,
    sku: Annotated[str | None, Query(description="Only listings of this SKU.")] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> ListingPage:
    found = container.listings.page(code, sku=sku or None, after=cursor or None, limit=limit)
    pending = container.sync.pending_of(code, [x.listing.channel_sku for x in found])
    items = [_listing_public(x, pending.get(x.listing.channel_sku)) for x in found]
    next_cursor = found[-1].listing.channel_sku if len(found) == limit else None
    return ListingPage(items=items, next_cursor=next_cursor)


@router.post(
    "/listings:import",
    response_model=ListingImported,
    tags=["listings"],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {
                    "schema": {"type": "string"},
                    "example": "channel,channel_sku,sku,fulfillment_channel\n"
                    "amazon,TEE-BLK-M,TEE-M-BLK,DEFAULT\n",
                }
            },
        }
    },
)
async def import_listings(
    request: Request, key: Operator, container: ContainerDep
) -> ListingImported:
    """Listings from a CSV body (Content-Type: text/csv): channel, channel_sku, sku, and the
    platform's own columns (inventory_item_id, location_id, fulfillment_channel, ship_node).
    All rows or none; every wrong row is named."""
    sent = request.headers.get("content-type", "")
    if sent.partition(";")[0].strip().lower() != "text/csv":
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, wrong_content_type("a CSV", "text/csv", sent)
        )
    raw = await request.body()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidRequest(f"The CSV is not UTF-8 text: {error}") from None
    done = await run_in_threadpool(container.listings.import_csv, io.StringIO(text))
    return ListingImported(rows=done.rows, created=done.created, remapped=done.remapped)


@router.get("/channels/{code}/unmapped", response_model=UnmappedPage, tags=["listings"])
def list_unmapped(
    code: ChannelPath,
    key: Viewer,
    container: ContainerDep,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> UnmappedPage:
    """Channel SKUs that orders named and no listing maps: those orders were refused (404)."""
    found = container.listings.unmapped(code, after=cursor or None, limit=limit)
    items = [
        UnmappedPublic(
            channel=u.channel,
            channel_sku=u.channel_sku,
            orders=u.orders,
            last_external_id=u.last_external_id,
            first_seen_at=u.first_seen_at,
            last_seen_at=u.last_seen_at,
        )
        for u in found
    ]
    next_cursor = found[-1].channel_sku if len(found) == limit else None
    return UnmappedPage(items=items, next_cursor=next_cursor)


# Sync


@router.get("/channels/{code}/outbox", response_model=OutboxPage, tags=["sync"])
def channel_outbox(
    code: ChannelPath,
    key: Viewer,
    container: ContainerDep,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> OutboxPage:
    """Numbers waiting to be pushed to the channel: the latest per listing."""
    found = container.sync.pending(code, after=cursor or None, limit=limit)
    next_cursor = found[-1].channel_sku if len(found) == limit else None
    return OutboxPage(items=[_pending_public(p) for p in found], next_cursor=next_cursor)


@router.get("/channels/{code}/drift", response_model=DriftPage, tags=["sync"])
def channel_drift(
    code: ChannelPath,
    key: Viewer,
    container: ContainerDep,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> DriftPage:
    """Listings reconciliation found showing another number than the one last pushed, and for
    how many readings in a row; each is repaired at once, and one drifting for 3 readings
    makes the channel failing (a person should look: edited on the platform, say)."""
    found = container.reconciliation.drifting(code, after=cursor or None, limit=limit)
    next_cursor = found[-1].channel_sku if len(found) == limit else None
    items = [
        DriftPublic(
            channel=d.channel,
            channel_sku=d.channel_sku,
            expected=d.expected,
            shown=d.shown,
            readings=d.readings,
            first_seen_at=d.first_seen_at,
            last_seen_at=d.last_seen_at,
        )
        for d in found
    ]
    return DriftPage(items=items, next_cursor=next_cursor)


@router.post("/channels/{code}/sync-reports", response_model=SyncReported, tags=["sync"])
def report_sync(
    code: ChannelPath, body: Annotated[SyncReport, Body()], key: Operator, container: ContainerDep
) -> SyncReported:
    """What a connector did: pushes (accepted or refused; a pushed version clears its outbox
    entry), readings of what the platform shows (a reading that shows the pushed number measures
    the channel's lag), and bulk feeds in flight. Sync health is judged from these."""
    done = container.sync.report(
        code,
        pushes=[
            Push(p.channel_sku, p.quantity, p.version, p.ok, p.at, p.error) for p in body.pushes
        ],
        readings=[Reading(r.channel_sku, r.quantity, r.at) for r in body.readings],
        feeds=[FeedUpdate(f.feed_id, f.status, f.at) for f in body.feeds],
    )
    return SyncReported(
        pushes=done.pushes,
        readings=done.readings,
        feeds=done.feeds,
        unknown_channel_skus=list(done.unknown),
        lag_samples_seconds=list(done.lag_samples),
    )


@router.get("/channels/{code}/health", response_model=ChannelHealthPublic, tags=["sync"])
def channel_health(code: ChannelPath, key: Viewer, container: ContainerDep) -> ChannelHealthPublic:
    """The channel's sync health judged now: stale when a change has waited longer than
    STOCKPOOL_SYNC_STALE_SECONDS with no push succeeding, or a feed is stuck processing. While
    it is stale, its rivals hold back what it still shows."""
    found = container.sync.health(code)
    lag = container.availability.lag(code)
    state, recent = (found.row.state if found.row else None), found.lag
    return ChannelHealthPublic(
        channel=code,
        status=found.health.status,
        reasons=list(found.health.reasons),
        lag={"seconds": lag.seconds, "source": lag.source, "samples": lag.samples},
        last_success_at=state.last_success_at if state else None,
        last_failure_at=state.last_failure_at if state else None,
        last_error=state.last_error if state else None,
        failures_in_row=state.failures_in_row if state else 0,
        oldest_waiting_at=state.oldest_waiting_at if state else None,
        lag_recent=None
        if recent is None
        else LagPercentilesPublic(
            p50_seconds=recent.p50, p99_seconds=recent.p99, samples=recent.samples
        ),
        circuit=state.circuit if state else "closed",
        circuit_since=state.circuit_since if state else None,
        throttled=state.throttled if state else 0,
        throttled_at=state.throttled_at if state else None,
    )
