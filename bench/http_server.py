"""bench/api_http.py's server side: a freshly seeded database, an admin key, and `stockpool serve`
run as a subprocess on a free port, stopped at the end."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

from movements import Database, prepare
from stockpool.bootstrap import Container
from stockpool.domain.access import parse_role
from stockpool.domain.channels import Channel, Platform

CHANNELS = tuple(
    Channel(code=platform.value, platform=platform, name=platform.value.title())
    for platform in (Platform.SHOPIFY, Platform.AMAZON, Platform.WALMART)
)
HOT_SKU = "HOT"  # so much stock that no order runs short
SCARCE_SKU = "SCARCE"  # the flash sale's: fewer units than orders
RAW_SKU = "RAW-HOT"  # the raw floor's hot balance, apart from the server's
PLENTY = 100_000_000


def seed(database: Database, scarce_units: int) -> tuple[Container, str]:
    """A container on a freshly migrated database (location BENCH-1, the three channels, the
    SKUs and their stock), and the secret of a new admin key."""
    stock = {HOT_SKU: PLENTY, SCARCE_SKU: scarce_units, RAW_SKU: PLENTY}
    container = prepare(database, stock)
    for channel in CHANNELS:
        container.channels.put(channel)
    _key, secret = container.keys.create(parse_role("admin"), "bench/api_http.py")
    return container, secret


def vacuum(container: Container) -> None:
    """VACUUM ANALYZE balances on PostgreSQL, and ANALYZE the order tables, as autovacuum would
    in production (this machine's server runs without it): each scenario then starts without
    the dead row versions the one before it left on the hot balance (as bench/orders.py does
    before each side), and the planner knows how many orders and lines there are (statistics
    from an empty table once planned the conflicts' reads as scans)."""
    if container.engine.dialect.name != "postgresql":
        return
    with container.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.execute(text("VACUUM ANALYZE balances"))
        connection.execute(text("ANALYZE orders, order_lines, allocations, conflicts"))


def wait_until_quiet(container: Container, timeout: float = 120) -> None:
    """On PostgreSQL, wait until no other session of this database runs a statement or holds a
    transaction open: with several server processes, a backlog can wait on row locks with
    little CPU to show for it, and must not spill into the next scenario."""
    if container.engine.dialect.name != "postgresql":
        return
    busy = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND state IS NOT NULL AND state <> 'idle'"
    )
    deadline = time.monotonic() + timeout
    with container.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        while connection.execute(busy).scalar_one():
            if time.monotonic() > deadline:
                raise RuntimeError(f"the database was still busy {timeout:g} s after wrk stopped")
            time.sleep(0.2)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(database_url: str, extra_args: Sequence[str], log: Path) -> Iterator[Server]:
    """`python -m stockpool serve` on a free loopback port, without the sync worker; its output
    goes to log. Stopped on leaving: SIGTERM, then SIGKILL after 15 s."""
    port = free_port()
    env = {**os.environ, "STOCKPOOL_DATABASE_URL": database_url, "STOCKPOOL_WORKER": "off"}
    command = [sys.executable, "-m", "stockpool", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), *extra_args]
    with log.open("w") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


class Server:
    def __init__(self, process: subprocess.Popen[bytes], url: str, log: Path) -> None:
        self.process = process
        self.url = url
        self.log = log

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self, timeout: float = 60) -> None:
        """Until GET /health answers 200; an early exit or a timeout shows the server's log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"stockpool serve exited {self.process.returncode}:\n{self.tail()}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"stockpool serve did not answer in {timeout:g} s:\n{self.tail()}")

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
