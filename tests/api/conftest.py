"""Fixtures for the HTTP API tests: a TestClient on the app, keys for each role, and helpers.

The tests here run on SQLite: what they prove is the HTTP edge (status codes, bodies, who may
call what), the same on either engine, while the store's and services' tests prove each engine.
Those marked `both_engines` (a smoke test or two per route family, and the ones whose answer
hangs on the engine: time zones, LIKE patterns, NUL, huge ids) run on PostgreSQL as well.
`api` seeds the catalog (see `seeded`) and creates one key per role.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from tests.conftest import ENGINES, empty_database

from stockpool.bootstrap import Container
from stockpool.domain.access import Role
from stockpool.entrypoints.api.app import create_app
from stockpool.store.tables import metadata

QUANTITY_KEYS = (
    "available",
    "reserved",
    "committed",
    "quality_control",
    "damaged",
    "safety_stock",
    "incoming",
    "on_hand",
)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run the tests marked `both_engines` on SQLite and on PostgreSQL."""
    both = metafunc.definition.get_closest_marker("both_engines")
    if both and "database_url" in metafunc.fixturenames:
        metafunc.parametrize("database_url", ENGINES, indirect=True)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A freshly migrated, empty database: SQLite, or the engine a `both_engines` test is on."""
    return empty_database(getattr(request, "param", "sqlite"), request, tmp_path, sqlite_template)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@dataclass
class Api:
    """A client on the app plus the headers of an admin, an operator and a viewer key."""

    client: TestClient
    container: Container
    admin: dict[str, str]
    operator: dict[str, str]
    viewer: dict[str, str]
    operator_key_id: str

    # Requests. Reads go as the viewer and writes as the operator unless headers say otherwise.

    def get(
        self, path: str, *, headers: dict[str, str] | None = None, **params: Any
    ) -> httpx.Response:
        return self.client.get(
            path, params=params, headers=self.viewer if headers is None else headers
        )

    def post(
        self,
        path: str,
        body: Any,
        *,
        headers: dict[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> httpx.Response:
        sent = dict(self.operator if headers is None else headers)
        if idempotency_key is not None:
            sent["Idempotency-Key"] = idempotency_key
        return self.client.post(path, json=body, headers=sent)

    def stock_write(self, kind: str, body: dict[str, Any], **options: Any) -> httpx.Response:
        return self.post(f"/v1/stock/{kind}", body, **options)

    def receive(self, sku: str, location: str, quantity: int, **fields: Any) -> httpx.Response:
        body = {"sku": sku, "location": location, "quantity": quantity, **fields}
        return self.stock_write("receipts", body)

    def adjust(
        self, sku: str, location: str, quantity: int, reason: str, **fields: Any
    ) -> httpx.Response:
        body = {"sku": sku, "location": location, "quantity": quantity, "reason": reason}
        return self.stock_write("adjustments", {**body, **fields})

    def move(
        self, sku: str, location: str, quantity: int, from_state: str, to_state: str, **fields: Any
    ) -> httpx.Response:
        body = {
            "sku": sku,
            "location": location,
            "quantity": quantity,
            "from_state": from_state,
            "to_state": to_state,
        }
        return self.stock_write("moves", {**body, **fields})

    def transfer(
        self, sku: str, from_location: str, to_location: str, quantity: int, **fields: Any
    ) -> httpx.Response:
        body = {
            "sku": sku,
            "from_location": from_location,
            "to_location": to_location,
            "quantity": quantity,
        }
        return self.stock_write("transfers", {**body, **fields})

    def count(self, location: str, **fields: Any) -> httpx.Response:
        return self.stock_write("counts", {"location": location, **fields})

    def safety_stock(self, sku: str, location: str, quantity: int, **fields: Any) -> httpx.Response:
        body = {"sku": sku, "location": location, "quantity": quantity, **fields}
        return self.stock_write("safety-stock", body)

    # Reading back, for asserts.

    @staticmethod
    def refused(response: httpx.Response, status: int) -> str:
        """Assert an error answer (the status, JSON, a non-empty readable detail); the detail."""
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/json")
        detail = response.json()["detail"]
        assert isinstance(detail, str)
        assert detail.strip()
        return detail

    def stock(self, sku: str) -> dict[str, Any]:
        response = self.get(f"/v1/skus/{sku}/stock")
        assert response.status_code == 200, response.text
        return response.json()

    def at(self, sku: str, location: str) -> dict[str, int]:
        """The SKU's quantities at one location (all zeros when it never held any)."""
        for row in self.stock(sku)["locations"]:
            if row["location"] == location:
                return {k: v for k, v in row.items() if k != "location"}
        return dict.fromkeys(QUANTITY_KEYS, 0)

    def ledger(self, **params: Any) -> list[dict[str, Any]]:
        response = self.get("/v1/ledger", limit=1000, **params)
        assert response.status_code == 200, response.text
        return response.json()["items"]

    def snapshot(self) -> dict[str, Any]:
        """Everything a request can change: the ledger, every balance, the catalog, the keys."""
        container = self.container
        entries = container.ledger.entries(limit=1000)
        with container.uow(write=False) as uow:
            balances = list(uow.ledger.all_balances())
        return {
            "ledger length": len(entries),
            "ledger": entries,
            "balances": balances,
            "skus": container.catalog.list_skus(limit=1000),
            "locations": container.catalog.list_locations(),
            "keys": container.keys.list(),
        }


def make_api(container: Container) -> Api:
    _, admin = container.keys.create(Role.ADMIN, "admin")
    operator_key, operator = container.keys.create(Role.OPERATOR, "operator")
    _, viewer = container.keys.create(Role.VIEWER, "viewer")
    return Api(
        client=TestClient(create_app(container), raise_server_exceptions=False),
        container=container,
        admin=bearer(admin),
        operator=bearer(operator),
        viewer=bearer(viewer),
        operator_key_id=operator_key.id,
    )


@pytest.fixture
def api(container: Container, seeded: object) -> Iterator[Api]:
    """The app on a seeded catalog (TEE-M-BLK, MUG-12OZ; DAL-1, FBA-US, NYC-STORE), no stock."""
    api = make_api(container)
    with api.client:  # one event loop for the whole test, not one per request
        yield api


def every_row(engine: Engine, skip: Collection[str] = ()) -> str:
    """A digest of every row of every table but those in skip (test databases are small): equal
    digests before and after a request prove it wrote nothing."""
    digest = hashlib.sha256()
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            if table.name in skip:
                continue
            rows = connection.execute(select(table).order_by(*table.primary_key.columns))
            digest.update(f"{table.name}:{sorted(map(repr, rows))}".encode())
    return digest.hexdigest()
