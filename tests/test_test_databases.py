"""The suite's own set-up: pytest-xdist workers never share a PostgreSQL database."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

pytestmark = pytest.mark.postgresql


def test_each_worker_tests_on_a_postgresql_database_of_its_own(pg_engine: Engine, pg_url: str):
    configured = make_url(os.environ["STOCKPOOL_TEST_DATABASE_URL"]).database
    worker = os.environ.get("PYTEST_XDIST_WORKER")

    expected = f"{configured}_{worker}" if worker else configured
    assert pg_engine.url.database == make_url(pg_url).database == expected
