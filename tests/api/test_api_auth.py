"""Who may call what: /health is open, every /v1 route needs a key, roles limit writes.

The matrix (every route: no key, an unknown key, a revoked key, each role below the one it needs)
runs once per route on one app and database shared by the module: a refused call writes nothing,
and each test proves that by comparing every row with the state the module started from. The
calls that succeed write, so each runs on a fresh copy of that starting database.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.api.conftest import Api, bearer, every_row
from tests.conftest import FakeClock, make_container, seed, sqlite_copy

from stockpool.bootstrap import Container
from stockpool.domain.access import Role
from stockpool.entrypoints.api.app import create_app
from stockpool.store.migrate import head_revision

TEE, DAL, FBA = "TEE-M-BLK", "DAL-1", "FBA-US"

RECEIPT = {"sku": TEE, "location": DAL, "quantity": 1}

# Every /v1 route, with a body that would be accepted by a key allowed to call it.
ORDER = {
    "channel": "shopify",
    "external_id": "SEED-1",
    "lines": [{"sku": TEE, "quantity": 1}],
    "placed_at": "2026-11-28T09:00:00Z",
}

# Order SEED-2 ships 2 units; return 1 took one of them back (see with_an_order).
RETURN = {
    "channel": "shopify",
    "order_external_id": "SEED-2",
    "location": DAL,
    "lines": [{"sku": TEE, "quantity": 1}],
    "reason": "too small",
}

CART = {"channel": "shopify", "reference": "CART-1", "lines": [{"sku": TEE, "quantity": 1}]}

V1_ROUTES = [
    ("GET", "/v1/skus", None),
    ("GET", f"/v1/skus/{TEE}", None),
    ("PUT", "/v1/skus/NEW-SKU", {"name": "New"}),
    ("GET", f"/v1/skus/{TEE}/stock", None),
    ("GET", f"/v1/skus/{TEE}/incoming", None),
    ("GET", "/v1/locations", None),
    ("GET", f"/v1/locations/{DAL}", None),
    ("PUT", "/v1/locations/NEW-LOC", {"kind": "warehouse"}),
    ("GET", f"/v1/locations/{DAL}/snapshots", None),
    (
        "POST",
        f"/v1/locations/{DAL}/snapshots",
        {"as_of": "2026-11-28T08:00:00Z", "reference": "F-1", "rows": [], "partial": False},
    ),
    ("POST", "/v1/stock/receipts", RECEIPT),
    ("POST", "/v1/stock/adjustments", {**RECEIPT, "reason": "found"}),
    ("POST", "/v1/stock/moves", {**RECEIPT, "from_state": "available", "to_state": "damaged"}),
    (
        "POST",
        "/v1/stock/transfers",
        {"sku": TEE, "from_location": DAL, "to_location": FBA, "quantity": 1},
    ),
    ("POST", "/v1/stock/counts", {"location": DAL, "sku": TEE, "counted": 3}),
    ("POST", "/v1/stock/safety-stock", {"sku": TEE, "location": DAL, "quantity": 0}),
    ("POST", "/v1/counts", {"location": DAL, "skus": [TEE]}),
    ("GET", "/v1/counts", None),
    ("GET", "/v1/counts/1", None),
    ("POST", "/v1/counts/1/lines", {"sku": TEE, "counted": 5}),
    ("POST", "/v1/counts/1/submit", None),
    ("POST", "/v1/counts/1/approve", None),
    ("POST", "/v1/counts/1/cancel", None),
    ("GET", "/v1/ledger", None),
    ("GET", "/v1/channels", None),
    ("GET", "/v1/channels/shopify", None),
    ("PUT", "/v1/channels/newchannel", {"platform": "manual"}),
    ("POST", "/v1/orders", {**ORDER, "external_id": "NEW-1"}),
    ("POST", "/v1/orders:batch", {"orders": [{**ORDER, "external_id": "NEW-2"}]}),
    ("GET", "/v1/orders", None),
    ("GET", "/v1/orders/1", None),
    ("POST", "/v1/orders/1/cancel", {"lines": [{"sku": TEE, "quantity": 1}]}),
    ("POST", "/v1/orders/1/shipments", {"lines": [{"sku": TEE, "quantity": 1}]}),
    ("POST", "/v1/orders/1/short-picks", {"sku": TEE, "location": DAL, "missing": 1}),
    ("GET", "/v1/conflicts", None),
    ("POST", "/v1/conflicts/1/decision", {"accept": True}),
    ("GET", "/v1/cancellations", None),
    ("POST", "/v1/cancellations/1/done", None),
    ("POST", "/v1/orders/1/confirm", None),
    ("POST", "/v1/returns", RETURN),
    ("GET", "/v1/returns", None),
    ("GET", "/v1/returns/1", None),
    ("POST", "/v1/returns/1/inspections", {"sku": TEE, "quantity": 1, "disposition": "restock"}),
    ("POST", "/v1/reservations", {**CART, "reference": "CART-NEW"}),
    ("GET", "/v1/reservations", None),
    ("GET", "/v1/reservations/1", None),
    ("POST", "/v1/reservations/1/release", None),
    ("POST", "/v1/reservations/2/confirm", {"external_id": "FROM-CART-2"}),
    ("PUT", "/v1/channels/shopify/policy", {"cap": 50}),
    ("GET", "/v1/channels/shopify/policy", None),
    ("PUT", f"/v1/skus/{TEE}/policy/shopify", {"cap": 5}),
    ("GET", f"/v1/skus/{TEE}/policy/shopify", None),
    ("DELETE", f"/v1/skus/{TEE}/policy/amazon", None),
    ("GET", f"/v1/skus/{TEE}/availability", None),
    ("PUT", "/v1/channels/amazon/listings/AMZ-NEW", {"sku": TEE}),
    ("GET", "/v1/channels/amazon/listings/AMZ-TEE", None),
    ("DELETE", "/v1/channels/amazon/listings/AMZ-TEE", None),
    ("GET", "/v1/channels/amazon/listings", None),
    ("POST", "/v1/listings:import", f"channel,channel_sku,sku\namazon,AMZ-CSV,{TEE}\n"),
    ("POST", "/v1/channels/amazon/listings:discover", None),
    ("GET", "/v1/channels/amazon/unmapped", None),
    ("GET", "/v1/channels/amazon/outbox", None),
    (
        "POST",
        "/v1/channels/amazon/sync-reports",
        {"readings": [{"channel_sku": "AMZ-TEE", "quantity": 1}]},
    ),
    ("GET", "/v1/channels/amazon/health", None),
    ("GET", "/v1/channels/amazon/drift", None),
    ("GET", "/v1/keys", None),
    ("POST", "/v1/keys", {"role": "viewer", "name": "x"}),
    ("DELETE", "/v1/keys/key_000000000000", None),
    ("GET", f"/v1/skus/{TEE}/forecast", None),
    ("GET", "/v1/alerts", None),
    ("GET", "/v1/webhooks", None),
    ("POST", "/v1/webhooks", {"url": "https://hooks.example.com/stock"}),
    ("DELETE", "/v1/webhooks/1", None),
    ("GET", "/v1/webhooks/1/deliveries", None),
]

ADMIN_ONLY = [
    route
    for route in V1_ROUTES
    if route[1].startswith(("/v1/keys", "/v1/locations/NEW", "/v1/channels/new", "/v1/webhooks"))
    or route[:2] == ("PUT", "/v1/channels/shopify/policy")
]

# Their success is tested where they are: a decision needs a conflict waiting for one (the
# propose policy, test_api_conflicts.py), revoking needs a real key's id (below), discovering
# listings a platform to read (test_api_discovery.py), marking a platform cancellation done one
# queued (test_api_cancellations.py), approving a count one awaiting approval submitted by
# another key (test_api_counts.py). Here they are only checked for who may call them.
SUCCESS_TESTED_ELSEWHERE = [
    ("POST", "/v1/conflicts/1/decision", {"accept": True}),
    ("POST", "/v1/cancellations/1/done", None),
    ("POST", "/v1/channels/amazon/listings:discover", None),
    ("DELETE", "/v1/keys/key_000000000000", None),
    ("POST", "/v1/counts/1/approve", None),
]


def needed(route: tuple[str, str, object]) -> Role:
    """The lowest role that may call route: viewers read, operators write, admins the rest."""
    if route in ADMIN_ONLY:
        return Role.ADMIN
    return Role.VIEWER if route[0] == "GET" else Role.OPERATOR


def below(role: Role) -> list[Role]:
    """The roles that may not do what needs role (Role lists them from the least allowed)."""
    return list(Role)[: list(Role).index(role)]


def with_an_order(api):
    """Stock, one order (id 1), two reservations (ids 1 and 2), a shipped order (id 2) and a
    return of it (id 1), a listing, a SKU's policy, an open count with its line (id 1) and a
    webhook subscriber (id 1), so every read route has something to read."""
    api.receive(TEE, DAL, 7)
    assert api.post("/v1/orders", ORDER).status_code == 201
    for reference in ("CART-1", "CART-2"):
        assert api.post("/v1/reservations", {**CART, "reference": reference}).status_code == 201
    shipped = {**ORDER, "external_id": "SEED-2", "lines": [{"sku": TEE, "quantity": 2}]}
    assert api.post("/v1/orders", shipped).status_code == 201
    assert api.post("/v1/orders/2/shipments", None).status_code == 200
    assert api.post("/v1/returns", RETURN).status_code == 201
    listing = api.client.put(
        "/v1/channels/amazon/listings/AMZ-TEE", json={"sku": TEE}, headers=api.operator
    )
    assert listing.status_code == 201, listing.text
    policy = api.client.put(f"/v1/skus/{TEE}/policy/amazon", json={"cap": 3}, headers=api.operator)
    assert policy.status_code == 200, policy.text
    assert api.post("/v1/counts", {"location": DAL, "skus": [TEE]}).status_code == 201
    assert api.post("/v1/counts/1/lines", {"sku": TEE, "counted": 5}).status_code == 200
    hook = {"url": "https://hooks.example.com/stock"}
    assert api.post("/v1/webhooks", hook, headers=api.admin).status_code == 201


def route_id(route: tuple[str, str, object]) -> str:
    return f"{route[0]} {route[1]}"


def call(client: TestClient, route, headers):
    method, path, body = route
    if isinstance(body, str):  # a CSV upload
        headers = {**headers, "Content-Type": "text/csv"}
        return client.request(method, path, content=body.encode(), headers=headers)
    return client.request(method, path, json=body, headers=headers)


@dataclass
class Matrix:
    """A database with_an_order prepared (`pristine`), a key of every role and a revoked one,
    and the app on a copy of that database that the module's tests which never write share."""

    pristine: Path
    key_ids: dict[Role, str]
    headers: dict[Role, dict[str, str]]
    revoked: dict[str, str]  # the headers of a revoked admin key
    rows: str  # every row as prepared (every_row's digest)
    api: Api | None = None
    _app: ExitStack = field(default_factory=ExitStack)

    def open(self, directory: Path) -> Api:
        """Share an app on a fresh copy of the prepared database, in a folder under directory."""
        client, container = self._app.enter_context(app_on_a_copy(self.pristine, directory))
        headers = self.headers
        self.api = Api(
            client, container, headers[Role.ADMIN], headers[Role.OPERATOR], headers[Role.VIEWER],
            self.key_ids[Role.OPERATOR],
        )  # fmt: skip
        return self.api

    def close(self) -> None:
        self._app.close()

    def unchanged(self) -> bool:
        assert self.api is not None
        return every_row(self.api.container.engine) == self.rows


