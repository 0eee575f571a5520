"""Metrics across processes: two `stockpool serve` sharing one PROMETHEUS_MULTIPROC_DIR each
answer /metrics with what both counted (prometheus-client's multiprocess mode)."""

from __future__ import annotations

from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import make_container, seed, sqlite_copy
from tests.e2e.processes import Processes, Stockpool

TEE, DAL = "TEE-M-BLK", "DAL-1"
PLACED = "2026-11-28T08:00:00Z"


def order_count(server: Stockpool, channel: str) -> float:
    response = server.client.get("/metrics")
    assert response.status_code == 200, response.text
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            labels = sample.labels
            if (sample.name, labels.get("channel"), labels.get("outcome")) == (
                "stockpool_orders_ingested_total",
                channel,
                "new",
            ):
                return sample.value
    return 0.0


def test_each_server_shows_what_every_server_counted(
    processes: Processes, tmp_path: Path, sqlite_template: Path
) -> None:
    url = sqlite_copy(sqlite_template, tmp_path)
    container = make_container(url)
    seed(container)
    container.close()
    shared = tmp_path / "prometheus"  # a new, empty directory: nothing of an earlier run
    shared.mkdir()
    env = {"PROMETHEUS_MULTIPROC_DIR": str(shared)}
    one = processes.stockpool(url, worker="off", settings=env)
    two = processes.stockpool(url, worker="off", settings=env)
    one.call("POST", "/v1/stock/receipts", {"sku": TEE, "location": DAL, "quantity": 10})

    for server, ids in ((one, ["S-1", "S-2"]), (two, ["S-3", "S-4", "S-5"])):
        for external_id in ids:
            line = {"sku": TEE, "quantity": 1}
            body = {
                "channel": "shopify",
                "external_id": external_id,
                "lines": [line],
                "placed_at": PLACED,
            }
            server.call("POST", "/v1/orders", body)

    assert order_count(one, "shopify") == 5
    assert order_count(two, "shopify") == 5
    assert len(list(shared.iterdir())) >= 2  # a file of counts per process
