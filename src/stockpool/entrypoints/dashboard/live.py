"""Live updates: server-sent events naming the SKUs whose stock just moved.

Each second the stream reads the ledger lines after the last id it saw (one query on the
primary key, its connection returned at once, so an open page holds no connection between
checks) and sends `stock` (for the overview) and `sku-<code>` for each SKU that moved (for a
SKU page, whose fragment re-fetches itself). Every message carries the ledger id it has read up
to, so the browser's automatic reconnection (Last-Event-ID) resumes where it stopped and misses
nothing. A stream ends when the browser goes away or the session's key is revoked; a server
asked to stop cuts it after STOCKPOOL_SHUTDOWN_GRACE_SECONDS (uvicorn waits that long for open
responses, and an open dashboard tab never finishes its own).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from functools import partial
from typing import Annotated, Protocol

import anyio
from anyio import to_thread
from fastapi import APIRouter, Header, Request
from starlette.responses import StreamingResponse

from stockpool.bootstrap import Container
from stockpool.entrypoints.dashboard.access import VisitorDep, container_of

router = APIRouter(include_in_schema=False)
CHECK_SECONDS = 1.0
KEEP_ALIVE_CHECKS = 15  # a message now and then keeps proxies from closing a quiet stream
BATCH = 500
RETRY_MS = 1000


class Connection(Protocol):
    async def is_disconnected(self) -> bool: ...


@router.get("/events")
async def events(
    request: Request,
    who: VisitorDep,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
) -> StreamingResponse:
    container = container_of(request)
    resume = int(last_event_id) if last_event_id and last_event_id.isdigit() else None
    return StreamingResponse(
        changes(request, container, who.key.id, resume),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def changes(
    browser: Connection, container: Container, key_id: str, resume: int | None
) -> AsyncIterator[str]:
    newest = await to_thread.run_sync(container.ledger.last_entry_id)
    last = newest if resume is None or resume > newest else resume
    yield f"retry: {RETRY_MS}\nid: {last}\n\n"
    quiet = 0
    while not await browser.is_disconnected():
        if await to_thread.run_sync(container.keys.active, key_id) is None:
            return  # revoked: the next page load asks to sign in again
        read = partial(container.ledger.entries, after=last, limit=BATCH)
        entries = await to_thread.run_sync(read)
        if entries:
            quiet, last = 0, entries[-1].id
            yield _moved(sorted({entry.movement.sku for entry in entries}), last)
            continue  # more may be waiting: read again at once
        quiet += 1
        if quiet >= KEEP_ALIVE_CHECKS:
            quiet = 0
            yield f"id: {last}\n\n"
        await anyio.sleep(CHECK_SECONDS)


def _moved(skus: list[str], last: int) -> str:
    """`stock` with every SKU that moved, then `sku-<code>` for each; the last carries the id."""
    messages = [f"event: stock\ndata: {json.dumps(skus)}\n"]
    messages += [f"event: sku-{sku}\ndata: {json.dumps(sku)}\n" for sku in skus]
    messages[-1] += f"id: {last}\n"
    return "\n".join(messages) + "\n"
