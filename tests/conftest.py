"""Fixtures: a migrated database per test on SQLite and (when configured) PostgreSQL.

PostgreSQL runs when STOCKPOOL_TEST_DATABASE_URL names a database these tests may wipe (.ci/run
creates a fresh one). Without it, PostgreSQL tests are skipped with that reason; with CI=true,
a missing or unreachable PostgreSQL fails the run instead. Under pytest-xdist (`make test` runs
`pytest -n 2`) each worker creates, migrates and finally drops a database of its own named after
that one (`<name>_gw0`, ...), so that workers never wipe each other's tables.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from stockpool.bootstrap import Container, bootstrap
from stockpool.config import Settings
from stockpool.domain.catalog import Location, LocationKind, Sku
from stockpool.domain.channels import Channel, Platform
from stockpool.services.ports.observer import Observer
from stockpool.store.engine import make_engine
from stockpool.store.migrate import upgrade
from stockpool.store.tables import metadata

PG_URL = os.environ.get("STOCKPOOL_TEST_DATABASE_URL")
IN_CI = os.environ.get("CI", "").lower() == "true"
PG_SKIP = (
    "PostgreSQL tests need STOCKPOOL_TEST_DATABASE_URL (a database they may wipe); .ci/run sets it"
)


def pytest_sessionstart(session: pytest.Session) -> None:
    if IN_CI and not PG_URL:
        pytest.exit(
            "CI=true but STOCKPOOL_TEST_DATABASE_URL is unset: PostgreSQL must be tested.", 1
        )
    if IN_CI and PG_URL:
        try:
            make_engine(PG_URL).connect().close()
        except Exception as error:
            pytest.exit(f"CI=true and PostgreSQL is unreachable: {error}", 1)


def pytest_report_header() -> str:
    return f"stockpool engines: sqlite, postgresql ({'on' if PG_URL else 'skipped: ' + PG_SKIP})"


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 28, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "stockpool.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Engine]:
    """This session's PostgreSQL database, emptied and migrated: the configured one, or under
    pytest-xdist this worker's own (created here, dropped at the end)."""
    if not PG_URL:
        pytest.skip(PG_SKIP)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = make_url(PG_URL)
    try:
        if worker:
            url = url.set(database=f"{url.database}_{worker}")
            _recreate(url.database, PG_URL)
        engine = make_engine(url.render_as_string(hide_password=False))
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    except Exception as error:
        if IN_CI:  # CI must test PostgreSQL: a database it cannot prepare fails every such test
            pytest.fail(
                f"CI=true and PostgreSQL database {url.database} cannot be prepared: {error}"
            )
        pytest.skip(f"PostgreSQL database {url.database} cannot be prepared: {error}")
    upgrade(engine)
    yield engine
    engine.dispose()
    if worker:
        _recreate(url.database, PG_URL, create=False)


