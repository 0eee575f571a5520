"""Fixtures for the dashboard's tests: the app on both engines, with STOCKPOOL_CONFLICT_POLICY=
propose (so there are conflicts to decide), a key per role, and sign-in helpers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi.testclient import TestClient

from stockpool.bootstrap import Container
from stockpool.domain.access import Role
from stockpool.domain.catalog import Sku
from stockpool.entrypoints.api.app import create_app
from tests.conftest import FakeClock, make_container, seed

XSS = "<script>alert(1)</script>"
XSS_SKU = "XSS-1"
TEE, DAL = "TEE-M-BLK", "DAL-1"


@dataclass
class Dashboard:
    container: Container
    client: TestClient
    secrets: dict[Role, str]
    key_ids: dict[Role, str]

    def sign_in(self, role: Role) -> httpx.Response:
        response = self.client.post(
            "/login", data={"api_key": self.secrets[role]}, follow_redirects=False
        )
        assert response.status_code == 303, response.text
        return response

    def csrf(self, path: str = "/") -> str:
        """The CSRF token the page's forms carry."""
        page = self.client.get(path)
        assert page.status_code == 200, page.text
        found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert found, page.text
        return found.group(1)

    def api(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        """A call to /v1 as the admin, with a bearer key (no cookie involved)."""
        headers = {"Authorization": f"Bearer {self.secrets[Role.ADMIN]}"}
        return self.client.request(method, path, headers=headers, **kwargs)  # type: ignore[arg-type]

    def propose_conflict(self) -> int:
        """Two units ordered where one is on hand: a proposal waits for a person."""
        assert self.api("POST", "/v1/stock/receipts", json=receipt(1)).status_code == 201
        order = {
            "channel": "shopify",
            "external_id": "S-1",
            "lines": [{"sku": TEE, "quantity": 2}],
            "placed_at": "2026-11-28T09:00:00Z",
        }
        assert self.api("POST", "/v1/orders", json=order).status_code == 201
        found = self.container.conflicts.list(status="proposed")
        assert len(found) == 1
        return found[0].id


def receipt(quantity: int, sku: str = TEE) -> dict[str, object]:
    return {"sku": sku, "location": DAL, "quantity": quantity}


@pytest.fixture
def dashboard(database_url: str, clock: FakeClock) -> Iterator[Dashboard]:
    container = make_container(database_url, clock, conflict_policy="propose")
    seed(container)
    container.catalog.put_skus([Sku(XSS_SKU, XSS)])
    secrets, ids = {}, {}
    for role in Role:
        key, secret = container.keys.create(role, f"{role.value} key")
        secrets[role], ids[role] = secret, key.id
    client = TestClient(
        create_app(container), base_url="https://testserver", raise_server_exceptions=False
    )
    with client:
        yield Dashboard(container, client, secrets, ids)
    container.close()
