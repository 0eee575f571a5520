"""Times the store writes straight through the driver read back as the same instant, on both
engines: demand (fed by orders' placed_at), the advertised numbers' computed_at, the outbox.

The store's promise is wider than what the domain accepts (2000 to 2100): any time zone aware
moment at least a day inside Python's calendar, so that no session time zone on PostgreSQL can
turn it into a year outside 1 to 9999 when it is read back.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stockpool.bootstrap import Container
from stockpool.domain.demand import Rate
from stockpool.domain.listings import Listing
from stockpool.domain.operations import Receive
from tests.conftest import make_container, seed

TEE, CHANNEL, LISTED = "TEE-M-BLK", "manual", "TEE-LISTED"

# Offsets as odd as Python allows: to the microsecond, up to a minute short of a day.
offsets = st.timedeltas(
    min_value=-timedelta(hours=23, minutes=59), max_value=timedelta(hours=23, minutes=59)
).map(timezone)
# What the domain accepts (2000 to 2100), and the whole calendar less a day at either end.
accepted = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31, 23, 59))
calendar = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30, 23, 59))
instants = accepted | calendar
moments = st.builds(lambda utc, zone: utc.replace(tzinfo=UTC).astimezone(zone), instants, offsets)


@pytest.fixture
def listed(database_url: str) -> Iterator[Container]:
    """A seeded container with one listing of TEE-M-BLK on the manual channel, its first
    number already pushed (nothing waits in the outbox)."""
    container = make_container(database_url)
    seed(container)
    container.listings.put(Listing(CHANNEL, LISTED, TEE))
    with container.uow() as uow:
        for waiting in uow.sync.pending_of(CHANNEL, [LISTED]).values():
            uow.sync.done(CHANNEL, LISTED, waiting.version)
        uow.commit()
    yield container
    container.close()


def test_times_written_through_the_driver_read_back_as_the_same_instant(listed):
    # One database per engine; each example writes and reads in a transaction it rolls back.
    @settings(max_examples=50, deadline=None)
    @given(moment=moments)
    def written_and_read(moment: datetime) -> None:
        with listed.uow() as uow:
            store = uow.availability
            store.write_demand({(TEE, CHANNEL): Rate(1.5, moment)})
            assert store.demand([TEE])[(TEE, CHANNEL)].as_of == moment
            assert store.demand_by_sku(TEE, TEE)[TEE][CHANNEL].as_of == moment
            assert store.inputs([TEE], moment, old=True)[3][TEE][CHANNEL].as_of == moment

            store.write_texts({TEE: '{"manual":1}'}, moment)
            assert store.stored(TEE) == ({"manual": 1}, moment)

            store.queue_changed([(TEE, CHANNEL, 2)], moment)
            waiting = uow.sync.pending_of(CHANNEL, [LISTED])[LISTED]
            assert (waiting.queued_at, waiting.changed_at) == (moment, moment)

    written_and_read()


def test_times_queued_per_listing_read_back_as_the_same_instant(listed):
    @settings(max_examples=50, deadline=None)
    @given(moment=moments)
    def queued_and_read(moment: datetime) -> None:
        with listed.uow() as uow:
            uow.availability.queue([(CHANNEL, LISTED, TEE, 3)], moment)
            waiting = uow.sync.pending_of(CHANNEL, [LISTED])[LISTED]
            assert (waiting.queued_at, waiting.changed_at) == (moment, moment)

    queued_and_read()


def test_ledger_filters_take_any_moment_of_the_calendar(listed):
    """since and until are compared, never stored: they are not held to 2000-2100, and the far
    ends of the calendar select everything or nothing on both engines."""
    listed.stock.execute(Receive(TEE, "DAL-1", 2), actor="t")
    first, last = datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)

    assert len(listed.ledger.entries(since=first, until=last)) == 1
    assert listed.ledger.entries(until=first) == listed.ledger.entries(since=last) == []
