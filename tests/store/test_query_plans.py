"""Every query the API and the workers issue is served by an index on PostgreSQL, as the
dashboard's are (tests/store/test_dashboard_plans.py): on a small database built through the
API, every /v1 GET route is called with its filters and a second page, the hot writes are made
once, and each worker job runs one round; the SELECTs, UPDATEs and DELETEs they send are
explained with sequential scans switched off. A Seq Scan still in such a plan means no index
can serve that query; only the queries below that read a whole table by nature may keep one."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stockpool.bootstrap import Container
from stockpool.domain.access import Role
from stockpool.domain.channels import Platform
from stockpool.domain.platforms import (
    FulfilledRow,
    FulfilledStock,
    PlatformOrderLine,
    PlatformReturn,
)
from stockpool.domain.sync_health import Vitals
from stockpool.entrypoints.api.app import create_app
from stockpool.services.ports.alerts import Posted
from tests.conftest import FakeClock, make_container, seed
from tests.store.plans import READS, WRITES, Allowed, capturing, unserved
from tests.sync.fakes import FakePlatform

TEE, MUG, DAL = "TEE-M-BLK", "MUG-12OZ", "DAL-1"
EVERY_KIND = READS + WRITES

# Queries that must read every row of a table, whatever the indexes: (table, a piece of SQL
# only that query has). Each must still be needed: the test fails on an entry no query used.
# The configuration of every channel, one row each (a handful): what an availability decision
# weighs (each channel's policy and sync health), what GET /v1/channels, /v1/channels/{code}/
# health and a sync report show or update. Read whole because every row is used.
EVERY_CHANNEL: list[Allowed] = [
    ("channel_sync", "FROM channel_sync"),
    ("channel_policies", "FROM channel_policies"),
]
API_WHOLE_TABLE: list[Allowed] = [
    *EVERY_CHANNEL,
    # GET /v1/channels: every channel with its connection shown (one row per connected channel).
    ("channel_connections", "FROM channel_connections"),
    # GET /v1/keys: every API key, for an admin (a handful of rows, all listed).
    ("api_keys", "FROM api_keys ORDER BY"),
]
WORKERS_WHOLE_TABLE: list[Allowed] = [
    *EVERY_CHANNEL,
    # Alert evaluation (periodic, not per request): the demand of every SKU that has sold. A
    # demand row exists only once a SKU sold, so nearly every row passes units_per_hour > 0;
    # an index would not spare reading them.
    ("demand", "demand.units_per_hour >"),
]


@dataclass
class Built:
    """The API on a small database, and the ids of what was made through it."""

    container: Container
    client: TestClient
    admin: dict[str, str]
    ids: dict[str, Any] = field(default_factory=dict)

    def call(self, method: str, path: str, body: object = None, **query: Any) -> Any:
        answer = self.client.request(method, path, json=body, params=query, headers=self.admin)
        assert answer.status_code in (200, 201, 204), (method, path, query, answer.text[:300])
        return answer.json() if answer.content else None


@pytest.fixture
def built(pg_url: str, clock: FakeClock) -> Iterator[Built]:
    container = make_container(pg_url, clock, conflict_policy="propose")
    seed(container)
    _, admin = container.keys.create(Role.ADMIN, "admin")
    client = TestClient(create_app(container), base_url="https://testserver")
    with client:
        made = Built(container, client, {"Authorization": f"Bearer {admin}"})
        build(made, clock)
        yield made
    container.close()


def build(api: Built, clock: FakeClock) -> None:
    """A few of everything the routes show: stock, listings on two channels, a shipped order
    and its return, a conflict waiting, an open count, a hold, a subscriber and its alerts."""
    for sku, units in ((TEE, 3), (MUG, 5)):
        api.call("POST", "/v1/stock/receipts", {"sku": sku, "location": DAL, "quantity": units})
        shopify = {"sku": sku, "inventory_item_id": f"item-{sku}", "location_id": "loc-1"}
        api.call("PUT", f"/v1/channels/shopify/listings/SH-{sku}", shopify)
        api.call("PUT", f"/v1/channels/amazon/listings/AMZ-{sku}", {"sku": sku})
    shipped = api.call("POST", "/v1/orders", order("S-1", 1))
    api.call("POST", f"/v1/orders/{shipped['id']}/shipments")
    returned = api.call("POST", "/v1/returns", a_return("S-1"))
    api.call("POST", "/v1/orders", order("S-2", 5))  # 2 on hand: a conflict proposed
    count = api.call("POST", "/v1/counts", {"location": DAL, "skus": [MUG]})
    api.call("POST", f"/v1/counts/{count['id']}/lines", {"sku": MUG, "counted": 4})
    hold = api.call("POST", "/v1/reservations", cart("CART-1"))
    hook = api.call("POST", "/v1/webhooks", {"url": "https://hooks.example.com/stock"})
    api.call("POST", f"/v1/locations/{DAL}/snapshots", snapshot())
    clock.advance(hours=30)  # the conflict and the return waited: alerts open
    api.container.alerting.alerts.evaluate()
    entries = api.call("GET", "/v1/ledger")["items"]
    entry = next(e for e in entries if e["reference"] and e["actor"])
    api.ids.update(
        sku=TEE,
        channel="shopify",
        channel_sku=f"SH-{TEE}",
        order_id=shipped["id"],
        return_id=returned["id"],
        count_id=count["id"],
        reservation_id=hold["id"],
        webhook_id=hook["id"],
        location=DAL,
        reference=entry["reference"],
        actor=entry["actor"],
        q="tee",
        since="2026-01-01T00:00:00Z",
        until="2027-01-01T00:00:00Z",
    )


def order(external_id: str, quantity: int, sku: str = TEE) -> dict[str, Any]:
    return {
        "channel": "shopify",
        "external_id": external_id,
        "lines": [{"sku": sku, "quantity": quantity}],
        "placed_at": "2026-11-28T09:00:00Z",
    }


def a_return(external_id: str) -> dict[str, Any]:
    lines = [{"sku": TEE, "quantity": 1}]
    return {
        "channel": "shopify",
        "order_external_id": external_id,
        "location": DAL,
        "lines": lines,
        "reason": "too small",
    }


def cart(reference: str) -> dict[str, Any]:
    return {"channel": "shopify", "reference": reference, "lines": [{"sku": MUG, "quantity": 1}]}


def snapshot() -> dict[str, Any]:
    rows = [{"sku": MUG, "on_hand": 4}]
    return {"as_of": "2026-11-28T08:00:00Z", "reference": "F-1", "rows": rows, "partial": False}


def gets(api: Built) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every /v1 GET route with its path filled from what was built: once bare, once per
    filter it documents, and a first page of one row followed by the next."""
    for template, operations in api.client.app.openapi()["paths"].items():
        if not template.startswith("/v1") or "get" not in operations:
            continue
        values = {**api.ids, "code": DAL if template.startswith("/v1/locations") else "shopify"}
        path = template.format(**values)
        parameters = operations["get"].get("parameters", ())
        documented = {p["name"]: p for p in parameters if p["in"] == "query"}
        yield path, {}
        for name, parameter in documented.items():
            if name in ("limit", "cursor"):
                continue
            yield path, {name: values.get(name) or first_choice(api, parameter["schema"])}
        if "cursor" in documented:
            after = api.call("GET", path, limit=1)["next_cursor"]
            yield path, {"limit": 1} if after is None else {"limit": 1, "cursor": after}


