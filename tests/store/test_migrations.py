"""The migrations build exactly the schema the code declares, on both engines."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from stockpool.store.engine import make_engine
from stockpool.store.migrate import current_revision, head_revision
from stockpool.store.tables import metadata


def test_migrated_schema_matches_the_tables_module(database_url):
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) == head_revision(engine)
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
