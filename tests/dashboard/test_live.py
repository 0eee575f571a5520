"""The live stream on its own: what it sends when stock moves, and that it ends when the
browser goes away or the key is revoked."""

from __future__ import annotations

from collections.abc import Callable

import anyio
import pytest

from stockpool.domain.access import Role
from stockpool.entrypoints.dashboard import live
from tests.dashboard.conftest import TEE, Dashboard, receipt


class Browser:
    """Stands for the request: connected for `checks` calls of is_disconnected."""

    def __init__(self, checks: int) -> None:
        self.checks = checks

    async def is_disconnected(self) -> bool:
        self.checks -= 1
        return self.checks < 0


def read_stream(
    dashboard: Dashboard,
    checks: int,
    role: Role,
    between: Callable[[], None] | None = None,
    resume: int | None = None,
) -> list[str]:
    async def collect() -> list[str]:
        sent = []
        key_id = dashboard.key_ids[role]
        stream = live.changes(Browser(checks), dashboard.container, key_id, resume)
        async for chunk in stream:
            sent.append(chunk)
            if between is not None and len(sent) == 1:
                between()
        return sent

    return anyio.run(collect)


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live, "CHECK_SECONDS", 0.01)


def test_a_movement_is_sent_as_stock_and_as_its_skus_event(dashboard: Dashboard):
    dashboard.api("POST", "/v1/stock/receipts", json=receipt(1))  # before: not sent

    def receive() -> None:
        assert dashboard.api("POST", "/v1/stock/receipts", json=receipt(2)).status_code == 201

    sent = read_stream(dashboard, 3, Role.VIEWER, between=receive)
    assert sent == [
        "retry: 1000\nid: 1\n\n",
        f'event: stock\ndata: ["{TEE}"]\n\nevent: sku-{TEE}\ndata: "{TEE}"\nid: 2\n\n',
    ]


def test_a_reconnecting_browser_hears_what_moved_while_it_was_away(dashboard: Dashboard):
    dashboard.api("POST", "/v1/stock/receipts", json=receipt(1))
    dashboard.api("POST", "/v1/stock/receipts", json=receipt(1, "MUG-12OZ"))
    sent = read_stream(dashboard, 1, Role.VIEWER, resume=1)
    assert sent[0] == "retry: 1000\nid: 1\n\n"
    assert sent[1].startswith('event: stock\ndata: ["MUG-12OZ"]\n')
    assert sent[1].endswith("id: 2\n\n")
    from_the_future = read_stream(dashboard, 0, Role.VIEWER, resume=99)
    assert from_the_future == ["retry: 1000\nid: 2\n\n"]


def test_the_stream_ends_when_the_browser_goes_away(dashboard: Dashboard):
    assert read_stream(dashboard, 2, Role.VIEWER) == ["retry: 1000\nid: 0\n\n"]


def test_the_stream_ends_when_the_key_is_revoked(dashboard: Dashboard):
    def revoke() -> None:
        dashboard.container.keys.revoke(dashboard.key_ids[Role.VIEWER])

    assert read_stream(dashboard, 1000, Role.VIEWER, between=revoke) == ["retry: 1000\nid: 0\n\n"]