def first_choice(api: Built, schema: dict[str, Any]) -> Any:
    """The first value an enumerated query parameter takes."""
    for option in schema.get("anyOf", [schema]):
        if "$ref" in option:
            option = api.client.app.openapi()["components"]["schemas"][
                option["$ref"].split("/")[-1]
            ]
        if "enum" in option:
            return option["enum"][0]
    raise AssertionError(f"no value for a query parameter of schema {schema}")


def hot_writes(api: Built) -> Iterator[str]:
    """The writes made most often, each made once; yields what it made."""
    api.call("POST", "/v1/stock/receipts", {"sku": MUG, "location": DAL, "quantity": 20})
    yield "stock receipt"
    move = {"sku": MUG, "location": DAL, "quantity": 1, "from_state": "available"}
    api.call("POST", "/v1/stock/moves", {**move, "to_state": "damaged"})
    yield "stock move"
    api.call("POST", "/v1/orders", order("S-3", 1, MUG))
    yield "order"
    api.call("POST", "/v1/orders:batch", {"orders": [order("S-5", 1, MUG), order("S-6", 1)]})
    yield "orders batch"
    api.call("POST", "/v1/reservations", cart("CART-2"))
    yield "reservation"
    [waiting, *_] = api.call("GET", "/v1/channels/shopify/outbox")["items"]
    push = {key: waiting[key] for key in ("channel_sku", "quantity", "version")}
    reading = {"channel_sku": waiting["channel_sku"], "quantity": waiting["quantity"]}
    report = {"pushes": [{**push, "ok": True}], "readings": [reading]}
    api.call("POST", "/v1/channels/shopify/sync-reports", report)
    yield "sync report"
    shipped = api.call("POST", "/v1/orders", order("S-7", 1, MUG))
    api.call("POST", f"/v1/orders/{shipped['id']}/shipments")
    returned = api.call(
        "POST", "/v1/returns", {**a_return("S-7"), "lines": [{"sku": MUG, "quantity": 1}]}
    )
    yield "return"
    inspection = {"sku": MUG, "quantity": 1, "disposition": "restock"}
    api.call("POST", f"/v1/returns/{returned['id']}/inspections", inspection)
    yield "inspection"
    api.call("POST", "/v1/orders", order("S-4", 500, MUG))
    yield "order in conflict"