@contextmanager
def app_on_a_copy(pristine: Path, directory: Path) -> Iterator[tuple[TestClient, Container]]:
    """The app on a fresh copy of the prepared database, in a new folder under directory."""
    folder = Path(tempfile.mkdtemp(dir=directory))
    container = make_container(sqlite_copy(pristine, folder), FakeClock())
    try:
        with TestClient(create_app(container), raise_server_exceptions=False) as client:
            yield client, container
    finally:
        container.close()


@pytest.fixture(scope="module")
def matrix(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matrix]:
    directory = tmp_path_factory.mktemp("auth")
    container = make_container(sqlite_copy(sqlite_template, directory), FakeClock())
    seed(container)
    keys = {role: container.keys.create(role, role.value) for role in Role}
    headers = {role: bearer(secret) for role, (_, secret) in keys.items()}
    revoked, revoked_secret = container.keys.create(Role.ADMIN, "soon revoked")
    container.keys.revoke(revoked.id)
    api = Api(
        TestClient(create_app(container)), container, headers[Role.ADMIN],
        headers[Role.OPERATOR], headers[Role.VIEWER], keys[Role.OPERATOR][0].id,
    )  # fmt: skip
    with api.client:
        with_an_order(api)
    with container.engine.connect() as connection:  # the whole database in its main file
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    matrix = Matrix(
        pristine=Path(shutil.copy(directory / "stockpool.db", directory / "pristine.db")),
        key_ids={role: key.id for role, (key, _) in keys.items()},
        headers=headers,
        revoked=bearer(revoked_secret),
        rows=every_row(container.engine),
    )
    container.close()
    matrix.open(directory)
    yield matrix
    matrix.close()


