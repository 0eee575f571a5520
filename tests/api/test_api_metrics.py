"""/metrics over HTTP: it parses with prometheus-client's own parser, needs no key, and its
counts move by exactly what orders, stock movements, conflicts and sync reports did."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families
from tests.api.conftest import Api, make_api
from tests.conftest import FakeClock, make_container, seed

from stockpool.domain.sync_health import Vitals
from stockpool.entrypoints.metrics import Metrics

TEE, DAL, FBA = "TEE-M-BLK", "DAL-1", "FBA-US"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
def metered(database_url: str, clock: FakeClock) -> Iterator[Api]:
    """The app on a seeded catalog, its services counting into the metrics /metrics shows."""
    container = make_container(database_url, clock, observer=Metrics())
    seed(container)
    api = make_api(container)
    with api.client:
        yield api
    container.close()


def scrape(api: Api) -> Samples:
    response = api.client.get("/metrics")  # no key: open like /health
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == CONTENT_TYPE_LATEST
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, frozenset(labels.items()))
    return after.get(key, 0.0) - before.get(key, 0.0)


def order(channel: str, external_id: str, units: int, sku: str = TEE) -> dict[str, Any]:
    return {
        "channel": channel,
        "external_id": external_id,
        "lines": [{"sku": sku, "quantity": units}],
        "placed_at": "2026-11-28T08:00:00Z",
    }


def reasons(api: Api) -> Counter[str]:
    return Counter(entry["reason"] for entry in api.ledger())


@pytest.mark.both_engines
def test_orders_movements_and_conflicts_move_the_counts_by_what_happened(metered: Api) -> None:
    before, ledger_before = scrape(metered), reasons(metered)

    assert metered.receive(TEE, DAL, 4).status_code == 201
    assert metered.post("/v1/orders", order("shopify", "S-1", 4)).status_code == 201
    assert metered.post("/v1/orders", order("shopify", "S-1", 4)).status_code == 200  # replay
    assert metered.post("/v1/orders", order("amazon", "A-1", 3)).status_code == 201
    metered.refused(metered.post("/v1/orders", order("amazon", "A-2", 1, sku="NOPE")), 404)
    metered.refused(metered.post("/v1/orders", order("ebay", "E-1", 1)), 404)

    after = scrape(metered)
    counted = "stockpool_orders_ingested_total"
    assert moved(before, after, counted, channel="shopify", outcome="new") == 1
    assert moved(before, after, counted, channel="shopify", outcome="replayed") == 1
    assert moved(before, after, counted, channel="amazon", outcome="new") == 1
    assert moved(before, after, counted, channel="amazon", outcome="refused") == 1
    assert moved(before, after, counted, channel="unknown", outcome="refused") == 1
    assert not any(labels and ("channel", "ebay") in labels for _, labels in after)
    # Amazon costs more to cancel: its order takes the units of Shopify's, a conflict on each.
    assert moved(before, after, "stockpool_conflicts_total", channel="amazon") == 1
    assert moved(before, after, "stockpool_conflicts_total", channel="shopify") == 1
    written = reasons(metered) - ledger_before
    assert written["received"] == 1 and written["order_committed"] >= 1
    for reason in {*written, "shipped", "damage"}:
        assert moved(before, after, "stockpool_movements_total", reason=reason) == written[reason]


@pytest.mark.both_engines
def test_the_outbox_and_a_measured_lag_show(metered: Api, clock: FakeClock) -> None:
    metered.receive(TEE, FBA, 5)
    put = metered.client.put(
        "/v1/channels/amazon/listings/B07-TEE", json={"sku": TEE}, headers=metered.operator
    )
    assert put.status_code == 201, put.text
    version = put.json()["pending"]["version"]
    before = scrape(metered)
    assert before[("stockpool_outbox_depth", frozenset({("channel", "amazon")}))] == 1
    assert before[("stockpool_outbox_depth", frozenset({("channel", "walmart")}))] == 0
    assert before[("stockpool_drift_listings", frozenset({("channel", "amazon")}))] == 0

    pushed = {"channel_sku": "B07-TEE", "quantity": 5, "version": version, "ok": True}
    clock.advance(seconds=30)
    report = {"pushes": [pushed], "readings": [{"channel_sku": "B07-TEE", "quantity": 5}]}
    answer = metered.post("/v1/channels/amazon/sync-reports", report)
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["lag_samples_seconds"]) == 1

    after = scrape(metered)
    assert after[("stockpool_outbox_depth", frozenset({("channel", "amazon")}))] == 0
    lag = "stockpool_sync_lag_seconds_count"
    assert moved(before, after, lag, channel="amazon") == 1


@pytest.mark.both_engines
def test_the_circuit_and_throttling_the_worker_tells_show(metered: Api) -> None:
    amazon = frozenset({("channel", "amazon")})
    before = scrape(metered)
    assert before[("stockpool_circuit_open", amazon)] == 0
    metered.container.sync.vitals("amazon", Vitals("open", 5, 3), throttled_more=3)
    after = scrape(metered)
    assert after[("stockpool_circuit_open", amazon)] == 1
    assert after[("stockpool_throttled_total", amazon)] == 3


def test_request_latency_is_labelled_by_route_template_never_the_path(metered: Api) -> None:
    for sku in ("TEE-M-BLK", "MUG-12OZ", "NOPE"):
        metered.get(f"/v1/skus/{sku}/stock")
    metered.client.get("/v1/skus/TEE-M-BLK/stock")  # no key: 401 before routing, same route
    metered.client.get("/no/such/path")
    samples = scrape(metered)
    count = "stockpool_http_request_duration_seconds_count"
    route = frozenset({("method", "GET"), ("route", "/v1/skus/{sku}/stock")})
    assert samples[(count, route)] == 4
    routes = {dict(labels)["route"] for name, labels in samples if name == count}
    assert "unmatched" in routes
    assert not any("TEE-M-BLK" in r or "NOPE" in r or "/no/such" in r for r in routes)


def test_a_container_wired_without_metrics_still_serves_them(api: Api) -> None:
    api.receive(TEE, DAL, 1)
    samples = scrape(api)
    assert ("stockpool_outbox_depth", frozenset({("channel", "amazon")})) in samples
    assert not any(name.startswith("stockpool_movements") for name, _ in samples)
