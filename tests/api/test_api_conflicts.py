"""Conflicts decided on purpose: automatically by cancellation cost, or proposed and decided."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from stockpool.bootstrap import bootstrap
from stockpool.config import Settings
from stockpool.domain.access import Role
from stockpool.entrypoints.api.app import create_app

TEE, DAL = "TEE-M-BLK", "DAL-1"


def order(channel, external_id, units):
    return {
        "channel": channel,
        "external_id": external_id,
        "lines": [{"sku": TEE, "quantity": units}],
        "placed_at": "2026-11-28T09:00:00Z",
    }


@pytest.mark.both_engines
def test_a_costlier_channel_takes_units_from_a_cheaper_one(api):
    api.receive(TEE, DAL, 4)
    shopify = api.post("/v1/orders", order("shopify", "S-1", 4)).json()
    amazon = api.post("/v1/orders", order("amazon", "A-1", 3)).json()
    assert (amazon["status"], amazon["lines"][0]["committed"]) == ("committed", 3)
    shopify = api.get(f"/v1/orders/{shopify['id']}").json()
    assert (shopify["status"], shopify["lines"][0]["committed"], shopify["lines"][0]["short"]) == (
        "conflict",
        1,
        3,
    )
    conflicts = {c["channel"]: c for c in api.get("/v1/conflicts").json()["items"]}
    assert conflicts["amazon"]["resolution"]["action"] == "reallocated"
    assert conflicts["amazon"]["resolution"]["take"][0]["external_id"] == "S-1"
    assert conflicts["shopify"]["resolution"]["action"] == "backorder"
    assert "costs more to cancel" in conflicts["shopify"]["resolution"]["reason"]
    stock = api.get(f"/v1/skus/{TEE}/stock").json()["totals"]
    assert (stock["available"], stock["committed"]) == (0, 4)


def test_a_cheaper_channel_never_takes_from_a_costlier_one(api):
    api.receive(TEE, DAL, 2)
    api.post("/v1/orders", order("walmart", "W-1", 2))
    shopify = api.post("/v1/orders", order("shopify", "S-1", 1)).json()
    assert (shopify["status"], shopify["lines"][0]["short"]) == ("conflict", 1)
    walmart = api.get("/v1/orders", channel="walmart").json()["items"][0]
    assert walmart["status"] == "committed"


@pytest.fixture
def proposing(container, seeded):
    """The app with STOCKPOOL_CONFLICT_POLICY=propose, and an operator key."""
    settings = Settings(
        database_url=container.settings.database_url,
        conflict_policy="propose",
        sqlite_synchronous="NORMAL",
        _env_file=None,
    )
    wired = bootstrap(settings, engine=container.engine)
    _, secret = wired.keys.create(Role.OPERATOR, "decider")
    with TestClient(create_app(wired)) as client:
        client.headers["Authorization"] = f"Bearer {secret}"
        yield client


@pytest.mark.both_engines
def test_a_proposal_waits_and_accepting_it_applies_it(proposing):
    client = proposing
    assert (
        client.post(
            "/v1/stock/receipts", json={"sku": TEE, "location": DAL, "quantity": 2}
        ).status_code
        == 201
    )
    client.post("/v1/orders", json=order("shopify", "S-1", 2))
    amazon = client.post("/v1/orders", json=order("amazon", "A-1", 2)).json()
    assert amazon["lines"][0]["short"] == 2  # nothing moves until someone decides
    [proposal] = client.get("/v1/conflicts", params={"status": "proposed"}).json()["items"]
    assert proposal["resolution"]["take"][0]["external_id"] == "S-1"
    decided = client.post(f"/v1/conflicts/{proposal['id']}/decision", json={"accept": True})
    assert decided.status_code == 200
    assert decided.json()["status"] == "resolved" and decided.json()["decided_by"].startswith(
        "api:"
    )
    amazon = client.get(f"/v1/orders/{amazon['id']}").json()
    assert (amazon["status"], amazon["lines"][0]["committed"]) == ("committed", 2)
    again = client.post(f"/v1/conflicts/{proposal['id']}/decision", json={"accept": True})
    assert again.status_code == 409 and "already decided" in again.json()["detail"]


def test_a_proposal_can_be_settled_otherwise(proposing):
    client = proposing
    client.post("/v1/orders", json=order("walmart", "W-1", 1))
    [proposal] = client.get("/v1/conflicts").json()["items"]
    refused = client.post(f"/v1/conflicts/{proposal['id']}/decision", json={"accept": False})
    assert refused.status_code == 422
    decided = client.post(
        f"/v1/conflicts/{proposal['id']}/decision", json={"accept": False, "action": "cancel"}
    ).json()
    assert (decided["status"], decided["resolution"]["action"]) == ("resolved", "cancel")
    assert client.post("/v1/conflicts/999/decision", json={"accept": True}).status_code == 404