@pytest.fixture
def shared(matrix: Matrix, tmp_path: Path) -> Matrix:
    """The module's app, on the database as prepared: a test that failed by writing to it leaves
    it changed, and the next one gets a fresh copy rather than failing for it."""
    if not matrix.unchanged():
        matrix.close()
        matrix.open(tmp_path)
    return matrix


def test_the_route_table_covers_every_v1_route(matrix):
    """A new route fails here until it is in V1_ROUTES, so the matrix below covers it."""
    paths = matrix.api.client.app.openapi()["paths"]
    served = {(m.upper(), p) for p, ops in paths.items() if p.startswith("/v1") for m in ops}

    def template(path: str) -> str:
        (matching,) = [p for p in paths if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", p), path)]
        return matching

    assert {(method, template(path)) for method, path, _ in V1_ROUTES} == served


# /health


@pytest.mark.both_engines
def test_health_is_open_and_reports_the_database(api, container):
    response = api.client.get("/health")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": container.engine.dialect.name,
        "schema_revision": head_revision(container.engine),
    }


# 401 and 403, route by route


@pytest.mark.parametrize("route", V1_ROUTES, ids=route_id)
def test_a_route_refuses_a_missing_unknown_or_revoked_key_and_a_lower_role(shared, route):
    api = shared.api

    response = call(api.client, route, headers={})
    assert "Authorization: Bearer" in api.refused(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    unknown = call(api.client, route, headers={"Authorization": "Bearer sp_not-a-real-key"})
    assert api.refused(unknown, 401) == "Unknown or revoked API key."
    revoked = call(api.client, route, headers=shared.revoked)
    assert api.refused(revoked, 401) == "Unknown or revoked API key."
    for role in below(needed(route)):
        detail = api.refused(call(api.client, route, headers=shared.headers[role]), 403)
        key_id = shared.key_ids[role]
        assert detail == (
            f"This needs the {needed(route).value} role; API key {key_id} has the {role.value} role."
        )
    assert shared.unchanged()


@pytest.mark.parametrize("route", [r for r in V1_ROUTES if r[0] == "GET"], ids=route_id)
def test_every_role_may_read_and_reading_writes_nothing(shared, route):
    for role in Role:
        if role in below(needed(route)):
            continue
        response = call(shared.api.client, route, headers=shared.headers[role])
        assert response.status_code == 200, f"{role}: {response.text}"
    assert shared.unchanged()


@pytest.mark.parametrize(
    "route",
    [r for r in V1_ROUTES if r[0] != "GET" and r not in SUCCESS_TESTED_ELSEWHERE],
    ids=route_id,
)
def test_each_role_allowed_to_write_may(matrix, route, tmp_path):
    """On a fresh copy of the prepared database for each role, as the call writes."""
    for role in Role:
        if role in below(needed(route)):
            continue
        with app_on_a_copy(matrix.pristine, tmp_path) as (client, _):
            response = call(client, route, headers=matrix.headers[role])
        assert response.status_code in (200, 201, 204), f"{role}: {response.text}"


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Token sp_abc",
        "sp_abc",
        "",
    ],
)
def test_a_malformed_authorization_header_is_401(shared, authorization):
    response = shared.api.client.get("/v1/skus", headers={"Authorization": authorization})

    shared.api.refused(response, 401)


