"""The ledger, read: every movement, filtered and paged."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from stockpool.domain.errors import InvalidRequest
from stockpool.entrypoints.api.deps import ContainerDep, Viewer
from stockpool.entrypoints.api.schemas import LedgerPage, MovementPublic
from stockpool.services.catalog import PAGE_MAX
from stockpool.services.stock import entry_dict

router = APIRouter(tags=["ledger"])


@router.get("/ledger", response_model=LedgerPage)
def ledger(
    key: Viewer,
    container: ContainerDep,
    sku: str | None = None,
    location: str | None = None,
    reference: str | None = None,
    since: Annotated[datetime | None, Query(description="ISO 8601, inclusive.")] = None,
    until: Annotated[datetime | None, Query(description="ISO 8601, exclusive.")] = None,
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 100,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page.")] = None,
    order: Literal["asc", "desc"] = "asc",
) -> LedgerPage:
    """Movements oldest first (order=desc: newest first), a page at a time."""
    for name, moment in (("since", since), ("until", until)):
        if moment is not None and moment.tzinfo is None:
            raise InvalidRequest(f"{name} needs a time zone, e.g. 2026-11-28T10:00:00Z.")
    if cursor is not None and not cursor.isdigit():
        raise InvalidRequest("cursor must be the next_cursor of a previous page.")
    entries = container.ledger.entries(
        sku=sku,
        location=location,
        reference=reference,
        since=since,
        until=until,
        after=int(cursor) if cursor else None,
        limit=limit,
        newest_first=order == "desc",
    )
    next_cursor = str(entries[-1].id) if len(entries) == limit else None
    return LedgerPage(
        items=[MovementPublic(**entry_dict(e)) for e in entries], next_cursor=next_cursor
    )
