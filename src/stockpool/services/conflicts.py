"""Conflicts waiting for a person (STOCKPOOL_CONFLICT_POLICY=propose), their decisions, and
the record of every conflict."""

from __future__ import annotations

from collections.abc import Sequence

from stockpool.domain.conflicts import Action, ConflictRecord
from stockpool.domain.errors import Conflict, InvalidRequest
from stockpool.services.catalog import page_limit
from stockpool.services.lookups import channel_of, conflict_of
from stockpool.services.platform_cancellations import queue_cancellation
from stockpool.services.ports import Clock, UnitOfWorkFactory
from stockpool.services.shortfalls import settle


class ConflictService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def decide(
        self, conflict_id: int, *, accept: bool, action: Action | None, actor: str
    ) -> ConflictRecord:
        """A person's decision on a proposed conflict: accept the proposal (worked out again
        against the stock as it is now) or settle for backorder or cancel without taking units."""
        with self._uow() as uow:
            conflict = conflict_of(uow, conflict_id)
            if conflict.status != "proposed":
                raise Conflict(
                    f"Conflict {conflict_id} was already decided by {conflict.decided_by}."
                )
            at = self._clock()
            if accept:
                channel = channel_of(uow, conflict.channel)
                eligible = [
                    loc.code for loc in uow.catalog.list_locations() if loc.serves(channel.code)
                ]
                uow.stock.lock_existing([conflict.sku], eligible)  # the same queue ingest uses
                settle(
                    uow,
                    conflict.order_id,
                    conflict.line_no,
                    eligible,
                    at,
                    proposing=False,
                    decided_by=actor,
                    conflict_id=conflict_id,
                )
            else:
                if action is None or action == Action.REALLOCATED:
                    raise InvalidRequest(
                        "Without accepting the proposal, choose action backorder or cancel."
                    )
                record = {
                    "action": action.value,
                    "reason": f"decided by {actor} instead of the proposal",
                }
                uow.conflicts.decide(conflict_id, record, actor, at)
                if action == Action.CANCEL:
                    queue_cancellation(uow, conflict.order_id, f"settled as cancel by {actor}", at)
            decided = conflict_of(uow, conflict_id)
            uow.commit()
        return decided

    def list(
        self, *, status: str | None = None, after: int | None = None, limit: int = 100
    ) -> Sequence[ConflictRecord]:
        with self._uow(write=False) as uow:
            return uow.conflicts.page(status=status, after=after, limit=page_limit(limit))
