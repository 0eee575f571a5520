"""Each channel's sync health as the overview and the channel pages show it: the lag's p50 and
p99, the last push, throttling, the circuit breaker, drift, and why; the overview's status part
refreshes itself (it changes with no stock movement to say so)."""

from __future__ import annotations

from stockpool.domain.access import Role
from stockpool.domain.listings import Listing
from stockpool.domain.sync_health import Vitals
from stockpool.services.sync import Push, Reading
from tests.conftest import FakeClock
from tests.dashboard.conftest import TEE, Dashboard, receipt


def measure_lags(dashboard: Dashboard, clock: FakeClock, *seconds: float) -> None:
    """Walmart shows each pushed number that many seconds after the change."""
    container = dashboard.container
    container.listings.put(Listing("walmart", "W-TEE", TEE))
    for n, lag in enumerate(seconds):
        if n:
            clock.advance(seconds=1)  # the next change comes after the last reading
        dashboard.api("POST", "/v1/stock/receipts", json=receipt(1))
        [waiting] = container.sync.pending("walmart")
        container.sync.report(
            "walmart", pushes=[Push("W-TEE", waiting.quantity, waiting.version, ok=True)]
        )
        clock.advance(seconds=lag)
        container.sync.report("walmart", readings=[Reading("W-TEE", waiting.quantity)])


def row_of(page: str, channel: str) -> str:
    start = page.index(f'<a href="/channels/{channel}">{channel}</a>')
    return page[start : page.index("</tr>", start)]


def test_the_overview_shows_lag_percentiles_throttling_and_an_open_circuit(
    dashboard: Dashboard, clock: FakeClock
):
    measure_lags(dashboard, clock, 2, 3, 4, 240)
    dashboard.container.sync.vitals("walmart", Vitals("open", 5, 2), throttled_more=2)
    dashboard.sign_in(Role.VIEWER)

    walmart = row_of(dashboard.client.get("/").text, "walmart")
    assert '<td class="status-failing">failing</td>' in walmart
    assert (
        "3.0 s / 4.0 min" in walmart and "4 lag(s) measured" in walmart
    )  # p50 / p99 of 2, 3, 4 and 240 s
    assert "2 in all, last" in walmart
    assert '<td class="circuit circuit-open">open since' in walmart
    assert "the circuit breaker has been open" in walmart

    shopify = row_of(dashboard.client.get("/").text, "shopify")
    assert '<td class="status-ok">ok</td>' in shopify
    assert '<td class="circuit circuit-closed">closed</td>' in shopify
    assert '<td class="throttled">never</td>' in shopify


def test_the_channel_page_shows_the_same_health(dashboard: Dashboard, clock: FakeClock):
    measure_lags(dashboard, clock, 5)
    dashboard.container.sync.vitals("walmart", Vitals("half_open", 5, 0))
    dashboard.sign_in(Role.VIEWER)
    page = dashboard.client.get("/channels/walmart").text
    assert "<th>lag p50 / p99</th>" in page and "5.0 s / 5.0 s" in page
    assert '<td class="circuit circuit-half_open">half open since' in page


def test_the_status_fragment_refreshes_itself_with_what_changed(dashboard: Dashboard):
    dashboard.sign_in(Role.VIEWER)
    page = dashboard.client.get("/").text
    assert 'hx-get="/fragments/status" hx-trigger="every 5s"' in page
    dashboard.propose_conflict()
    fragment = dashboard.client.get("/fragments/status")
    assert fragment.status_code == 200
    assert "1 waiting for a decision" in fragment.text
    assert "<html" not in fragment.text  # a fragment, not a page
    dashboard.client.cookies.clear()
    assert dashboard.client.get("/fragments/status", follow_redirects=False).status_code in (
        303,
        401,
    )
