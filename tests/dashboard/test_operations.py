"""The channels pages and the QC and count queues."""

from __future__ import annotations

from stockpool.domain.access import Role
from stockpool.domain.listings import Listing
from tests.conftest import FakeClock
from tests.dashboard.conftest import DAL, TEE, XSS, XSS_SKU, Dashboard, receipt


def test_the_channels_page_lists_every_channels_health(dashboard: Dashboard):
    dashboard.sign_in(Role.VIEWER)
    page = dashboard.client.get("/channels").text
    for channel in ("shopify", "amazon", "walmart"):
        assert f'<a href="/channels/{channel}">{channel}</a>' in page
    assert "waiting in the outbox" in page


def test_a_channel_shows_its_listings_and_the_numbers_waiting(dashboard: Dashboard):
    for sku, channel_sku in ((TEE, "SHOP-TEE"), (XSS_SKU, "SHOP-XSS")):
        dashboard.container.listings.put(Listing("shopify", channel_sku, sku, "item-1", "loc-1"))
    dashboard.api("POST", "/v1/stock/receipts", json=receipt(4))
    dashboard.container.availability.refresh()
    dashboard.sign_in(Role.VIEWER)
    page = dashboard.client.get("/channels/shopify").text
    assert "<td>SHOP-TEE</td>" in page
    assert f'href="/skus/{TEE}"' in page
    assert "Waiting in the outbox" in page and "Unmapped channel SKUs" in page
    assert XSS not in page
    assert dashboard.client.get("/channels/nowhere").status_code == 404


def test_the_count_queue_shows_open_counts(dashboard: Dashboard):
    opened = dashboard.api("POST", "/v1/counts", json={"location": DAL, "skus": [TEE]})
    assert opened.status_code == 201, opened.text
    dashboard.sign_in(Role.VIEWER)
    page = dashboard.client.get("/counts").text
    assert f'id="count-{opened.json()["id"]}"' in page
    assert f"<td>{DAL}</td>" in page


def test_the_qc_queue_answers_when_empty(dashboard: Dashboard):
    dashboard.sign_in(Role.VIEWER)
    page = dashboard.client.get("/returns")
    assert page.status_code == 200
    assert "Nothing waiting." in page.text


def test_orders_per_hour_counts_each_channels_orders_in_their_hour(
    dashboard: Dashboard, clock: FakeClock
):
    dashboard.propose_conflict()  # a shopify order now
    clock.advance(hours=3)
    order = {
        "channel": "amazon",
        "external_id": "A-1",
        "lines": [{"sku": TEE, "quantity": 1}],
        "placed_at": "2026-11-28T09:00:00Z",
    }
    assert dashboard.api("POST", "/v1/orders", json=order).status_code == 201
    counted = dashboard.container.orders.per_hour(clock(), hours=24)
    assert counted.channels["amazon"][-1] == 1
    assert counted.channels["shopify"][-4] == 1
    assert sum(counted.channels["shopify"]) == 1
    assert list(dashboard.container.orders.per_hour(clock(), hours=3).channels) == ["amazon"]
