"""Stockpool's cancellations go back out to the platforms.

Units of a platform order that stockpool settles as cancel (a conflict settled as cancel, by the
policy or a person, or units a person cancels in stockpool) are queued, in the transaction that
settled them, for the platform to cancel too. The worker sends them per channel
(`send`): Walmart cancels the lines, Shopify the order when all of it goes; otherwise, or when
the platform refuses, the cancellation is listed for a person with what to do, who marks it done.
A cancellation the platform itself reported is never sent back to it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from stockpool.domain.channels import Platform
from stockpool.domain.errors import NotFound, PlatformUnavailable
from stockpool.domain.platform_cancellations import (
    STATE_AFTER,
    CancellationState,
    PlatformCancellation,
    queued_through,
    retry_at,
    to_cancel,
)
from stockpool.domain.platforms import Cancellation, CancellationOutcome
from stockpool.services.catalog import page_limit
from stockpool.services.ports import Clock, UnitOfWork, UnitOfWorkFactory
from stockpool.services.ports.connectors import Connector

log = logging.getLogger("stockpool.platform_cancellations")

SEND_BATCH = 50  # cancellations sent per call of send, per channel


def queue_cancellation(uow: UnitOfWork, order_id: int, reason: str, at: datetime) -> int | None:
    """Queue, in this transaction, what stockpool has cancelled of a platform order (or settled
    as cancel) and not queued yet; the cancellation's id, None when there is nothing new (or
    the channel has no platform to tell)."""
    order = uow.orders.get(order_id)
    channel = uow.channels.get(order.channel) if order else None
    if order is None or channel is None or channel.platform == Platform.MANUAL:
        return None
    skus = {line.bundle or line.sku for line in order.lines}
    channel_skus = {
        stored.listing.sku: stored.listing.channel_sku
        for stored in uow.listings.of_skus(sorted(skus))
        if stored.listing.channel == channel.code
    }
    bundles = {line.bundle for line in order.lines if line.bundle}
    per_bundle = {
        (bundle, part.sku): part.units
        for bundle, parts in (uow.catalog.components(sorted(bundles)) if bundles else {}).items()
        for part in parts
    }
    queued = queued_through(uow.cancellations.units_of(channel.code, order.external_id))
    asked = to_cancel(
        order.lines, uow.conflicts.cancelling(order_id), queued, channel_skus, per_bundle
    )
    if asked is None:
        return None
    return uow.cancellations.add(
        channel=channel.code,
        external_id=order.external_id,
        order_id=order_id,
        to_cancel=asked,
        reason=reason,
        at=at,
    )


class PlatformCancellations:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def send(self, channel: str, connector: Connector) -> int:
        """Send the channel's cancellations that are due, each claimed before and recorded after
        in a transaction of its own; how many were sent. Stops at the first the platform could
        not take now (it is tried again later, backing off)."""
        with self._uow(write=False) as uow:
            due = uow.cancellations.due(channel, self._clock(), SEND_BATCH)
        sent = 0
        for cancellation in due:
            if not self._claim(cancellation):
                continue  # another sender has it
            result = self._attempt(connector, cancellation)
            with self._uow() as uow:
                state = STATE_AFTER[result.outcome]
                uow.cancellations.record(cancellation.id, state, result.detail, self._clock())
                uow.commit()
            sent += 1
            if result.outcome == CancellationOutcome.FAILED:
                break
        return sent

    def _claim(self, cancellation: PlatformCancellation) -> bool:
        with self._uow() as uow:
            at = self._clock()
            claimed = uow.cancellations.claim(
                cancellation, retry_at(cancellation.attempts + 1, at), at
            )
            uow.commit()
        return claimed

    @staticmethod
    def _attempt(connector: Connector, cancellation: PlatformCancellation) -> Cancellation:
        try:
            return connector.cancel(cancellation.external_id, cancellation.lines)
        except PlatformUnavailable as error:
            log.info("cancellation %s of %s: %s", cancellation.id, cancellation.external_id, error)
            return Cancellation(CancellationOutcome.FAILED, f"not reached this time: {error}")

    def listed(
        self,
        state: CancellationState | None = None,
        *,
        channel: str | None = None,
        after: int | None = None,
        limit: int = 100,
    ) -> Sequence[PlatformCancellation]:
        """Cancellations in id order (a state's, a channel's), after the given id."""
        with self._uow(write=False) as uow:
            return uow.cancellations.page(
                channel=channel, state=state, after=after, limit=page_limit(limit)
            )

    def done(self, cancellation_id: int, actor: str) -> PlatformCancellation:
        """A person cancelled the units on the platform by hand. Saying so again changes
        nothing; one the platform cancelled already stays as it is."""
        with self._uow() as uow:
            found = uow.cancellations.get(cancellation_id)
            if found is None:
                raise NotFound(f"No platform cancellation {cancellation_id}.")
            if found.state != CancellationState.DONE:
                uow.cancellations.done_by_hand(
                    cancellation_id, f"done by hand by {actor}", self._clock()
                )
            done = uow.cancellations.get(cancellation_id)
            uow.commit()
        if done is None:  # it was there a moment ago, in this transaction
            raise NotFound(f"No platform cancellation {cancellation_id}.")
        return done
