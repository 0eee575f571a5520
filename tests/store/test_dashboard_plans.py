"""Every query a dashboard page issues is served by an index on PostgreSQL (a page must answer
fast at 100,000 SKUs, see bench/README.md): each page is rendered once on a small database
built through the API, its SELECTs are captured as the driver gets them, and each is explained
with sequential scans switched off. A Seq Scan still in such a plan means no index can serve
that query; only the queries below that read a whole table by nature may keep one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from stockpool.bootstrap import Container
from stockpool.domain.access import Role
from stockpool.domain.listings import Listing
from stockpool.entrypoints.api.app import create_app
from tests.conftest import FakeClock, make_container, seed
from tests.store.plans import Captured, capturing, unserved

TEE, MUG, DAL = "TEE-M-BLK", "MUG-12OZ", "DAL-1"
PAGES = [
    "/",
    f"/skus/{TEE}",
    "/channels",
    "/channels/shopify",
    "/skus?q=tee",
    "/conflicts",
    "/returns",
    "/counts",
]

# Queries that must read every row of a table, whatever the indexes: (table, a piece of SQL
# only that query has). Each must still be needed: the test fails on an entry no query used.
WHOLE_TABLE = [
    # The overview's pool: units per state summed over every balance of every SKU (its cost at
    # scale is in bench/README.md; a stored running total would be the way out, not an index).
    ("balances", "sum(balances.available)"),
    # Sync health: every channel's sync row, one per channel (a handful of rows, all used).
    ("channel_sync", "FROM channel_sync"),
]


@pytest.fixture
def signed_in(pg_url: str, clock: FakeClock) -> Iterator[tuple[Container, TestClient]]:
    container = make_container(pg_url, clock, conflict_policy="propose")
    seed(container)
    _, viewer = container.keys.create(Role.VIEWER, "viewer")
    _, admin = container.keys.create(Role.ADMIN, "admin")
    client = TestClient(create_app(container), base_url="https://testserver")
    with client:
        build(container, client, {"Authorization": f"Bearer {admin}"})
        signed = client.post("/login", data={"api_key": viewer}, follow_redirects=False)
        assert signed.status_code == 303, signed.text
        yield container, client
    container.close()


def build(container: Container, client: TestClient, admin: dict[str, str]) -> None:
    """A few of everything the pages show: stock, listings, a shipped order and its return, a
    conflict waiting, an open count."""

    def post(path: str, body: object) -> dict[str, Any]:
        answer = client.post(path, json=body, headers=admin)
        assert answer.status_code in (200, 201), (path, answer.text)
        found: dict[str, Any] = answer.json()
        return found

    post("/v1/stock/receipts", {"sku": TEE, "location": DAL, "quantity": 3})
    post("/v1/stock/receipts", {"sku": MUG, "location": DAL, "quantity": 5})
    for n, sku in enumerate((TEE, MUG)):
        container.listings.put(Listing("shopify", f"SH-{sku}", sku, f"item-{n}", "loc-1"))
    shipped = post("/v1/orders", order("S-1", 1))
    post(f"/v1/orders/{shipped['id']}/shipments", None)
    post(
        "/v1/returns",
        {
            "channel": "shopify",
            "order_external_id": "S-1",
            "location": DAL,
            "lines": [{"sku": TEE, "quantity": 1}],
            "reason": "too small",
        },
    )
    post("/v1/orders", order("S-2", 5))  # 2 on hand: a conflict proposed
    count = post("/v1/counts", {"location": DAL, "skus": [MUG]})
    post(f"/v1/counts/{count['id']}/lines", {"sku": MUG, "counted": 4})


def order(external_id: str, quantity: int) -> dict[str, Any]:
    return {
        "channel": "shopify",
        "external_id": external_id,
        "lines": [{"sku": TEE, "quantity": quantity}],
        "placed_at": "2026-11-28T09:00:00Z",
    }


def selects(container: Container, client: TestClient, path: str) -> list[Captured]:
    """The SELECTs one request of the page sends to the driver, with their parameters."""
    with capturing(container) as seen:
        page = client.get(path, follow_redirects=False)
    assert page.status_code == 200, (path, page.text[:300])
    return seen


def test_every_dashboard_query_is_served_by_an_index(signed_in: tuple[Container, TestClient]):
    container, client = signed_in
    scanned, used = [], set()
    for path in PAGES:
        captured = selects(container, client, path)
        assert captured, path
        found, needed = unserved(container, path, captured, WHOLE_TABLE)
        scanned += found
        used |= needed
    assert not scanned, "\n".join(scanned)
    assert used == set(WHOLE_TABLE), "no page needs these whole-table reads any more"


def test_the_search_reads_the_trigram_indexes(signed_in: tuple[Container, TestClient]):
    container, client = signed_in
    [search] = [s for s in selects(container, client, "/skus?q=tee") if "LIKE" in s[0]]
    connection = container.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")  # not the primary key's order
        cursor.execute("EXPLAIN " + search[0], search[1])
        plan = "\n".join(row[0] for row in cursor.fetchall())
        connection.rollback()
    finally:
        connection.close()
    assert "ix_skus_lower_code_trgm" in plan and "ix_skus_lower_name_trgm" in plan, plan