def test_the_secret_of_an_admin_key_with_a_wrong_scheme_is_401(shared):
    secret = shared.headers[Role.ADMIN]["Authorization"].removeprefix("Bearer ")

    response = shared.api.client.get("/v1/skus", headers={"Authorization": f"Basic {secret}"})

    shared.api.refused(response, 401)


def test_malformed_json_without_a_key_is_401(shared):
    """Authentication must come before the body is parsed: no key, no details about the body."""
    response = shared.api.client.post(
        "/v1/stock/receipts",
        content=b'{"sku": "TEE-M-BLK",',
        headers={"Content-Type": "application/json"},
    )

    shared.api.refused(response, 401)
    assert shared.unchanged()


@pytest.mark.both_engines
def test_a_key_revoked_through_the_api_stops_working(api):
    assert api.get("/v1/skus", headers=api.operator).status_code == 200

    revoked = api.client.delete(f"/v1/keys/{api.operator_key_id}", headers=api.admin)

    assert revoked.status_code == 204
    api.refused(api.get("/v1/skus", headers=api.operator), 401)


def test_a_key_revoked_in_the_service_stops_working(api, container):
    container.keys.revoke(api.operator_key_id)

    api.refused(api.receive(TEE, DAL, 1), 401)
    assert container.ledger.entries() == []