def _recreate(database: str | None, server_url: str, *, create: bool = True) -> None:
    """Drop database (and create it again, empty) through the server's maintenance database."""
    maintenance = create_engine(
        make_url(server_url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    name = maintenance.dialect.identifier_preparer.quote(str(database))
    try:
        with maintenance.connect() as connection:
            # FORCE: a race's spawned process that failed may still hold a connection.
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            if create:
                connection.execute(text(f"CREATE DATABASE {name}"))
    finally:
        maintenance.dispose()


def wipe(engine: Engine) -> None:
    names = ", ".join(table.name for table in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def sqlite_copy(template: Path, directory: Path) -> str:
    path = directory / "stockpool.db"
    shutil.copy(template, path)
    return f"sqlite:///{path}"


def fresh_database(database: str, template: Path, directory: Path, pg_engine: Engine | None) -> str:
    """A new empty database for one example of a stateful test: a SQLite copy in a directory of
    its own, or the PostgreSQL test database wiped."""
    if database == "sqlite":
        directory.mkdir()
        return sqlite_copy(template, directory)
    assert pg_engine is not None
    wipe(pg_engine)
    return pg_engine.url.render_as_string(hide_password=False)


ENGINES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]


def run_machine(
    machine: type,
    database: str,
    request: pytest.FixtureRequest,
    template: Path,
    tmp: Path,
    examples: int,
) -> None:
    """Run a stateful test whose machine builds each example's database with fresh_database."""
    machine.database = database  # type: ignore[attr-defined]
    machine.sqlite_template = template  # type: ignore[attr-defined]
    machine.tmp = tmp  # type: ignore[attr-defined]
    if database == "postgresql":
        machine.pg_engine = request.getfixturevalue("pg_engine")  # type: ignore[attr-defined]
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A freshly migrated, empty database: once on SQLite, once on PostgreSQL."""
    return empty_database(request.param, request, tmp_path, sqlite_template)


def empty_database(
    database: str, request: pytest.FixtureRequest, tmp_path: Path, template: Path
) -> str:
    """The URL of a migrated, empty database on that engine ("sqlite" or "postgresql")."""
    if database == "sqlite":
        return sqlite_copy(template, tmp_path)
    engine: Engine = request.getfixturevalue("pg_engine")
    wipe(engine)
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def pg_url(pg_engine: Engine) -> str:
    """PostgreSQL only (concurrency tests), emptied."""
    wipe(pg_engine)
    return pg_engine.url.render_as_string(hide_password=False)


@pytest.fixture
def pg(pg_url: str) -> Iterator[tuple[Container, Catalog]]:
    """A seeded container on PostgreSQL, for the races."""
    container = make_container(pg_url)
    names = seed(container)
    yield container, names
    container.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


TEST_SECRET_KEY = Fernet.generate_key().decode()


def make_container(
    url: str, clock: FakeClock | None = None, *, observer: Observer | None = None, **settings: Any
) -> Container:
    """A container on url; settings override the defaults (environment and .env are ignored);
    observer: what its services tell outcomes to (none by default)."""
    # No background refresh unless a test asks for one: it would race the test's own writes.
    settings.setdefault("availability_refresh_seconds", 0)
    # Nor alert evaluation or webhook sending: the tests of alerts call them when they mean to.
    settings.setdefault("alert_evaluate_seconds", 0)
    settings.setdefault("webhook_send_seconds", 0)
    # Nor a sync worker: the tests that want one start it (tests/sync).
    settings.setdefault("worker", "off")
    # Channel credentials are sealed with a key of the test run's (on PostgreSQL, a key is
    # required to connect a channel).
    settings.setdefault("secret_key", TEST_SECRET_KEY)
    chosen = Settings(database_url=url, sqlite_synchronous="NORMAL", _env_file=None, **settings)  # type: ignore[call-arg]
    if clock:
        return bootstrap(chosen, clock=clock, observer=observer)
    return bootstrap(chosen, observer=observer)


@pytest.fixture
def container(database_url: str, clock: FakeClock) -> Iterator[Container]:
    built = make_container(database_url, clock)
    yield built
    built.close()


@dataclass(frozen=True)
class Catalog:
    """What `seeded` creates."""

    tee: str = "TEE-M-BLK"
    mug: str = "MUG-12OZ"
    dallas: str = "DAL-1"  # warehouse, serves every channel
    fba: str = "FBA-US"  # Amazon-fulfilled, serves only amazon
    store: str = "NYC-STORE"


def seed(container: Container) -> Catalog:
    names = Catalog()
    for platform in Platform:  # channel codes named after their platforms, default costs
        container.channels.put(Channel(platform.value, platform))
    container.catalog.put_skus([Sku(names.tee, "Tee, M, black"), Sku(names.mug, "Mug 12oz")])
    container.catalog.put_locations(
        [
            Location(names.dallas, LocationKind.WAREHOUSE, "Dallas"),
            Location(
                names.fba, LocationKind.MARKETPLACE_FULFILLED, "FBA US", frozenset({"amazon"})
            ),
            Location(names.store, LocationKind.STORE, "New York store", frozenset({"shopify"})),
        ]
    )
    return names


@pytest.fixture
def seeded(container: Container) -> Catalog:
    return seed(container)
