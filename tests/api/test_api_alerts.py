"""GET /v1/alerts (viewer) and /v1/webhooks (admin): roles, filters, paging, bad input as a
clear 4xx with nothing written, and a subscriber's secret shown once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from tests.conftest import make_container

from stockpool.domain.catalog import Location, LocationKind
from stockpool.entrypoints.api.app import alerting_jobs
from stockpool.store.tables import webhook_subscribers


def late_snapshots(api, *codes):
    for code in codes:
        api.container.catalog.put_location(
            Location(code, LocationKind.THIRD_PARTY, code, snapshot_max_age_seconds=3600)
        )
    api.container.alerting.alerts.evaluate()


@pytest.mark.both_engines
def test_alerts_are_listed_filtered_and_paged_for_viewers(api):
    late_snapshots(api, "3PL-A", "3PL-B", "3PL-C")
    everything = api.get("/v1/alerts").json()
    assert [a["subject"] for a in everything["items"]] == [
        "location:3PL-A",
        "location:3PL-B",
        "location:3PL-C",
    ]
    first = everything["items"][0]
    assert (first["kind"], first["status"], first["location"]) == (
        "snapshot_stale",
        "open",
        "3PL-A",
    )
    assert "snapshot is overdue" in first["message"]
    page = api.get("/v1/alerts", limit=2).json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = api.get("/v1/alerts", limit=2, cursor=page["next_cursor"]).json()
    assert [a["subject"] for a in rest["items"]] == ["location:3PL-C"]
    assert api.get("/v1/alerts", kind="qc_backlog").json()["items"] == []
    assert api.get("/v1/alerts", status="resolved").json()["items"] == []
    assert len(api.get("/v1/alerts", kind="snapshot_stale", status="open").json()["items"]) == 3


def test_alert_filters_refuse_what_they_do_not_know(api):
    assert api.refused(api.get("/v1/alerts", kind="fire"), 422)
    assert api.refused(api.get("/v1/alerts", status="closed"), 422)
    assert api.refused(api.get("/v1/alerts", cursor="x"), 422)
    assert api.refused(api.get("/v1/alerts", severity="critical"), 422)
    assert api.refused(api.get("/v1/alerts", headers={}), 401)


def subscribers(api):
    with api.container.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(webhook_subscribers)).scalar()


@pytest.mark.both_engines
def test_an_admin_registers_a_subscriber_and_sees_its_secret_once(api):
    body = {"url": "https://hooks.example.com/stock", "kinds": ["qc_backlog"], "description": "ops"}
    created = api.post("/v1/webhooks", body, headers=api.admin)
    assert created.status_code == 201, created.text
    made = created.json()
    assert made["secret"].startswith("whsec_") and made["kinds"] == ["qc_backlog"]
    listed = api.get("/v1/webhooks", headers=api.admin).json()["items"]
    assert listed == [{k: v for k, v in made.items() if k != "secret"}]
    with api.container.engine.connect() as connection:  # sealed at rest
        stored = connection.execute(select(webhook_subscribers.c.secret)).scalar()
    assert made["secret"] not in stored
    log = api.get(f"/v1/webhooks/{made['id']}/deliveries", headers=api.admin).json()
    assert log == {"items": [], "next_cursor": None}
    assert api.client.delete(f"/v1/webhooks/{made['id']}", headers=api.admin).status_code == 204
    assert api.get("/v1/webhooks", headers=api.admin).json()["items"] == []
    assert api.refused(api.client.delete(f"/v1/webhooks/{made['id']}", headers=api.admin), 404)
    assert api.get(f"/v1/webhooks/{made['id']}/deliveries", headers=api.admin).status_code == 200


def test_deliveries_are_logged_per_subscriber(api):
    made = api.post("/v1/webhooks", {"url": "http://127.0.0.1:9/x"}, headers=api.admin).json()
    late_snapshots(api, "3PL-A")
    [entry] = api.get(f"/v1/webhooks/{made['id']}/deliveries", headers=api.admin).json()["items"]
    assert (entry["event"], entry["status"], entry["attempts"]) == ("alert.raised", "pending", 0)
    assert api.refused(api.get("/v1/webhooks/999/deliveries", headers=api.admin), 404)


def test_only_admins_manage_subscribers_and_bad_input_writes_nothing(api):
    good = {"url": "https://hooks.example.com/stock"}
    assert api.refused(api.post("/v1/webhooks", good), 403)  # the operator
    assert api.refused(api.get("/v1/webhooks"), 403)  # the viewer
    assert api.refused(api.client.delete("/v1/webhooks/1", headers=api.operator), 403)
    for bad in (
        {"url": "ftp://hooks.example.com"},
        {"url": "not a url"},
        {"url": "https://x.example.com", "kinds": []},
        {"url": "https://x.example.com", "kinds": ["fire"]},
        {"url": "https://x.example.com", "secret": "mine"},
        {"url": "https://x.example.com", "description": "x" * 201},
        {},
    ):
        assert api.refused(api.post("/v1/webhooks", bad, headers=api.admin), 422), bad
    assert api.refused(api.client.delete("/v1/webhooks/0", headers=api.admin), 422)
    assert subscribers(api) == 0


@pytest.mark.both_engines
def test_a_skus_forecast_counts_its_pace_and_the_lots_in_time(api, clock):
    api.receive("TEE-M-BLK", "DAL-1", 10)
    order = {
        "channel": "shopify",
        "external_id": "S-1",
        "lines": [{"sku": "TEE-M-BLK", "quantity": 6}],
        "placed_at": clock.now.isoformat(),
    }
    assert api.post("/v1/orders", order).status_code == 201
    eta = (clock.now + timedelta(days=1)).isoformat()
    api.adjust("TEE-M-BLK", "DAL-1", 50, "purchase_order", state="incoming", eta=eta)
    clock.advance(hours=1)
    found = api.get("/v1/skus/TEE-M-BLK/forecast").json()
    [shopify] = found["channels"]
    assert shopify["channel"] == "shopify"
    assert shopify["fast_units_per_day"] > shopify["units_per_day"] > 1  # recent: weighs more
    assert found["sellable"] == 4
    assert found["days_of_cover"] == pytest.approx(4 / found["units_per_day"])
    assert (found["lots_in_time"], found["lots_late"]) == (50, 0)
    assert found["stockout_at"] > found["stockout_without_lots_at"]
    assert api.refused(api.get("/v1/skus/NOPE/forecast"), 404)
    assert api.refused(api.get("/v1/skus/TEE-M-BLK/forecast", headers={}), 401)


def test_the_server_evaluates_alerts_and_sends_webhooks_in_the_background(database_url, clock):
    on = make_container(database_url, clock, alert_evaluate_seconds=60, webhook_send_seconds=5)
    off = make_container(database_url, clock)  # the tests' default: 0, never
    try:
        assert [j.name for j in alerting_jobs(on)] == ["alert-evaluator", "webhook-sender"]
        assert alerting_jobs(off) == []
    finally:
        on.close()
        off.close()
