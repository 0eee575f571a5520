"""Alembic, driven from code: `stockpool db upgrade` and the tests call these."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine
from sqlalchemy.exc import DatabaseError

from stockpool.domain.errors import DatabaseNotReady
from stockpool.store.engine import sqlite_file

UPGRADE = "run `stockpool db upgrade`"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", "stockpool.store:migrations")
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to revision (the newest by default); the one thing that creates a
    SQLite file (engines open only existing ones)."""
    path = sqlite_file(engine.url)
    if path is not None and not path.exists():
        if not path.parent.is_dir():
            raise DatabaseNotReady(
                f"No directory {path.parent} for the database {path.name}: create it, or set "
                "STOCKPOOL_DATABASE_URL to a file in an existing directory."
            )
        path.touch()  # an empty file is an empty SQLite database
    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def where(engine: Engine) -> str:
    """The database as a person would name it: a SQLite file's path, or the URL sans password."""
    path = sqlite_file(engine.url)
    return str(path) if path is not None else engine.url.render_as_string(hide_password=True)


def require_current(engine: Engine) -> None:
    """Refuse, in one line that says what to run, a database that is missing, cannot be read,
    or is not at the newest schema; connecting never creates one."""
    path = sqlite_file(engine.url)
    if path is not None and not path.is_file():
        raise DatabaseNotReady(
            f"No database at {path}: {UPGRADE} to create it there, or set "
            "STOCKPOOL_DATABASE_URL to the one you meant."
        )
    try:
        current = current_revision(engine)
    except DatabaseError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
        raise DatabaseNotReady(f"Cannot read the database at {where(engine)}: {reason}.") from None
    head = head_revision(engine)
    if current == head:
        return
    if current is None:
        raise DatabaseNotReady(
            f"The database at {where(engine)} has no stockpool tables yet: {UPGRADE}."
        )
    if not _known(engine, current):
        raise DatabaseNotReady(
            f"The database at {where(engine)} is at schema {current}, which this stockpool does "
            f"not know (its newest is {head}): install the stockpool that migrated it."
        )
    raise DatabaseNotReady(
        f"The database at {where(engine)} is at schema {current}, this stockpool needs {head}: "
        f"{UPGRADE}."
    )


def _known(engine: Engine, revision: str) -> bool:
    try:
        return (
            ScriptDirectory.from_config(alembic_config(engine)).get_revision(revision) is not None
        )
    except CommandError:
        return False