def test_every_api_query_is_served_by_an_index(built: Built):
    container, scanned, used, called = built.container, [], set(), set()
    for path, query in gets(built):
        with capturing(container, EVERY_KIND) as captured:
            built.call("GET", path, **query)
        called.add(path)
        found, needed = unserved(container, f"GET {path} {query}", captured, API_WHOLE_TABLE)
        scanned += found
        used |= needed
    writes = hot_writes(built)
    while True:
        with capturing(container, EVERY_KIND) as captured:
            made = next(writes, None)
        if made is None:
            break
        found, needed = unserved(container, made, captured, API_WHOLE_TABLE)
        scanned += found
        used |= needed
    assert len(called) > 30, called
    assert not scanned, "\n".join(scanned)
    assert used == set(API_WHOLE_TABLE), "no API call needs these whole-table reads any more"


def worker_rounds(built: Built, clock: FakeClock) -> Iterator[str]:
    """One round of each worker job, on the shopify channel, against a fake platform that sold
    a unit and had one returned (amazon's for its fulfilment stock); yields the job's name."""
    container, fake = built.container, FakePlatform(Platform.SHOPIFY, clock)
    fake.shows = {f"SH-{sku}": 0 for sku in (TEE, MUG)}
    fake.sell(f"SH-{MUG}")
    line = PlatformOrderLine(f"SH-{MUG}", 1)
    fake.returns.append(PlatformReturn("RMA-1", "B-1", (line,), clock(), "Defective"))
    built.call("POST", "/v1/reservations", cart("CART-W"))  # the sweep's, once expired
    connector, sync = fake.connector(), container.channel_sync("w1")
    assert sync.lease("shopify", 30)
    yield "lease"
    sync.run("shopify", connector)
    yield "sync round"
    container.sync.vitals("shopify", Vitals(), 0)
    yield "vitals"
    reconciliation = container.reconciliation
    assert reconciliation.due("shopify")
    reconciliation.step("shopify", connector)
    yield "reconciliation"
    assert container.platform_orders.poll("shopify", connector).new == 1
    yield "order poll"
    assert container.platform_returns.poll("shopify", connector).taken.new == 1
    yield "return poll"
    amazon = FakePlatform(Platform.AMAZON, clock)  # FBA-US is fed by amazon alone
    amazon.fulfilled = FulfilledStock(clock(), (FulfilledRow(f"AMZ-{TEE}", 2, damaged=1),))
    assert container.fulfilled_stock.fetch("amazon", amazon.connector()).applied
    yield "fulfilled stock"
    container.cancellations.send("shopify", connector)
    yield "cancellations"
    sync.let_go("shopify")
    yield "let go"
    clock.advance(hours=1)
    assert container.reservations.sweep() == 1
    yield "reservation sweep"
    container.availability.refresh()
    yield "availability refresh"
    container.alerting.alerts.evaluate()
    yield "alert evaluation"
    clock.advance(minutes=5)
    assert container.alerting.sender.send_due(lambda *_: Posted(200, None)).delivered
    yield "webhook sender"


def test_every_worker_query_is_served_by_an_index(built: Built, clock: FakeClock):
    container, scanned, used = built.container, [], set()
    rounds = worker_rounds(built, clock)
    while True:
        with capturing(container, EVERY_KIND) as captured:
            job = next(rounds, None)
        if job is None:
            break
        assert captured, job
        found, needed = unserved(container, job, captured, WORKERS_WHOLE_TABLE)
        scanned += found
        used |= needed
    assert not scanned, "\n".join(scanned)
    assert used == set(WORKERS_WHOLE_TABLE), "no worker needs these whole-table reads any more"
