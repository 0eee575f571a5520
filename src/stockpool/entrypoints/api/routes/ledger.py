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


LEDGER_ID_MAX = 2**63 - 1


def _ledger_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    if not (cursor.isascii() and cursor.isdigit() and int(cursor) <= LEDGER_ID_MAX):
        raise InvalidRequest("cursor must be the next_cursor of a previous page.")
    return int(cursor)


@router.get("/ledger", response_model=LedgerPage)
def ledger(
    key: Viewer,
    container: ContainerDep,
    sku: str | None = None,
    location: str | None = None,
    reference: str | None = None,
    actor: Annotated[
        str | None, Query(description="Who made the movement, e.g. api:key_... or cli:alice.")
    ] = None,
    since: Annotated[datetime | None, Query(description="ISO 8601, inclusive.")] = None,
    until: Annotated[datetime | None, Query(description="ISO 8601, exclusive.")] = None,
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX)] = 100,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page.")] = None,
    order: Literal["asc", "desc"] = "asc",
) -> LedgerPage:
    """Movements oldest first (order=desc: newest first), a page at a time."""
    entries = container.ledger.entries(
        sku=sku or None,  # an empty filter is no filter
        location=location or None,
        reference=reference or None,
        actor=actor or None,
        since=since,
        until=until,
        after=_ledger_cursor(cursor),
        limit=limit,
        newest_first=order == "desc",
    )
    next_cursor = str(entries[-1].id) if len(entries) == limit else None
    return LedgerPage(
        items=[MovementPublic(**entry_dict(e)) for e in entries], next_cursor=next_cursor
    )
