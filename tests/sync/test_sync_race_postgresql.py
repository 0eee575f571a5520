"""Worker processes racing for one channel on PostgreSQL while stock keeps changing: the lease
lets one push at a time, no number is pushed twice, and once the changes stop the platform
shows every listing's last number."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from stockpool.domain.catalog import Sku
from stockpool.domain.channels import Platform
from stockpool.domain.listings import Listing
from stockpool.domain.operations import Receive
from tests.sync.fakes import FakePlatform

pytestmark = pytest.mark.postgresql

WORKERS = 4
SKUS = [f"RACE-{n:02}" for n in range(12)]


def test_workers_racing_for_a_channel_push_each_number_once_and_converge(pg):
    container, names = pg
    container.catalog.put_skus([Sku(code, code) for code in SKUS])
    for code in SKUS:
        container.listings.put(Listing("walmart", f"W-{code}", code, ship_node="N1"))
    walmart = FakePlatform(Platform.WALMART, lambda: datetime.now(UTC))
    changing = threading.Event()
    changing.set()
    errors: list[BaseException] = []

    def change() -> None:
        try:
            for n in range(120):
                container.stock.execute(Receive(SKUS[n % len(SKUS)], names.dallas, 1), actor="t")
        except BaseException as error:
            errors.append(error)
        finally:
            changing.clear()

    def work(name: str) -> None:
        sync = container.channel_sync(name)
        try:
            while changing.is_set():
                if sync.lease("walmart", 30):
                    sync.run("walmart", walmart.connector())
                    sync.let_go("walmart")  # hand over, so that every worker takes turns
        except BaseException as error:  # reported below: a thread's failure fails the test
            errors.append(error)

    threads = [threading.Thread(target=change)]
    threads += [threading.Thread(target=work, args=(f"w{i}",)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    last = container.channel_sync("last")
    assert last.lease("walmart", 30)
    last.run("walmart", walmart.connector())
    assert not walmart.overlapped  # never two pushes at once
    assert len(walmart.sent) == len(set(walmart.sent))  # no (listing, version, number) twice
    stored = {f"W-{c}": container.availability.stored(c)["walmart"] for c in SKUS}
    assert walmart.shows == stored
    assert container.sync.pending("walmart", limit=100) == []
