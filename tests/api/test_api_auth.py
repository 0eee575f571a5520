"""Who may call what: /health is open, every /v1 route needs a key, roles limit writes."""

from __future__ import annotations

import re

import pytest

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
    ("POST", "/v1/orders/1/confirm", None),
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
    ("GET", "/v1/channels/amazon/unmapped", None),
    ("GET", "/v1/channels/amazon/outbox", None),
    (
        "POST",
        "/v1/channels/amazon/sync-reports",
        {"readings": [{"channel_sku": "AMZ-TEE", "quantity": 1}]},
    ),
    ("GET", "/v1/channels/amazon/health", None),
    ("GET", "/v1/keys", None),
    ("POST", "/v1/keys", {"role": "viewer", "name": "x"}),
    ("DELETE", "/v1/keys/key_000000000000", None),
]

VIEWER_FORBIDDEN = [route for route in V1_ROUTES if route[0] != "GET" or route[1] == "/v1/keys"]
OPERATOR_FORBIDDEN = [
    route
    for route in V1_ROUTES
    if route[1].startswith(("/v1/keys", "/v1/locations/NEW", "/v1/channels/new"))
    or route[:2] == ("PUT", "/v1/channels/shopify/policy")
]


# Needs a conflict waiting for a decision (the propose policy): its success is tested in
# test_api_conflicts.py; here it is only checked for who may call it.
NEEDS_A_PROPOSAL = [("POST", "/v1/conflicts/1/decision", {"accept": True})]


def with_an_order(api):
    """Stock, one order (id 1), two reservations (ids 1 and 2), a listing and a SKU's policy,
    so every read route has something to read."""
    api.receive(TEE, DAL, 5)
    assert api.post("/v1/orders", ORDER).status_code == 201
    for reference in ("CART-1", "CART-2"):
        assert api.post("/v1/reservations", {**CART, "reference": reference}).status_code == 201
    listing = api.client.put(
        "/v1/channels/amazon/listings/AMZ-TEE", json={"sku": TEE}, headers=api.operator
    )
    assert listing.status_code == 201, listing.text
    policy = api.client.put(f"/v1/skus/{TEE}/policy/amazon", json={"cap": 3}, headers=api.operator)
    assert policy.status_code == 200, policy.text


def route_id(route: tuple[str, str, object]) -> str:
    return f"{route[0]} {route[1]}"


def call(api, route, headers):
    method, path, body = route
    if isinstance(body, str):  # a CSV upload
        headers = {**headers, "Content-Type": "text/csv"}
        return api.client.request(method, path, content=body.encode(), headers=headers)
    return api.client.request(method, path, json=body, headers=headers)


def test_the_route_table_covers_every_v1_route(container):
    paths = create_app(container).openapi()["paths"]
    served = {(m.upper(), p) for p, ops in paths.items() if p.startswith("/v1") for m in ops}

    def template(path: str) -> str:
        (matching,) = [p for p in paths if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", p), path)]
        return matching

    assert {(method, template(path)) for method, path, _ in V1_ROUTES} == served


# /health


def test_health_is_open_and_reports_the_database(api, container):
    response = api.client.get("/health")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": container.engine.dialect.name,
        "schema_revision": head_revision(container.engine),
    }


# 401: no key, a malformed header, an unknown key, a revoked key


@pytest.mark.parametrize("route", V1_ROUTES, ids=route_id)
def test_every_v1_route_without_a_key_is_401(api, route):
    response = call(api, route, headers={})

    detail = api.refused(response, 401)
    assert "Authorization: Bearer" in detail
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("route", V1_ROUTES, ids=route_id)
def test_every_v1_route_with_an_unknown_key_is_401(api, route):
    response = call(api, route, headers={"Authorization": "Bearer sp_not-a-real-key"})

    assert api.refused(response, 401) == "Unknown or revoked API key."


@pytest.mark.parametrize("route", V1_ROUTES, ids=route_id)
def test_every_v1_route_with_a_revoked_key_is_401(api, container, route):
    key, secret = container.keys.create(Role.ADMIN, "soon revoked")
    container.keys.revoke(key.id)

    response = call(api, route, headers={"Authorization": f"Bearer {secret}"})

    assert api.refused(response, 401) == "Unknown or revoked API key."


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
def test_a_malformed_authorization_header_is_401(api, authorization):
    response = api.client.get("/v1/skus", headers={"Authorization": authorization})

    api.refused(response, 401)


def test_the_secret_of_an_admin_key_with_a_wrong_scheme_is_401(api):
    secret = api.admin["Authorization"].removeprefix("Bearer ")

    response = api.client.get("/v1/skus", headers={"Authorization": f"Basic {secret}"})

    api.refused(response, 401)


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


def test_malformed_json_without_a_key_is_401(api, container):
    """Authentication must come before the body is parsed: no key, no details about the body."""
    response = api.client.post(
        "/v1/stock/receipts",
        content=b'{"sku": "TEE-M-BLK",',
        headers={"Content-Type": "application/json"},
    )

    api.refused(response, 401)
    assert container.ledger.entries() == []


# 403: roles


@pytest.mark.parametrize("route", VIEWER_FORBIDDEN, ids=route_id)
def test_a_viewer_cannot_write(api, route):
    before = api.snapshot()

    response = call(api, route, headers=api.viewer)

    detail = api.refused(response, 403)
    assert "viewer" in detail
    assert api.snapshot() == before


@pytest.mark.parametrize("route", OPERATOR_FORBIDDEN, ids=route_id)
def test_an_operator_cannot_edit_locations_or_keys(api, route):
    before = api.snapshot()

    response = call(api, route, headers=api.operator)

    detail = api.refused(response, 403)
    assert "admin" in detail
    assert api.snapshot() == before


@pytest.mark.parametrize(
    "route", [r for r in V1_ROUTES if r[0] == "GET" and "keys" not in r[1]], ids=route_id
)
def test_a_viewer_can_read(api, route):
    with_an_order(api)
    assert call(api, route, headers=api.viewer).status_code == 200


@pytest.mark.parametrize(
    "route",
    [r for r in V1_ROUTES if r not in OPERATOR_FORBIDDEN and r not in NEEDS_A_PROPOSAL],
    ids=route_id,
)
def test_an_operator_may_call_everything_but_locations_and_keys(api, route):
    with_an_order(api)

    response = call(api, route, headers=api.operator)

    assert response.status_code in (200, 201, 204), response.text


@pytest.mark.parametrize(
    "route",
    [r for r in V1_ROUTES if r[0] != "DELETE" and r not in NEEDS_A_PROPOSAL],
    ids=route_id,  # DELETE: unknown key
)
def test_an_admin_may_call_everything(api, route):
    with_an_order(api)

    response = call(api, route, headers=api.admin)

    assert response.status_code in (200, 201), response.text


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
