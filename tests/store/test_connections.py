"""Channel connections through the real store, on SQLite and PostgreSQL: credentials sealed at
rest, opened only for the connector, shown as the keys that are set."""

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from stockpool.domain.channels import Channel, Platform
from stockpool.domain.connections import Connection
from stockpool.domain.errors import InvalidRequest
from tests.conftest import make_container

SHOPIFY = {
    "access_token": "shpat_secret",
    "webhook_secret": "hook-secret",
    "api_version": "2026-10",
}


@pytest.fixture
def keyed(database_url, clock):
    container = make_container(database_url, clock, secret_key=Fernet.generate_key().decode())
    yield container
    container.close()


def test_credentials_are_sealed_at_rest_and_opened_for_the_connector(keyed):
    channel = Channel("shopify", Platform.SHOPIFY)
    keyed.channels.put(channel, connection=Connection("https://shop.example.com", SHOPIFY))
    with keyed.engine.connect() as connection:
        stored = connection.execute(text("SELECT credentials FROM channel_connections")).scalar()
    assert "shpat_secret" not in stored and "hook-secret" not in stored
    assert keyed.channels.connection("shopify").credentials == SHOPIFY
    shown = keyed.channels.connection_shown("shopify")
    assert shown.credentials_set == ("access_token", "api_version", "webhook_secret")
    keyed.channels.put(channel)  # a channel put again without a connection keeps it
    assert keyed.channels.connection("shopify") is not None
    keyed.channels.put(channel, disconnect=True)
    assert keyed.channels.connection_shown("shopify") is None


def test_a_connection_its_platform_cannot_use_writes_nothing(keyed):
    with pytest.raises(InvalidRequest, match="webhook_secret"):
        keyed.channels.put(
            Channel("shopify", Platform.SHOPIFY),
            connection=Connection("https://shop.example.com", {"access_token": "x"}),
        )
    assert keyed.channels.list() == []


def test_on_sqlite_without_a_key_one_is_created_beside_the_database_for_its_owner_only(
    tmp_path, sqlite_template, clock
):
    from tests.conftest import sqlite_copy

    url = sqlite_copy(sqlite_template, tmp_path)
    container = make_container(url, clock, secret_key=None)
    try:
        channel = Channel("shopify", Platform.SHOPIFY)
        container.channels.put(channel, connection=Connection("https://s.example.com", SHOPIFY))
        key_file = Path(tmp_path / "stockpool.db.key")
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert container.channels.connection("shopify").credentials == SHOPIFY
    finally:
        container.close()


@pytest.mark.postgresql
def test_on_postgresql_credentials_need_a_secret_key(pg_url, clock):
    container = make_container(pg_url, clock, secret_key=None)
    try:
        with pytest.raises(InvalidRequest, match="STOCKPOOL_SECRET_KEY"):
            container.channels.put(
                Channel("shopify", Platform.SHOPIFY),
                connection=Connection("https://s.example.com", SHOPIFY),
            )
        assert container.channels.list() == []
    finally:
        container.close()
