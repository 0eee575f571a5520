"""The dashboard over HTTP: sign-in and its cookie, who may act, CSRF, escaping, the pages."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from stockpool.domain.access import Role
from stockpool.entrypoints.api.app import create_app
from stockpool.entrypoints.dashboard.session import COOKIE
from tests.dashboard.conftest import DAL, TEE, XSS, XSS_SKU, Dashboard, receipt


def test_signing_in_sets_a_secure_httponly_strict_cookie_without_the_key(dashboard: Dashboard):
    response = dashboard.sign_in(Role.VIEWER)
    assert response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    for flag in ("HttpOnly", "SameSite=strict", "Secure", "Path=/"):
        assert flag.lower() in cookie.lower(), cookie
    assert dashboard.secrets[Role.VIEWER] not in cookie
    assert dashboard.client.get("/").status_code == 200


def test_pages_forbid_inline_scripts_and_framing(dashboard: Dashboard):
    for path in ("/login",):
        headers = dashboard.client.get(path).headers
        policy = headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert headers["x-content-type-options"] == "nosniff"


def test_plain_http_on_this_machine_gets_a_cookie_without_secure(dashboard: Dashboard):
    with TestClient(create_app(dashboard.container), base_url="http://127.0.0.1:8000") as local:
        response = local.post(
            "/login", data={"api_key": dashboard.secrets[Role.VIEWER]}, follow_redirects=False
        )
        assert response.status_code == 303
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        assert "secure" not in cookie
        assert local.get("/").status_code == 200


def test_a_wrong_key_is_refused_and_nothing_is_shown_without_signing_in(dashboard: Dashboard):
    refused = dashboard.client.post("/login", data={"api_key": "sp_nope"}, follow_redirects=False)
    assert refused.status_code == 401
    assert "Unknown or revoked API key." in refused.text
    assert COOKIE not in refused.headers.get("set-cookie", "")
    for path in ("/", f"/skus/{TEE}", "/skus", "/conflicts", "/events", "/fragments/pool"):
        response = dashboard.client.get(path, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/login"), path


def test_a_forged_cookie_is_not_a_session(dashboard: Dashboard):
    dashboard.client.cookies.set(COOKIE, "eyJrZXkiOiJrZXlfMSJ9.forged.signature")
    assert dashboard.client.get("/", follow_redirects=False).status_code == 303


def test_a_revoked_keys_session_ends_at_its_next_request(dashboard: Dashboard):
    dashboard.sign_in(Role.OPERATOR)
    assert dashboard.client.get("/").status_code == 200
    dashboard.container.keys.revoke(dashboard.key_ids[Role.OPERATOR])
    response = dashboard.client.get("/", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/login")


def test_the_overview_shows_the_pool_conflicts_channels_and_alerts(dashboard: Dashboard):
    dashboard.api("POST", "/v1/stock/receipts", json=receipt(7))
    dashboard.sign_in(Role.VIEWER)
    page = dashboard.client.get("/").text
    assert '<td data-state="available">7</td>' in page
    assert '<td data-state="on_hand">7</td>' in page
    assert "0 waiting for a decision" in page
    for channel in ("shopify", "amazon", "walmart"):
        assert f'<a href="/channels/{channel}">{channel}</a>' in page
    assert "Open alerts" in page


def test_the_overview_counts_orders_per_channel_per_hour(dashboard: Dashboard):
    dashboard.propose_conflict()  # one shopify order, taken now
    dashboard.sign_in(Role.VIEWER)
    page = dashboard.client.get("/").text
    table = page[page.index('<table class="orders-per-hour">') :]
    table = table[: table.index("</table>")]
    assert "<td>shopify</td>\n    <td>1</td>" in table
    assert table.count("<rect ") == 24
    assert "<title>1</title>" in table


def test_the_sku_page_shows_stock_channels_demand_and_the_timeline(dashboard: Dashboard):
    for quantity in (5, 3):
        dashboard.api("POST", "/v1/stock/receipts", json=receipt(quantity))
    dashboard.sign_in(Role.VIEWER)
    page = dashboard.client.get(f"/skus/{TEE}").text
    assert f"<td>{DAL}</td>" in page
    assert '<td data-state="available">8</td>' in page
    assert "<polyline" in page and "On hand from 0 to 8" in page
    assert "Days of cover" in page
    assert "should show" in page
    fragment = dashboard.client.get(f"/fragments/skus/{TEE}/stock").text
    assert fragment.startswith('<table class="numbers" id="sku-stock">')
    missing = dashboard.client.get("/skus/NOPE-1")
    assert missing.status_code == 404


def test_search_pages_through_skus_by_prefix(dashboard: Dashboard):
    dashboard.sign_in(Role.VIEWER)
    page = dashboard.client.get("/skus", params={"q": "TEE"}).text
    assert f'href="/skus/{TEE}"' in page
    assert "MUG-12OZ" not in page


def test_a_sku_named_like_a_script_is_text_on_every_page(dashboard: Dashboard):
    dashboard.api("POST", "/v1/stock/receipts", json=receipt(1, XSS_SKU))
    dashboard.sign_in(Role.OPERATOR)
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    for path in (f"/skus/{XSS_SKU}", "/skus?q=XSS", "/skus"):
        page = dashboard.client.get(path).text
        assert XSS not in page, path
        assert escaped in page, path


def test_a_viewer_sees_no_decision_buttons_and_may_not_decide(dashboard: Dashboard):
    conflict = dashboard.propose_conflict()
    dashboard.sign_in(Role.VIEWER)
    page = dashboard.client.get("/conflicts").text
    assert f'id="conflict-{conflict}"' in page
    assert "Approve" not in page
    token = dashboard.csrf("/conflicts")
    refused = dashboard.client.post(
        f"/conflicts/{conflict}/approve", data={"csrf_token": token}, follow_redirects=False
    )
    assert refused.status_code == 403
    assert "operator role" in refused.text
    assert dashboard.container.conflicts.list(status="proposed")[0].id == conflict


@pytest.mark.parametrize("token", [None, "", "wrong"])
def test_a_decision_without_the_csrf_token_is_refused_and_writes_nothing(
    dashboard: Dashboard, token: str | None
):
    conflict = dashboard.propose_conflict()
    dashboard.sign_in(Role.OPERATOR)
    before = dashboard.container.ledger.entries(limit=1000)
    data = {} if token is None else {"csrf_token": token}
    refused = dashboard.client.post(
        f"/conflicts/{conflict}/approve", data=data, follow_redirects=False
    )
    assert refused.status_code == 403
    assert "CSRF" in refused.text
    assert dashboard.container.conflicts.list(status="proposed")[0].id == conflict
    assert dashboard.container.ledger.entries(limit=1000) == before


def test_an_operator_approves_a_conflict_with_the_pages_token(dashboard: Dashboard):
    conflict = dashboard.propose_conflict()
    dashboard.sign_in(Role.OPERATOR)
    page = dashboard.client.get("/conflicts").text
    assert "Approve" in page and "Backorder instead" in page
    dashboard.api("POST", "/v1/stock/receipts", json=receipt(1))  # now there is enough
    approved = dashboard.client.post(
        f"/conflicts/{conflict}/approve",
        data={"csrf_token": dashboard.csrf("/conflicts")},
        follow_redirects=False,
    )
    assert (approved.status_code, approved.headers["location"]) == (
        303,
        f"/conflicts?done={conflict}",
    )
    assert dashboard.container.conflicts.list(status="proposed") == []
    [decided] = dashboard.container.conflicts.list(status="resolved")
    assert decided.decided_by == f"dashboard:{dashboard.key_ids[Role.OPERATOR]}"
    again = dashboard.client.post(
        f"/conflicts/{conflict}/approve", data={"csrf_token": dashboard.csrf()}
    )
    assert again.status_code == 409


def test_an_htmx_request_may_send_the_token_as_a_header(dashboard: Dashboard):
    conflict = dashboard.propose_conflict()
    dashboard.sign_in(Role.OPERATOR)
    token = dashboard.csrf()
    response = dashboard.client.post(
        f"/conflicts/{conflict}/backorder",
        headers={"X-CSRF-Token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    [decided] = dashboard.container.conflicts.list(status="resolved")
    assert decided.resolution is not None and decided.resolution["action"] == "backorder"


def test_signing_out_needs_the_token_and_ends_the_session(dashboard: Dashboard):
    dashboard.sign_in(Role.VIEWER)
    assert dashboard.client.post("/logout", follow_redirects=False).status_code == 403
    response = dashboard.client.post(
        "/logout", data={"csrf_token": dashboard.csrf()}, follow_redirects=False
    )
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    assert f"{COOKIE}=" in response.headers["set-cookie"]
    assert "max-age=0" in response.headers["set-cookie"].lower()
    assert dashboard.client.get("/", follow_redirects=False).status_code == 303


def test_the_dashboard_is_not_in_the_openapi_document(dashboard: Dashboard):
    paths = dashboard.client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if not p.startswith(("/v1/", "/health", "/metrics", "/webhooks"))]


def test_the_vendored_scripts_are_served(dashboard: Dashboard):
    for name in ("htmx.min.js", "htmx-ext-sse.js", "dashboard.css"):
        assert dashboard.client.get(f"/static/{name}").status_code == 200, name
