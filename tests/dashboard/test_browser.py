"""The dashboard in a real headless browser: Debian's chromium (installed by apt, never
downloaded), driven by Playwright, against `stockpool serve` in its own process.

Sign in, see the overview, open a SKU, approve a conflict, watch a number change live after a
receipt posted through the API, a form posted without its token refused, a SKU named like a
script shown as text, sign out; no console errors. Screenshots go to $STOCKPOOL_TEST_ARTIFACTS
(or `artifacts/` under pytest's base temporary directory); the test prints where.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stockpool.domain.catalog import Sku
from tests.conftest import ENGINES, make_container, seed
from tests.dashboard.conftest import DAL, TEE, XSS, XSS_SKU
from tests.e2e.processes import Processes, Stockpool, started

playwright_api = pytest.importorskip("playwright.sync_api")
LIVE_SECONDS = 15_000  # ms: the stream checks every second


def chromium() -> str:
    """The system's chromium; skipped without one, except on CI, which must run this test."""
    found = shutil.which("chromium")
    if found is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("chromium is not installed: `make browser` installs it (apt).")
        pytest.skip("chromium is not installed (`make browser` installs it with apt)")
    return found


@pytest.fixture
def artifacts(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = os.environ.get("STOCKPOOL_TEST_ARTIFACTS")
    base = Path(root) if root else tmp_path_factory.getbasetemp() / "artifacts"
    directory = base / request.node.name
    directory.mkdir(parents=True, exist_ok=True)
    print(f"screenshots: {directory}")
    return directory


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    yield from started(tmp_path)


def seeded_server(processes: Processes, database_url: str) -> tuple[Stockpool, str, int]:
    """The served app on a seeded catalog with one proposed conflict; an operator's key and
    the conflict's id."""
    container = make_container(database_url)
    seed(container)
    container.catalog.put_skus([Sku(XSS_SKU, XSS)])
    container.close()
    server = processes.stockpool(
        database_url,
        worker="off",
        settings={"STOCKPOOL_CONFLICT_POLICY": "propose", "STOCKPOOL_ALERT_EVALUATE_SECONDS": "0"},
    )
    made = server.cli("keys", "create", "--role", "operator", "--name", "browser")
    operator = made.stdout.strip().splitlines()[-1]
    server.call("POST", "/v1/stock/receipts", {"sku": TEE, "location": DAL, "quantity": 1})
    order = {
        "channel": "shopify",
        "external_id": "S-1",
        "lines": [{"sku": TEE, "quantity": 2}],
        "placed_at": "2026-11-28T09:00:00Z",
    }
    server.call("POST", "/v1/orders", order)
    [conflict] = server.call("GET", "/v1/conflicts", status="proposed")["items"]
    return server, operator, conflict["id"]


@pytest.mark.parametrize("database_url", ENGINES, indirect=True)
def test_an_operator_works_the_dashboard_in_a_browser(
    processes: Processes, database_url: str, artifacts: Path
) -> None:
    executable = chromium()
    server, operator, conflict = seeded_server(processes, database_url)
    problems: list[str] = []
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            context = browser.new_context(base_url=server.url)
            page = context.new_page()
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("dialog", lambda dialog: problems.append(f"dialog: {dialog.message}"))
            walk_through(page, context, server, operator, conflict, artifacts)
            context.close()
        finally:
            browser.close()
    assert problems == []


def walk_through(
    page: Any, context: Any, server: Stockpool, operator: str, conflict: int, shots: Path
) -> None:
    expect = playwright_api.expect
    sign_in(page, operator, shots)
    expect(page.locator("h1")).to_have_text("Overview")
    expect(page.locator("#conflicts-waiting")).to_contain_text("1 waiting")
    page.screenshot(path=shots / "1-overview.png", full_page=True)
    [cookie] = context.cookies()
    # Plain http on 127.0.0.1: no Secure flag (see session.py; the TestClient tests check https).
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["secure"]) == (True, "Strict", False)

    page.fill("input[name=q]", "TEE")
    page.press("input[name=q]", "Enter")
    page.click(f"a[href='/skus/{TEE}']")
    expect(page.locator("h1")).to_contain_text(TEE)
    page.screenshot(path=shots / "2-sku.png", full_page=True)

    page.click("nav >> text=Conflicts")
    page.click(f"#conflict-{conflict} button[value=approve]")
    expect(page.locator(".done")).to_have_text(f"Conflict {conflict} decided.")
    page.screenshot(path=shots / "3-conflict-approved.png", full_page=True)
    refused = page.request.post(f"/conflicts/{conflict}/cancel", form={"decision": "cancel"})
    assert refused.status == 403, refused.text()

    watch_a_receipt_arrive(page, server, shots)

    page.goto(f"/skus/{XSS_SKU}")
    expect(page.locator(".sku-name")).to_have_text(XSS)
    page.screenshot(path=shots / "5-script-named-sku.png", full_page=True)

    for name, path in (("7-channels", "/channels"), ("8-qc", "/returns"), ("9-counts", "/counts")):
        page.click(f"nav a[href='{path}']")
        expect(page).to_have_url(f"{server.url}{path}")
        page.screenshot(path=shots / f"{name}.png", full_page=True)

    page.click("text=Sign out")
    expect(page.locator("h1")).to_have_text("Sign in")
    page.goto("/")
    expect(page.locator("h1")).to_have_text("Sign in")
    page.screenshot(path=shots / "6-signed-out.png", full_page=True)


def sign_in(page: Any, secret: str, shots: Path) -> None:
    page.goto("/")
    playwright_api.expect(page.locator("h1")).to_have_text("Sign in")
    page.fill("input[name=api_key]", secret)
    page.screenshot(path=shots / "0-sign-in.png")
    page.click("button:has-text('Sign in')")


def watch_a_receipt_arrive(page: Any, server: Stockpool, shots: Path) -> None:
    """A receipt posted through the API shows on the open SKU page without a reload."""
    total = page.locator("#sku-stock tr.total td[data-state=on_hand]")
    with page.expect_response(lambda r: r.url.endswith("/events")):
        page.goto(f"/skus/{TEE}")
    before = int(total.inner_text())
    time.sleep(1.5)  # the stream has read where the ledger ends
    page.evaluate("window.loadedOnce = true")  # gone if the page were reloaded
    server.call("POST", "/v1/stock/receipts", {"sku": TEE, "location": DAL, "quantity": 5})
    playwright_api.expect(total).to_have_text(str(before + 5), timeout=LIVE_SECONDS)
    assert page.evaluate("window.loadedOnce") is True
    page.screenshot(path=shots / "4-live-receipt.png", full_page=True)
