"""Snapshots a 3PL or marketplace reports for a location, reconciled against the ledger."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from stockpool.domain.snapshots import AppliedSnapshot, Snapshot, SnapshotRow
from stockpool.domain.states import State
from stockpool.entrypoints.api.deps import ContainerDep, Operator, Viewer, actor, replayable
from stockpool.entrypoints.api.routes.catalog import LocationCode
from stockpool.entrypoints.api.schemas import (
    SnapshotCreate,
    SnapshotList,
    SnapshotPublic,
    SnapshotRowIn,
)
from stockpool.services.snapshots import HISTORY_MAX, applied_dict

router = APIRouter(prefix="/locations/{code}/snapshots", tags=["stock"])


def _row(row: SnapshotRowIn) -> SnapshotRow:
    reported = (State.QUALITY_CONTROL, State.DAMAGED, State.SAFETY_STOCK)
    states = tuple(
        (state, units) for state in reported if (units := getattr(row, state.value)) is not None
    )
    return SnapshotRow(row.sku, row.on_hand, states)


def _public(applied: AppliedSnapshot) -> dict[str, Any]:
    return {
        **applied_dict(applied),
        "lines": applied.result["lines"],
        "ledger": applied.result["movements"],
    }


@router.post(
    "",
    status_code=201,
    response_model=SnapshotPublic,
    responses={200: {"model": SnapshotPublic, "description": "The same snapshot, applied before"}},
)
def apply_snapshot(
    code: LocationCode, body: SnapshotCreate, key: Operator, container: ContainerDep
) -> Response:
    """Reconcile what the location reported at as_of against the ledger as of then: the
    difference is posted now with reason snapshot_reconcile and the snapshot's reference.
    The same reference again returns the first answer (200) and writes nothing; another body
    under it, or an as_of older than the last applied here, is refused (409)."""
    snapshot = Snapshot(
        code, body.reference, body.as_of, tuple(_row(r) for r in body.rows), body.partial
    )
    done = container.snapshots.apply(snapshot, actor=actor(key))
    return replayable(_public(done.snapshot), replayed=done.replayed)


@router.get("", response_model=SnapshotList)
def list_snapshots(
    code: LocationCode,
    key: Viewer,
    container: ContainerDep,
    limit: Annotated[int, Query(ge=1, le=HISTORY_MAX)] = 100,
) -> SnapshotList:
    """The location's snapshots, latest as_of first: when, which, and how many movements."""
    history = container.snapshots.history(code, limit)
    return SnapshotList.model_validate({"items": [applied_dict(a) for a in history]})
