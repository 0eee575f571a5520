"""`stockpool worker` as its own process, against the Walmart sandbox: SIGKILLed mid-run while
stock keeps changing, then started again, it loses no number and the platform converges to
stockpool's; SIGTERM stops it cleanly. On both engines."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from stockpool.domain.catalog import Location, LocationKind, Sku
from stockpool.domain.channels import Channel, Platform
from stockpool.domain.connections import Connection
from stockpool.domain.operations import Receive
from stockpool.sandbox.serve import running
from stockpool.sandbox.walmart import WalmartSandbox
from tests.conftest import TEST_SECRET_KEY, make_container
from tests.sandbox.timing import eventually

SKUS = [f"SKU-{n:04d}" for n in range(1, 61)]  # single PUTs, below Walmart's feed threshold
WORKER = [sys.executable, "-c", "from stockpool.entrypoints.cli.main import main; main()", "worker"]


def start_worker(database_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "STOCKPOOL_DATABASE_URL": database_url,
        "STOCKPOOL_SECRET_KEY": TEST_SECRET_KEY,
        "STOCKPOOL_SYNC_SECONDS": "0.05",
        "STOCKPOOL_LEASE_SECONDS": "5",
        "STOCKPOOL_RECONCILE_SECONDS": "0",
    }
    with log.open("ab") as out:
        return subprocess.Popen(WORKER, env=env, stdout=out, stderr=subprocess.STDOUT)


@pytest.fixture
def walmart():
    sandbox = WalmartSandbox(delay_seconds=0, seed=5)
    sandbox.seed(len(SKUS), quantity=0)
    with running(sandbox):
        yield sandbox
    sandbox.close()


def test_a_worker_killed_mid_run_and_started_again_loses_nothing(database_url, walmart, tmp_path):
    container = make_container(database_url)
    container.catalog.put_skus([Sku(code, code) for code in SKUS])
    container.catalog.put_locations([Location("DAL-1", LocationKind.WAREHOUSE, "Dallas")])
    described = walmart.describe()
    connection = Connection(described["url"], described["credentials"])
    container.channels.put(Channel("wmt", Platform.WALMART), connection=connection)
    container.discovery.discover("wmt")
    for n, code in enumerate(SKUS):
        container.stock.execute(Receive(code, "DAL-1", 5 + n), actor="test")
    log = tmp_path / "worker.log"

    def puts() -> int:
        return len(walmart.requests.since(path="/v3/inventory"))

    first = start_worker(database_url, log)
    try:
        eventually(puts, lambda n: n >= 10, seconds=60)
        first.send_signal(signal.SIGKILL)  # mid-run: some pushed and reported, some not
        first.wait(timeout=10)
        for code in SKUS[:20]:  # changes while no worker runs
            container.stock.execute(Receive(code, "DAL-1", 1), actor="test")
        second = start_worker(database_url, log)
        try:

            def behind() -> list[str]:
                late = []
                for code in SKUS:
                    want = container.availability.stored(code)["wmt"]
                    with walmart.lock:
                        have = walmart.shelf.get(code).shown
                    if have != want:
                        late.append(f"{code}: {have} != {want}")
                return late

            eventually(behind, lambda late: not late, seconds=90)
            eventually(lambda: container.sync.pending("wmt", limit=100), lambda p: p == [])
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=30) == 0, log.read_text()
        finally:
            second.kill()
    finally:
        first.kill()
        container.close()
