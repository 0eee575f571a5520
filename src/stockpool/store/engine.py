"""Engines for the two supported databases: SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event
from sqlalchemy.engine import make_url

WRITE = "stockpool_write"  # execution option a unit of work sets when it will write


def normalise_url(url: str) -> str:
    """postgresql:// and postgres:// mean psycopg 3 here; everything else passes through."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def sqlite_file(url: str | URL) -> Path | None:
    """The file a SQLite URL names, made absolute; None for any other database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).absolute()


def make_engine(url: str, *, sqlite_synchronous: str = "FULL", pool_size: int = 10) -> Engine:
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        return _sqlite_engine(url, sqlite_synchronous)
    # No pool_pre_ping: it costs a round trip on every checkout (about 10% of a movement). A
    # connection the server dropped fails one request, and SQLAlchemy then replaces the whole
    # pool; callers retry safely with their Idempotency-Key. pool_recycle retires connections
    # before server-side idle timeouts would.
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800)


def _sqlite_engine(url: str, synchronous: str) -> Engine:
    path = sqlite_file(url)
    if path is None:
        raise ValueError(
            "stockpool needs a SQLite file (sqlite:///path/to/stockpool.db), not an in-memory "
            "database: every connection would see a different, empty database."
        )
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "do_connect")
    def _open_existing(_dialect: Any, _record: Any, cargs: list[Any], cparams: Any) -> None:
        # mode=rw: connecting never creates the file, so a read or an import pointed at the wrong
        # place fails instead of leaving an empty database behind; migrate.upgrade creates it.
        cargs[:] = [f"{path.as_uri()}?mode=rw"]
        cparams["uri"] = True

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event below issue BEGIN, instead of pysqlite's own guesswork.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A writer takes the write lock up front (BEGIN IMMEDIATE): two deferred transactions that
        # both read and then try to write would otherwise deadlock, one failing with SQLITE_BUSY.
        # Readers stay deferred and never wait for writers (WAL).
        # Straight on the sqlite3 connection: this runs once per transaction, on the hot path.
        begin = "BEGIN IMMEDIATE" if connection.get_execution_options().get(WRITE) else "BEGIN"
        connection.connection.dbapi_connection.execute(begin)

    return engine
