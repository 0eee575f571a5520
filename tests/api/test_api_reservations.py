"""Reservations, pending orders and bundles, through HTTP.

The seeded catalog: channels shopify, amazon, walmart, manual; DAL-1 serves every channel;
SKUs TEE-M-BLK and MUG-12OZ; no stock until a test receives it.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from tests.api.test_api_orders import PLACED, order, place, stock, written
from tests.conftest import make_container, seed

from stockpool.domain.balance import Balance
from stockpool.domain.operations import Receive
from stockpool.domain.orders import OrderLine
from stockpool.domain.reservations import NewReservation, ReservationStatus
from stockpool.entrypoints.api.app import create_app

TEE, MUG = "TEE-M-BLK", "MUG-12OZ"
DAL = "DAL-1"


def cart(*lines, reference="CART-1", channel="shopify", **fields):
    return {
        "channel": channel,
        "reference": reference,
        "lines": [{"sku": s, "quantity": q} for s, q in lines or [(TEE, 1)]],
        **fields,
    }


def reserve(api, body):
    response = api.post("/v1/reservations", body)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.mark.both_engines
def test_a_reservation_holds_stock_and_is_answered_with_its_holds(api, clock):
    stock(api, (TEE, DAL, 5))
    made = reserve(api, cart((TEE, 2), ttl_seconds=600))
    assert made["status"] == "active" and made["reference"] == "CART-1"
    assert made["lines"] == [{"sku": TEE, "quantity": 2}]
    assert made["holds"] == [{"line_no": 0, "sku": TEE, "location": DAL, "units": 2}]
    assert made["expires_at"].startswith("2026-11-28T09:10:00")
    assert (api.at(TEE, DAL)["available"], api.at(TEE, DAL)["reserved"]) == (3, 2)
    again = api.post("/v1/reservations", cart((TEE, 2), ttl_seconds=600))
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert api.get(f"/v1/reservations/{made['id']}").json() == made
    assert [r["id"] for r in api.get("/v1/reservations", status="active").json()["items"]] == [
        made["id"]
    ]


def test_a_reservation_the_pool_cannot_cover_is_409_and_holds_nothing(api):
    stock(api, (TEE, DAL, 1))
    before = written(api)
    detail = api.refused(api.post("/v1/reservations", cart((TEE, 2))), 409)
    assert TEE in detail
    assert written(api) == before


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (cart(reference=""), 422, "reference"),
        (cart(ttl_seconds=0), 422, "ttl_seconds"),
        (cart(ttl_seconds=32 * 86400), 422, "ttl_seconds"),
        (cart(("NOPE", 1)), 404, "NOPE"),
        (cart(channel="nowhere"), 404, "nowhere"),
        (cart((TEE, 0)), 422, "quantity"),
    ],
)
def test_bad_reservations_are_refused_clearly(api, body, status, words):
    stock(api, (TEE, DAL, 5))
    assert words in api.refused(api.post("/v1/reservations", body), status)


def test_an_expired_reservation_shows_expired_and_its_stock_serves_the_next_order(api, clock):
    stock(api, (TEE, DAL, 2))
    made = reserve(api, cart((TEE, 2), ttl_seconds=60))
    clock.advance(seconds=61)
    assert api.get(f"/v1/reservations/{made['id']}").json()["status"] == "expired"
    placed = place(api, order((TEE, 2), channel="walmart", external_id="W-1"))
    assert placed["status"] == "committed"
    confirm = api.post(f"/v1/reservations/{made['id']}/confirm", {})
    assert "expired" in api.refused(confirm, 409)


@pytest.mark.both_engines
def test_releasing_and_confirming_a_reservation(api):
    stock(api, (TEE, DAL, 5))
    first = reserve(api, cart((TEE, 2)))
    second = reserve(api, cart((TEE, 1), reference="CART-2"))
    released = api.post(f"/v1/reservations/{first['id']}/release", None)
    assert released.status_code == 200 and released.json()["status"] == "released"
    confirmed = api.post(f"/v1/reservations/{second['id']}/confirm", {"external_id": "SH-9"})
    assert confirmed.status_code == 201, confirmed.text
    body = confirmed.json()
    assert (body["external_id"], body["status"]) == ("SH-9", "committed")
    assert body["routing"]["reason"].startswith(f"held by reservation {second['id']}")
    # The order arriving from Shopify's webhook later is the same order.
    replay = api.post("/v1/orders", order((TEE, 1), external_id="SH-9"))
    assert replay.status_code == 200 and replay.json()["id"] == body["id"]
    assert (api.at(TEE, DAL)["available"], api.at(TEE, DAL)["committed"]) == (4, 1)


def test_a_pending_order_reserves_until_it_is_confirmed(api):
    stock(api, (TEE, DAL, 5))
    pending = place(api, order((TEE, 2), channel="amazon", external_id="A-1", confirmed=False))
    assert pending["status"] == "pending"
    assert pending["lines"][0]["reserved"] == 2 and pending["allocations"] == []
    assert api.at(TEE, DAL)["reserved"] == 2
    confirmed = api.post(f"/v1/orders/{pending['id']}/confirm", None)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "committed"
    assert (api.at(TEE, DAL)["reserved"], api.at(TEE, DAL)["committed"]) == (0, 2)
    assert [o["status"] for o in api.get("/v1/orders", status="committed").json()["items"]] == [
        "committed"
    ]


def test_a_bundle_is_declared_on_its_sku_and_ordered_as_its_components(api):
    stock(api, (TEE, DAL, 4), (MUG, DAL, 9))
    put = api.client.put(
        "/v1/skus/GIFT-SET",
        json={
            "name": "Gift set",
            "components": [{"sku": TEE, "units": 1}, {"sku": MUG, "units": 2}],
        },
        headers=api.operator,
    )
    assert put.status_code == 201, put.text
    assert put.json()["components"] == [{"sku": MUG, "units": 2}, {"sku": TEE, "units": 1}]
    assert api.stock("GIFT-SET")["totals"]["available"] == 4
    placed = place(api, order(("GIFT-SET", 3), external_id="S-1", placed_at=PLACED))
    assert [(ln["sku"], ln["quantity"], ln["bundle"]) for ln in placed["lines"]] == [
        (MUG, 6, "GIFT-SET"),
        (TEE, 3, "GIFT-SET"),
    ]
    assert api.stock("GIFT-SET")["totals"]["available"] == 1
    nested = api.client.put(
        "/v1/skus/BIG-SET",
        json={"components": [{"sku": "GIFT-SET", "units": 1}]},
        headers=api.operator,
    )
    assert "bundle itself" in api.refused(nested, 422)
    bad_units = api.client.put(
        "/v1/skus/SET-3", json={"components": [{"sku": TEE, "units": 0}]}, headers=api.operator
    )
    api.refused(bad_units, 422)


@pytest.mark.both_engines
def test_the_server_sweeps_expired_reservations_in_the_background(database_url, clock):
    container = make_container(database_url, clock, reservation_sweep_seconds=0.05)
    try:
        names = seed(container)
        container.stock.execute(Receive(names.tee, names.dallas, 3), actor="t")
        held = container.reservations.reserve(
            NewReservation("shopify", "CART-1", (OrderLine(names.tee, 3),), timedelta(minutes=1)),
            actor="t",
        ).reservation
        clock.advance(minutes=2)
        with TestClient(create_app(container)):  # starts (and stops) the app's sweeper
            deadline = time.monotonic() + 10
            while (
                container.catalog.stock(names.tee).totals.reserved and time.monotonic() < deadline
            ):
                time.sleep(0.05)
        assert container.catalog.stock(names.tee).totals == Balance(available=3)
        with container.uow(write=False) as uow:
            assert uow.reservations.get(held.id).status == ReservationStatus.EXPIRED
    finally:
        container.close()
