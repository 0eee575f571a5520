"""Availability over HTTP: policies, listings (one at a time and from CSV), the explained
numbers, orders naming channel SKUs, and the sync reports connectors send."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from tests.conftest import make_container, seed

from stockpool.domain.errors import InvariantBroken
from stockpool.domain.listings import Listing
from stockpool.domain.operations import Receive
from stockpool.domain.sync_health import Vitals
from stockpool.entrypoints.api.app import create_app
from stockpool.services.sync import Push

TEE, MUG, DAL, FBA = "TEE-M-BLK", "MUG-12OZ", "DAL-1", "FBA-US"
ORDER = {"channel": "amazon", "external_id": "A-1", "placed_at": "2026-11-28T09:00:00Z"}


def put(api, path, body, headers=None):
    return api.client.put(path, json=body, headers=headers or api.operator)


def availability(api, sku, **params):
    response = api.get(f"/v1/skus/{sku}/availability", **params)
    assert response.status_code == 200, response.text
    return {c["channel"]: c for c in response.json()["channels"]}


@pytest.mark.both_engines
def test_the_availability_of_a_sku_explains_every_channel(api):
    api.receive(TEE, DAL, 20)
    api.receive(TEE, FBA, 4)

    channels = availability(api, TEE)

    assert set(channels) == {"amazon", "manual", "shopify", "walmart"}
    amazon = channels["amazon"]
    assert amazon["recorded"] == amazon["advertised"]
    assert amazon["pool"] == {
        "eligible": 24,
        "exclusive": 4,
        "ring_fenced": 0,
        "held_back_stale_snapshots": 0,
    }
    assert amazon["lag"] == {"seconds": 900.0, "source": "default", "samples": 0}
    assert amazon["buffer"]["source"] == "risk_model"
    assert amazon["buffer"]["epsilon"] == 0.005 and amazon["buffer"]["epsilon_default"]
    assert amazon["demand"]["floored"]
    assert amazon["health"] == {"status": "ok", "reasons": []}
    assert "amazon shows" in amazon["why"] and "risk model" in amazon["why"]
    only = availability(api, TEE, channel="walmart")
    assert set(only) == {"walmart"}


def test_availability_of_unknown_things_is_404(api):
    api.refused(api.get("/v1/skus/NOPE/availability"), 404)
    api.refused(api.get(f"/v1/skus/{TEE}/availability", channel="ebay"), 404)
    api.refused(api.get("/v1/channels/ebay/policy"), 404)


def test_a_broken_invariant_is_our_500_not_the_callers_4xx(api, monkeypatch):
    """InvariantBroken is no StockpoolError: the caller hears of an internal error, not why."""

    def broken(code):
        raise InvariantBroken("planted: cannot happen")

    monkeypatch.setattr(api.container.policies, "get_channel", broken)
    detail = api.refused(api.get("/v1/channels/shopify/policy"), 500)
    assert "planted" not in detail


def test_a_channel_policy_caps_what_it_shows(api):
    api.receive(TEE, DAL, 30)
    response = put(api, "/v1/channels/shopify/policy", {"cap": 7, "epsilon": 0.02}, api.admin)
    assert response.status_code == 200, response.text
    assert response.json()["cap"] == 7 and response.json()["cancellation_cost"] == 10

    shopify = availability(api, TEE)["shopify"]
    assert shopify["advertised"] == 7
    assert shopify["limits"] == [{"rule": "cap", "value": 7, "before": 30, "after": 7}]
    assert api.get("/v1/channels/shopify/policy").json()["epsilon"] == 0.02


def test_an_operator_may_not_set_a_channels_policy(api):
    api.refused(put(api, "/v1/channels/shopify/policy", {"cap": 1}), 403)


def test_a_skus_policy_overrides_its_channels(api):
    api.receive(TEE, DAL, 30)
    assert put(api, f"/v1/skus/{TEE}/policy/shopify", {"floor": 30}).status_code == 200
    assert availability(api, TEE)["shopify"]["advertised"] == 0
    assert api.get(f"/v1/skus/{TEE}/policy/shopify").json()["floor"] == 30

    assert (
        api.client.delete(f"/v1/skus/{TEE}/policy/shopify", headers=api.operator).status_code == 204
    )
    assert availability(api, TEE)["shopify"]["advertised"] == 30
    assert api.get(f"/v1/skus/{TEE}/policy/shopify").json()["floor"] is None


def test_bad_policies_are_refused_with_what_was_wrong(api):
    for body, words in [
        ({"epsilon": 0.9}, "epsilon"),
        ({"share_percent": 0}, "share_percent"),
        ({"cap": -1}, "cap"),
        ({"cap": "ten"}, "cap"),
        ({"buffer": 1.5}, "buffer"),
        ({"capp": 1}, "capp"),
    ]:
        detail = api.refused(put(api, f"/v1/skus/{TEE}/policy/shopify", body), 422)
        assert words in detail, (body, detail)
    api.refused(put(api, "/v1/skus/NOPE/policy/shopify", {"cap": 1}), 404)
    api.refused(put(api, f"/v1/skus/{TEE}/policy/ebay", {"cap": 1}), 404)


def test_a_listing_maps_a_channel_sku_and_queues_its_number(api):
    api.receive(TEE, FBA, 5)

    response = put(api, "/v1/channels/amazon/listings/B07/TEE BLK", {"sku": TEE})

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["channel_sku"] == "B07/TEE BLK" and body["fulfillment_channel"] == "DEFAULT"
    assert body["pending"]["quantity"] == 5
    assert put(api, "/v1/channels/amazon/listings/B07/TEE BLK", {"sku": TEE}).status_code == 200
    got = api.get("/v1/channels/amazon/listings/B07/TEE BLK").json()
    assert got["sku"] == TEE
    page = api.get("/v1/channels/amazon/listings").json()
    assert [x["channel_sku"] for x in page["items"]] == ["B07/TEE BLK"]
    outbox = api.get("/v1/channels/amazon/outbox").json()["items"]
    assert [(x["channel_sku"], x["quantity"]) for x in outbox] == [("B07/TEE BLK", 5)]


def test_a_shopify_listing_needs_its_inventory_item_and_location(api):
    detail = api.refused(put(api, "/v1/channels/shopify/listings/TEE", {"sku": TEE}), 422)
    assert "inventory_item_id" in detail
    ok = put(
        api,
        "/v1/channels/shopify/listings/TEE",
        {"sku": TEE, "inventory_item_id": "gid://shopify/InventoryItem/1", "location_id": "1"},
    )
    assert ok.status_code == 201, ok.text


@pytest.mark.both_engines
def test_listings_import_from_a_csv_body(api):
    csv = f"channel,channel_sku,sku,ship_node\nwalmart,WM-TEE,{TEE},\nwalmart,WM-MUG,{MUG},NODE-1\n"
    response = api.client.post(
        "/v1/listings:import",
        content=csv.encode(),
        headers={**api.operator, "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"rows": 2, "created": 2, "remapped": 0}

    bad = api.client.post(
        "/v1/listings:import",
        content=b"channel,channel_sku,sku\nwalmart,WM-X,NOPE\n",
        headers={**api.operator, "Content-Type": "text/csv"},
    )
    assert "NOPE" in api.refused(bad, 422)
    as_json = api.client.post("/v1/listings:import", json={"a": 1}, headers=api.operator)
    assert "'Content-Type: text/csv' (got application/json)" in api.refused(as_json, 415)


def test_orders_may_name_channel_skus_and_unmapped_ones_are_reported(api):
    api.receive(TEE, DAL, 5)
    line = {"channel_sku": "AMZ-TEE", "quantity": 2}

    refused = api.post("/v1/orders", {**ORDER, "lines": [line]})
    assert "AMZ-TEE" in api.refused(refused, 404)
    unmapped = api.get("/v1/channels/amazon/unmapped").json()["items"]
    assert [(u["channel_sku"], u["orders"]) for u in unmapped] == [("AMZ-TEE", 1)]

    put(api, "/v1/channels/amazon/listings/AMZ-TEE", {"sku": TEE})
    taken = api.post("/v1/orders", {**ORDER, "lines": [line]})
    assert taken.status_code == 201, taken.text
    assert taken.json()["lines"][0]["sku"] == TEE
    assert api.get("/v1/channels/amazon/unmapped").json()["items"] == []

    both = api.post("/v1/orders", {**ORDER, "external_id": "A-2", "lines": [{**line, "sku": TEE}]})
    assert "not both" in api.refused(both, 422)


@pytest.mark.both_engines
def test_sync_reports_clear_the_outbox_and_measure_the_lag(api, clock):
    api.receive(TEE, FBA, 3)
    put(api, "/v1/channels/amazon/listings/AMZ-TEE", {"sku": TEE})
    (pending,) = api.get("/v1/channels/amazon/outbox").json()["items"]

    clock.advance(seconds=40)
    report = {
        "pushes": [
            {"channel_sku": "AMZ-TEE", "quantity": 3, "version": pending["version"], "ok": True}
        ]
    }
    pushed = api.post("/v1/channels/amazon/sync-reports", report)
    assert pushed.status_code == 200, pushed.text
    assert api.get("/v1/channels/amazon/outbox").json()["items"] == []

    clock.advance(seconds=20)
    read = api.post(
        "/v1/channels/amazon/sync-reports",
        {
            "readings": [
                {"channel_sku": "AMZ-TEE", "quantity": 3},
                {"channel_sku": "NOPE", "quantity": 1},
            ]
        },
    )
    assert read.json()["lag_samples_seconds"] == [60.0]
    assert read.json()["unknown_channel_skus"] == ["NOPE"]

    health = api.get("/v1/channels/amazon/health").json()
    assert health["status"] == "ok"
    assert health["lag"] == {"seconds": 60.0, "source": "measured", "samples": 1}
    assert health["lag_recent"] == {"p50_seconds": 60.0, "p99_seconds": 60.0, "samples": 1}
    assert (health["circuit"], health["throttled"]) == ("closed", 0)
    api.container.sync.vitals("amazon", Vitals("open", 5, 2), throttled_more=2)
    health = api.get("/v1/channels/amazon/health").json()
    assert (health["status"], health["circuit"], health["throttled"]) == ("failing", "open", 2)
    assert health["circuit_since"] and health["throttled_at"]
    listing = availability(api, TEE)["amazon"]["listings"][0]
    assert (listing["pushed_quantity"], listing["confirmed_quantity"]) == (3, 3)


def test_an_empty_or_bad_sync_report_is_refused(api):
    api.refused(api.post("/v1/channels/amazon/sync-reports", {}), 422)
    api.refused(
        api.post("/v1/channels/ebay/sync-reports", {"feeds": [{"feed_id": "1", "status": "done"}]}),
        404,
    )
    bad = {"pushes": [{"channel_sku": "X", "quantity": -1, "ok": True}]}
    api.refused(api.post("/v1/channels/amazon/sync-reports", bad), 422)


def test_a_stale_channel_says_so(api, clock):
    put(api, "/v1/channels/amazon/listings/AMZ-TEE", {"sku": TEE})
    api.post(
        "/v1/channels/amazon/sync-reports", {"feeds": [{"feed_id": "F1", "status": "processing"}]}
    )
    clock.advance(hours=2)
    health = api.get("/v1/channels/amazon/health").json()
    assert health["status"] == "stale"
    assert any("waited" in r for r in health["reasons"]) and any(
        "F1" in r for r in health["reasons"]
    )


@pytest.mark.both_engines
def test_the_server_refreshes_health_and_numbers_in_the_background(database_url, clock):
    """Time alone makes a channel stale (a change it is never told of); the server notices and
    its rivals' numbers follow, with no request to say so."""
    container = make_container(database_url, clock, availability_refresh_seconds=0.05)
    try:
        names = seed(container)
        container.stock.execute(Receive(names.tee, names.dallas, 30), actor="t")
        container.listings.put(Listing("walmart", "WM-TEE", names.tee))
        (pending,) = container.sync.pending("walmart")
        container.sync.report("walmart", pushes=[Push("WM-TEE", 20, pending.version, ok=True)])
        container.stock.execute(Receive(names.tee, names.dallas, 1), actor="t")  # never pushed
        before = container.availability.stored(names.tee)["shopify"]
        clock.advance(hours=1)

        def shopify():
            return container.availability.explain(names.tee, "shopify").channels[0]

        with TestClient(create_app(container)):  # starts (and stops) the app's refresher
            deadline = time.monotonic() + 10
            while shopify().stored == before and time.monotonic() < deadline:
                time.sleep(0.05)
        assert shopify().decision.groups[0].stale_exposure == 20
        assert shopify().stored == shopify().advertised < before
        walmart = container.availability.explain(names.tee, "walmart").channels[0]
        assert walmart.health[0] == "stale"
    finally:
        container.close()


def test_the_explanation_says_what_is_held_back_for_possible_shrinkage_and_why(api, clock):
    api.receive(TEE, DAL, 40)
    assert api.count(DAL, lines=[{"sku": TEE, "counted": 36}]).status_code == 201
    clock.advance(hours=72)  # 4 units found missing over a week: 72 h since may have lost 1.7

    amazon = availability(api, TEE)["amazon"]

    shrinkage = amazon["shrinkage"]
    (seen,) = shrinkage["locations"]
    assert seen["location"] == DAL
    assert seen["units_per_hour"] == pytest.approx(4 / 168)
    assert seen["hours_since_count"] == pytest.approx(72)
    assert seen["expected_missing"] == pytest.approx(72 * 4 / 168)
    (group,) = amazon["buffer"]["groups"]
    assert shrinkage["held"] == group["shrink_held"] > 0
    assert group["shrink_mean"] == pytest.approx(seen["expected_missing"])
    assert f"{shrinkage['held']} " in amazon["why"] and "possible shrinkage" in amazon["why"]
    assert "last count was 72 h ago" in amazon["why"]
