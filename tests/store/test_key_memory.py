"""A server process remembers the API keys it checked for a few seconds, so a request costs no
transaction to authenticate: revoked in that process, a key is refused at once; revoked in
another (a second container on the same database), within the memory's time - the bound
STOCKPOOL_KEY_CACHE_SECONDS states."""

from __future__ import annotations

from sqlalchemy import event

from stockpool.domain.access import Role
from stockpool.services.keys import KeyService
from tests.conftest import make_container


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def reads_of(container, action):
    """How many statements the database ran while action ran, and what it answered."""
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(container.engine, "before_cursor_execute", seen)
    try:
        answer = action()
    finally:
        event.remove(container.engine, "before_cursor_execute", seen)
    return len(statements), answer


def test_a_key_checked_is_remembered_and_costs_no_read(container, clock):
    ticks = Ticks()
    keys = KeyService(container.uow, clock, cache_seconds=5, ticks=ticks)
    key, secret = keys.create(Role.VIEWER)
    assert keys.remembered(secret) is None  # never checked here yet
    reads, found = reads_of(container, lambda: keys.authenticate(secret))
    assert found == key and reads >= 1
    reads, found = reads_of(container, lambda: keys.authenticate(secret))
    assert found == key and reads == 0
    assert keys.remembered(secret) == key
    ticks.now += 5  # the memory lapses: read again
    assert keys.remembered(secret) is None
    reads, _ = reads_of(container, lambda: keys.authenticate(secret))
    assert reads >= 1


def test_an_unknown_key_is_never_remembered(container, clock):
    keys = KeyService(container.uow, clock, cache_seconds=5, ticks=Ticks())
    for _ in range(2):
        reads, found = reads_of(container, lambda: keys.authenticate("sp_nobody"))
        assert found is None and reads >= 1


def test_revoked_here_a_key_is_refused_at_once(container, clock):
    keys = KeyService(container.uow, clock, cache_seconds=60, ticks=Ticks())
    key, secret = keys.create(Role.OPERATOR)
    assert keys.authenticate(secret) == key and keys.active(key.id) == key
    keys.revoke(key.id)
    assert keys.remembered(secret) is None
    assert keys.authenticate(secret) is None and keys.active(key.id) is None


def test_revoked_in_another_process_a_key_is_refused_within_the_memorys_time(
    database_url, container, clock
):
    ticks = Ticks()
    here = KeyService(container.uow, clock, cache_seconds=5, ticks=ticks)
    elsewhere = make_container(database_url, clock)  # another process on the same database
    try:
        key, secret = here.create(Role.ADMIN)
        assert here.authenticate(secret) == key and here.active(key.id) == key
        elsewhere.keys.revoke(key.id)
        ticks.now += 4.9  # within the bound, this process still remembers it
        assert here.authenticate(secret) == key
        ticks.now += 0.1  # at the bound, it is refused
        assert here.authenticate(secret) is None and here.active(key.id) is None
    finally:
        elsewhere.close()


def test_a_memory_of_zero_seconds_reads_every_time(container, clock):
    keys = KeyService(container.uow, clock, cache_seconds=0, ticks=Ticks())
    _, secret = keys.create(Role.VIEWER)
    keys.authenticate(secret)
    reads, _ = reads_of(container, lambda: keys.authenticate(secret))
    assert reads >= 1 and keys.remembered(secret) is None
