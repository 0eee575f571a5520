"""The migrations build exactly the schema the code declares, on both engines."""

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.exc import IntegrityError, OperationalError

from stockpool.store.engine import make_engine
from stockpool.store.migrate import current_revision, head_revision, upgrade
from stockpool.store.tables import NEVER, metadata
from tests.conftest import PG_URL, _recreate


# SQLite reflects no expression index, so Alembic leaves the PostgreSQL-only trigram indexes
# (tables/stock.py) out of its comparison there, and says so.
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
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
    upgrade(engine)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_connecting_never_creates_a_sqlite_file_only_upgrading_does(tmp_path):
    path = tmp_path / "missing.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with pytest.raises(OperationalError, match="unable to open"), engine.connect():
            pass
        assert not path.exists()
        upgrade(engine)
        assert current_revision(engine) == head_revision(engine)
    finally:
        engine.dispose()


def test_upgrading_a_sqlite_database_with_orders_keeps_them_and_the_new_rules(tmp_path):
    """0003 rebuilds order_lines (SQLite changes constraints by copying a table); orders taken
    before must survive it, with foreign keys enforced again afterwards."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        upgrade(engine, "0002")
        at = "2026-11-28 09:00:00.000000"
        with engine.begin() as connection:
            for statement in (
                "INSERT INTO channels (code, platform, name, cancellation_cost, split_allowed, "
                f"created_at, updated_at) VALUES ('shopify', 'shopify', '', 10, 1, '{at}', '{at}')",
                f"INSERT INTO skus (code, name, created_at, updated_at) VALUES ('TEE', '', '{at}', '{at}')",
                "INSERT INTO locations (code, name, kind, priority, created_at, updated_at) "
                f"VALUES ('DAL-1', '', 'warehouse', 100, '{at}', '{at}')",
                "INSERT INTO orders (id, channel, external_id, status, placed_at, fingerprint, "
                f"routing, created_at) VALUES (1, 'shopify', 'S-1', 'committed', '{at}', 'f', "
                f"'{{}}', '{at}')",
                "INSERT INTO order_lines (order_id, line_no, sku, quantity, committed, short) "
                "VALUES (1, 0, 'TEE', 3, 2, 1)",
                "INSERT INTO allocations (order_id, line_no, location, units) "
                "VALUES (1, 0, 'DAL-1', 2)",
            ):
                connection.exec_driver_sql(statement)
        upgrade(engine)
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            line = connection.exec_driver_sql(
                "SELECT quantity, reserved, committed, short, bundle FROM order_lines"
            ).one()
            assert tuple(line) == (3, 0, 2, 1, None)
            assert connection.exec_driver_sql("SELECT units FROM allocations").scalar() == 2
        with pytest.raises(IntegrityError), engine.begin() as connection:  # adds_up, with reserved
            connection.exec_driver_sql(
                "INSERT INTO order_lines (order_id, line_no, sku, quantity, reserved, committed, "
                "short) VALUES (1, 1, 'TEE', 3, 1, 1, 0)"
            )
        with pytest.raises(IntegrityError), engine.begin() as connection:  # foreign keys again
            connection.exec_driver_sql(
                "INSERT INTO allocations (order_id, line_no, location, units) "
                "VALUES (9, 0, 'DAL-1', 1)"
            )
    finally:
        engine.dispose()


def test_upgrading_a_sqlite_database_with_stock_to_availability_keeps_its_locations(tmp_path):
    """0004 rebuilds locations (a new CHECK); the stock at them must survive, and the first
    recompute then gives every SKU its numbers."""
    from stockpool.bootstrap import bootstrap
    from stockpool.config import Settings

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    try:
        upgrade(engine, "0003")
        at = "2026-11-28 09:00:00.000000"
        with engine.begin() as connection:
            for statement in (
                "INSERT INTO channels (code, platform, name, cancellation_cost, split_allowed, "
                f"created_at, updated_at) VALUES ('shopify', 'shopify', '', 10, 1, '{at}', '{at}')",
                f"INSERT INTO skus (code, name, created_at, updated_at) VALUES ('TEE', '', '{at}', '{at}')",
                "INSERT INTO locations (code, name, kind, priority, created_at, updated_at) "
                f"VALUES ('DAL-1', 'Dallas', 'warehouse', 100, '{at}', '{at}')",
                "INSERT INTO location_channels (location, channel) VALUES ('DAL-1', 'shopify')",
                "INSERT INTO balances (sku, location, available, reserved, committed, "
                "quality_control, damaged, safety_stock, incoming) "
                "VALUES ('TEE', 'DAL-1', 7, 0, 0, 0, 0, 0, 0)",
            ):
                connection.exec_driver_sql(statement)
        upgrade(engine)
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("SELECT name FROM locations").scalar() == "Dallas"
            assert (
                connection.exec_driver_sql("SELECT channel FROM location_channels").scalar()
                == "shopify"
            )
            assert (
                connection.exec_driver_sql("SELECT revision FROM availability_revision").scalar()
                == 1
            )
    finally:
        engine.dispose()
    container = bootstrap(
        Settings(database_url=url, _env_file=None, availability_refresh_seconds=0)
    )
    try:
        assert container.availability.recompute_all().changed == 1
        assert container.availability.stored("TEE") == {"shopify": 7}
    finally:
        container.close()


def test_upgrading_repairs_sqlite_times_written_with_an_unpadded_year(tmp_path):
    """0005: a demand rate stored as of '1-01-01 ...' (strftime's year 1) made every read of
    its SKU fail; after the upgrade it reads back as year 1 and the SKU is explained again."""
    from datetime import UTC, datetime

    from stockpool.bootstrap import bootstrap
    from stockpool.config import Settings

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    try:
        upgrade(engine, "0004")
        at = "2026-11-28 09:00:00.000000"
        with engine.begin() as connection:
            for statement in (
                "INSERT INTO channels (code, platform, name, cancellation_cost, split_allowed, "
                f"created_at, updated_at) VALUES ('shopify', 'shopify', '', 10, 1, '{at}', '{at}')",
                f"INSERT INTO skus (code, name, created_at, updated_at) VALUES ('TEE', '', '{at}', '{at}')",
                "INSERT INTO demand (sku, channel, units_per_hour, as_of) "
                "VALUES ('TEE', 'shopify', 0.5, '1-01-01 00:00:00.000000')",
                f"INSERT INTO availability (sku, advertised, computed_at) VALUES ('TEE', '', '{at}')",
            ):
                connection.exec_driver_sql(statement)
        upgrade(engine)
    finally:
        engine.dispose()
    container = bootstrap(
        Settings(database_url=url, _env_file=None, availability_refresh_seconds=0)
    )
    try:
        with container.uow(write=False) as uow:
            assert uow.availability.demand(["TEE"])[("TEE", "shopify")].as_of == datetime(
                1, 1, 1, tzinfo=UTC
            )
            assert uow.availability.stored("TEE") == ({}, None)
        assert [c.channel for c in container.availability.explain("TEE").channels] == ["shopify"]
    finally:
        container.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def unmigrated_url(request, tmp_path):
    """An empty database with no schema at all: a new SQLite file, or a PostgreSQL database of
    its own beside the test database (created here, dropped after)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    server = request.getfixturevalue("pg_engine").url  # skipped, or failed in CI, as pg_engine
    name = f"{server.database}_old"
    _recreate(name, PG_URL)
    yield server.set(database=name).render_as_string(hide_password=False)
    _recreate(name, PG_URL, create=False)


def test_upgrading_copies_each_orders_channel_and_times_onto_its_lines(unmigrated_url):
    """0022: lines stored before it get their order's channel, placed_at and ship-by (NEVER
    for none), so the conflicts index finds them."""
    engine = make_engine(unmigrated_url)
    try:
        upgrade(engine, "0021")
        at = "2026-11-28 09:00:00+00"
        with engine.begin() as connection:
            for statement in (
                "INSERT INTO channels (code, platform, name, cancellation_cost, split_allowed, "
                f"created_at, updated_at) VALUES ('shopify', 'shopify', '', 10, true, '{at}', "
                f"'{at}')",
                f"INSERT INTO skus (code, name, created_at, updated_at) VALUES ('TEE', '', '{at}', '{at}')",
                "INSERT INTO orders (id, channel, external_id, status, placed_at, ship_by, "
                f"fingerprint, routing, created_at) VALUES (1, 'shopify', 'S-1', 'committed', "
                f"'{at}', NULL, 'f', '{{}}', '{at}'), (2, 'shopify', 'S-2', 'committed', '{at}', "
                f"'2026-11-30 09:00:00+00', 'f', '{{}}', '{at}')",
                "INSERT INTO order_lines (order_id, line_no, sku, quantity, committed, short) "
                "VALUES (1, 0, 'TEE', 1, 1, 0), (1, 1, 'TEE', 1, 1, 0), (2, 0, 'TEE', 2, 2, 0)",
            ):
                connection.exec_driver_sql(statement)
        upgrade(engine)
        with engine.connect() as connection:
            from sqlalchemy import select

            from stockpool.store.tables import order_lines

            rows = connection.execute(
                select(
                    order_lines.c.order_id,
                    order_lines.c.channel,
                    order_lines.c.placed_at,
                    order_lines.c.ship_by_or_never,
                ).order_by(order_lines.c.order_id, order_lines.c.line_no)
            ).all()
        placed = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
        assert [tuple(r) for r in rows] == [
            (1, "shopify", placed, NEVER),
            (1, "shopify", placed, NEVER),
            (2, "shopify", placed, datetime(2026, 11, 30, 9, 0, tzinfo=UTC)),
        ]
    finally:
        engine.dispose()