def test_a_write_without_a_key_writes_nothing(api, container):
    response = api.client.post("/v1/stock/receipts", json=RECEIPT)

    api.refused(response, 401)
    assert container.ledger.entries() == []


# /v1/keys


def test_an_admin_creates_a_key_whose_secret_works(api):
    response = api.post("/v1/keys", {"role": "operator", "name": "picker"}, headers=api.admin)

    assert response.status_code == 201
    created = response.json()
    assert created["role"] == "operator"
    assert created["name"] == "picker"
    assert created["revoked_at"] is None
    assert api.receive(TEE, DAL, 1).status_code == 201  # the fixture's operator, for contrast
    new_key = {"Authorization": f"Bearer {created['key']}"}
    assert api.post("/v1/stock/receipts", RECEIPT, headers=new_key).status_code == 201
    assert api.ledger()[-1]["actor"] == f"api:{created['id']}"


def test_listing_keys_shows_every_key_but_no_secret(api):
    response = api.get("/v1/keys", headers=api.admin)

    assert response.status_code == 200
    items = response.json()["items"]
    assert sorted(item["role"] for item in items) == ["admin", "operator", "viewer"]
    assert all("key" not in item for item in items)
    assert "sp_" not in response.text


def test_a_revoked_key_is_listed_with_its_revocation_time(api):
    api.client.delete(f"/v1/keys/{api.operator_key_id}", headers=api.admin)

    items = api.get("/v1/keys", headers=api.admin).json()["items"]

    (operator,) = [item for item in items if item["id"] == api.operator_key_id]
    assert operator["revoked_at"] is not None


def test_revoking_an_unknown_key_is_404(api):
    response = api.client.delete("/v1/keys/key_000000000000", headers=api.admin)

    assert "key_000000000000" in api.refused(response, 404)


def test_revoking_a_key_twice_is_refused(api):
    api.client.delete(f"/v1/keys/{api.operator_key_id}", headers=api.admin)

    response = api.client.delete(f"/v1/keys/{api.operator_key_id}", headers=api.admin)

    assert "already revoked" in api.refused(response, 409)


def test_creating_a_key_with_an_unknown_role_is_422(api, container):
    response = api.post("/v1/keys", {"role": "superuser"}, headers=api.admin)

    api.refused(response, 422)
    assert len(container.keys.list()) == 3
