"""Incoming stock with landing dates, through HTTP: expected, listed, waited for, received."""

from __future__ import annotations

import pytest
from tests.api.test_api_orders import order

TEE, DAL, NYC = "TEE-M-BLK", "DAL-1", "NYC-STORE"


@pytest.mark.both_engines
def test_a_purchase_order_with_an_eta_is_listed_waited_for_and_delivered(api):
    expected = api.post(
        "/v1/stock/adjustments",
        {
            "sku": TEE,
            "location": DAL,
            "quantity": 4,
            "reason": "purchase_order",
            "state": "incoming",
            "reference": "PO-77",
            "eta": "2026-11-29T09:00:00Z",
        },
    )
    assert expected.status_code == 201, expected.text
    placed = api.post(
        "/v1/orders",
        order((TEE, 3), channel="amazon", external_id="A-1", ship_by="2026-11-30T09:00:00Z"),
    ).json()
    assert placed["status"] == "conflict"
    [conflict] = api.get("/v1/conflicts").json()["items"]
    assert conflict["resolution"]["action"] == "incoming"
    incoming = api.get(f"/v1/skus/{TEE}/incoming")
    assert incoming.status_code == 200
    assert incoming.json() == {
        "sku": TEE,
        "lots": [
            {
                "location": DAL,
                "units": 4,
                "eta": "2026-11-29T09:00:00Z",
                "reference": "PO-77",
                "promised": 3,
            }
        ],
    }
    received = api.receive(TEE, DAL, 4, from_incoming=True)
    assert received.status_code == 201, received.text
    assert api.get(f"/v1/orders/{placed['id']}").json()["status"] == "committed"
    assert (api.at(TEE, DAL)["available"], api.at(TEE, DAL)["committed"]) == (1, 3)
    assert api.get(f"/v1/skus/{TEE}/incoming").json()["lots"] == []


def test_a_transfer_carries_its_eta_and_a_wrong_eta_is_refused(api):
    assert api.receive(TEE, NYC, 5).status_code == 201
    body = {"sku": TEE, "from_location": NYC, "to_location": DAL, "quantity": 2}
    sent = api.post("/v1/stock/transfers", {**body, "eta": "2026-12-01T00:00:00Z"})
    assert sent.status_code == 201, sent.text
    [lot] = api.get(f"/v1/skus/{TEE}/incoming").json()["lots"]
    assert (lot["location"], lot["units"], lot["eta"]) == (DAL, 2, "2026-12-01T00:00:00Z")
    naive = api.post("/v1/stock/transfers", {**body, "eta": "2026-12-01T00:00:00"})
    assert "eta" in api.refused(naive, 422)
    found = api.post(
        "/v1/stock/adjustments",
        {
            "sku": TEE,
            "location": DAL,
            "quantity": 1,
            "reason": "found",
            "eta": "2026-12-01T00:00:00Z",
        },
    )
    assert "eta" in api.refused(found, 422)
    assert "UNKNOWN" in api.refused(api.get("/v1/skus/UNKNOWN/incoming"), 404)
