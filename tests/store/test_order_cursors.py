"""Order cursors through the real store, on SQLite and PostgreSQL: stored on first use, moved
only from the cursor they were read at, counted, and gone with their channel."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from stockpool.domain.channels import Channel, Platform
from stockpool.domain.platforms import OrderCursor


@pytest.fixture
def walmart(container):
    container.channels.put(Channel("walmart", Platform.WALMART))
    return container


def advance(container, since, to, orders, at):
    with container.uow() as uow:
        moved = uow.order_cursors.advance("walmart", since, to, orders, at)
        uow.commit()
    return moved


def stored(container):
    with container.uow(write=False) as uow:
        return uow.order_cursors.get("walmart")


def test_a_cursor_moves_only_from_where_it_was_read_and_counts_what_was_read(walmart, clock):
    assert stored(walmart) is None
    assert advance(walmart, None, None, 0, clock.now)  # nothing yet: the default window again
    assert stored(walmart) == OrderCursor("walmart", None, clock.now, 0)
    assert advance(walmart, None, "page-2", 3, clock.advance(minutes=1))
    long = "x" * 20_000  # a cursor part way through a long window of pages
    last = clock.advance(minutes=1)
    assert advance(walmart, "page-2", long, 2, last)
    # A poll that read the cursor before another moved it on changes nothing.
    assert not advance(walmart, "page-2", "page-3", 9, clock.advance(minutes=1))
    assert not advance(walmart, None, "page-1", 9, clock.now)
    assert stored(walmart) == OrderCursor("walmart", long, last, 5)


def test_a_channel_deleted_takes_its_cursor_with_it(walmart, clock):
    assert advance(walmart, None, "c", 1, clock.now)
    with walmart.engine.begin() as connection:
        connection.execute(text("DELETE FROM channels WHERE code = 'walmart'"))
    assert stored(walmart) is None
