"""Platform cancellations: units stockpool cancelled that the platforms must cancel too, and a
person saying one was done by hand."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Path

from stockpool.domain.platform_cancellations import CancellationState, PlatformCancellation
from stockpool.entrypoints.api.deps import (
    ContainerDep,
    Cursor,
    Limit,
    Operator,
    Viewer,
    actor,
    id_cursor,
)
from stockpool.entrypoints.api.schemas import CancellationPage, CancellationPublic

router = APIRouter()


def cancellation_public(cancellation: PlatformCancellation) -> CancellationPublic:
    return CancellationPublic.model_validate(dataclasses.asdict(cancellation))


@router.get("/cancellations", response_model=CancellationPage, tags=["orders"])
def list_cancellations(
    key: Viewer,
    container: ContainerDep,
    state: CancellationState | None = None,
    channel: str | None = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> CancellationPage:
    """Units stockpool cancelled on platform orders, and what became of telling the platform:
    the worker sends the queued ones (Walmart cancels lines, Shopify whole orders); those in
    state manual wait for a person, whose detail says what to do."""
    found = container.cancellations.listed(
        state, channel=channel or None, after=id_cursor(cursor), limit=limit
    )
    next_cursor = str(found[-1].id) if len(found) == limit else None
    return CancellationPage(items=[cancellation_public(c) for c in found], next_cursor=next_cursor)


@router.post(
    "/cancellations/{cancellation_id}/done", response_model=CancellationPublic, tags=["orders"]
)
def cancellation_done(
    cancellation_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    key: Operator,
    container: ContainerDep,
) -> CancellationPublic:
    """A person cancelled the units on the platform by hand (or found nothing to do): the
    cancellation is done, and who said so is recorded. Saying it again changes nothing."""
    return cancellation_public(container.cancellations.done(cancellation_id, actor(key)))
