"""Live updates: server-sent events naming the SKUs whose stock just moved.

Each second the stream reads the ledger lines after the last id it saw (one query on the
primary key, its connection returned at once, so an open page holds no connection between
checks) and sends `stock` (for the overview) and `sku-<code>` for each SKU that moved (for a
SKU page, whose fragment re-fetches itself). The stream ends when the browser goes away or the
session's key is revoked.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from functools import partial

import anyio
from anyio import to_thread
from fastapi import APIRouter, Request
from starlette.responses import StreamingResponse

from stockpool.bootstrap import Container
from stockpool.entrypoints.dashboard.access import VisitorDep, container_of

router = APIRouter(include_in_schema=False)
CHECK_SECONDS = 1.0
KEEP_ALIVE_CHECKS = 15  # a comment line now and then keeps proxies from closing a quiet stream
BATCH = 500


@router.get("/events")
async def events(request: Request, who: VisitorDep) -> StreamingResponse:
    container = container_of(request)
    return StreamingResponse(
        _changes(request, container, who.key.id),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _changes(request: Request, container: Container, key_id: str) -> AsyncIterator[str]:
    last = await to_thread.run_sync(container.ledger.last_entry_id)
    yield "retry: 2000\n\n"
    quiet = 0
    while not await request.is_disconnected():
        await anyio.sleep(CHECK_SECONDS)
        if await to_thread.run_sync(container.keys.active, key_id) is None:
            return  # revoked: the next page load asks to sign in again
        read = partial(container.ledger.entries, after=last, limit=BATCH)
        entries = await to_thread.run_sync(read)
        if not entries:
            quiet += 1
            if quiet >= KEEP_ALIVE_CHECKS:
                quiet = 0
                yield ": still here\n\n"
            continue
        quiet = 0
        last = entries[-1].id
        skus = sorted({entry.movement.sku for entry in entries})
        yield f"event: stock\ndata: {json.dumps(skus)}\n\n"
        for sku in skus:
            yield f"event: sku-{sku}\ndata: {json.dumps(sku)}\n\n"
