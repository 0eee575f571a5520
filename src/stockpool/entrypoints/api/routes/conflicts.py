"""Conflicts: orders accepted for stock that was not there, and the decisions on them."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from stockpool.domain.conflicts import Action, ConflictRecord
from stockpool.entrypoints.api.deps import (
    ContainerDep,
    Cursor,
    Limit,
    Operator,
    Viewer,
    actor,
    id_cursor,
)
from stockpool.entrypoints.api.schemas import ConflictDecision, ConflictPage, ConflictPublic

router = APIRouter()


def conflict_public(conflict: ConflictRecord) -> ConflictPublic:
    return ConflictPublic.model_validate(conflict, from_attributes=True)


@router.get("/conflicts", response_model=ConflictPage, tags=["orders"])
def list_conflicts(
    key: Viewer,
    container: ContainerDep,
    status: Annotated[Literal["proposed", "resolved"] | None, Query()] = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> ConflictPage:
    """Orders accepted for stock that was not there: what is short, and its resolution."""
    found = container.conflicts.list(status=status or None, after=id_cursor(cursor), limit=limit)
    items = [conflict_public(c) for c in found]
    next_cursor = str(found[-1].id) if len(found) == limit else None
    return ConflictPage(items=items, next_cursor=next_cursor)


@router.post("/conflicts/{conflict_id}/decision", response_model=ConflictPublic, tags=["orders"])
def decide_conflict(
    conflict_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    body: ConflictDecision,
    key: Operator,
    container: ContainerDep,
) -> ConflictPublic:
    """Decide a proposed conflict (when STOCKPOOL_CONFLICT_POLICY=propose): accept the proposal,
    or settle the shortfall as a backorder or a cancellation. Who decided is recorded."""
    decided = container.conflicts.decide(
        conflict_id,
        accept=body.accept,
        action=Action(body.action) if body.action else None,
        actor=actor(key),
    )
    return conflict_public(decided)
