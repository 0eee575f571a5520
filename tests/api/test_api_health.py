"""/health says 503, and why, for a database that cannot be reached or is not at the newest
schema; the container's Database answers both."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.conftest import make_container

from stockpool.entrypoints.api.app import create_app
from stockpool.store.engine import make_engine
from stockpool.store.migrate import upgrade


def test_a_database_gone_is_503_without_its_cause(tmp_path, clock):
    path = tmp_path / "stockpool.db"
    container = make_container(f"sqlite:///{path}", clock)
    try:
        client = TestClient(create_app(container))  # no database file: nothing to connect to

        response = client.get("/health")

        assert response.status_code == 503
        assert response.json() == {
            "detail": "Database unreachable; the cause is in the server's log."
        }
    finally:
        container.close()


def test_a_database_at_an_older_schema_is_503_saying_to_upgrade(tmp_path, clock):
    path = tmp_path / "stockpool.db"
    path.touch()
    older = make_engine(f"sqlite:///{path}")
    upgrade(older, "0002")
    older.dispose()
    container = make_container(f"sqlite:///{path}", clock)
    try:
        response = TestClient(create_app(container)).get("/health")

        assert response.status_code == 503
        assert "schema is at 0002" in response.json()["detail"]
        assert "stockpool db upgrade" in response.json()["detail"]
        container.database.upgrade()
        assert TestClient(create_app(container)).get("/health").status_code == 200
    finally:
        container.close()
