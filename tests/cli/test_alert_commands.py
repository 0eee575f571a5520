"""`stockpool alerts ...` and `stockpool webhooks ...` invoked as a user would (Typer's runner,
in-process), against the same services as /v1/alerts and /v1/webhooks."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from stockpool.domain.catalog import Location, LocationKind
from stockpool.entrypoints.cli.main import app
from tests.conftest import TEST_SECRET_KEY

runner = CliRunner()


@pytest.fixture
def cli(container, seeded, monkeypatch, tmp_path):
    """Run `stockpool ...` against the test database; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("STOCKPOOL_DATABASE_URL", container.settings.database_url)
    # Subscribers' secrets are sealed with it (on PostgreSQL a key is required): the container's.
    monkeypatch.setenv("STOCKPOOL_SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.chdir(tmp_path)

    def run(*args: str):
        result = runner.invoke(app, list(args))
        return result.exit_code, result.stdout, result.stderr

    return run


def late_snapshot(container, code: str = "3PL-A") -> None:
    """A third-party location that never sent its hourly snapshot: an alert is raised."""
    container.catalog.put_location(
        Location(code, LocationKind.THIRD_PARTY, code, snapshot_max_age_seconds=3600)
    )
    container.alerting.alerts.evaluate()


def test_alerts_list_shows_the_open_alerts(cli, container):
    late_snapshot(container)
    code, out, _ = cli("alerts", "list")
    assert code == 0, out
    assert "snapshot_stale" in out and "location:3PL-A" in out and "snapshot is overdue" in out
    code, out, _ = cli("alerts", "list", "--status", "resolved")
    assert code == 0 and "3PL-A" not in out
    code, out, _ = cli("alerts", "list", "--status", "all", "--kind", "snapshot_stale")
    assert code == 0 and "3PL-A" in out
    code, out, _ = cli("alerts", "list", "--kind", "qc_backlog")
    assert code == 0 and "3PL-A" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("alerts", "list", "--kind", "fire"), "fire"),
        (("alerts", "list", "--status", "closed"), "closed"),
        (("alerts", "list", "--limit", "0"), "limit must be from 1 to"),
    ],
)
def test_alerts_list_refuses_bad_options(cli, args, message):
    code, out, err = cli(*args)
    assert code != 0 and message in out + err


def test_webhooks_add_list_and_remove(cli, container):
    code, out, _ = cli(
        "webhooks", "add", "https://example.test/hook", "--kind", "qc_backlog",
        "--kind", "sync_stale", "--description", "ops [pager]",
    )  # fmt: skip
    secret = out.splitlines()[-1]
    assert code == 0 and secret.startswith("whsec_") and " " not in secret
    [added] = container.alerting.webhooks.subscribers()
    assert f"Registered webhook {added.id} for https://example.test/hook" in out
    code, out, _ = cli("webhooks", "list")
    assert code == 0 and "https://example.test/hook" in out
    assert "qc_backlog, sync_stale" in out and "ops [pager]" in out  # text, not Rich markup
    assert secret not in out
    code, out, _ = cli("webhooks", "deliveries", str(added.id))
    assert code == 0 and f"webhook {added.id}" in out
    code, out, _ = cli("webhooks", "remove", str(added.id))
    assert (code, out) == (0, f"Removed webhook {added.id}.\n")
    assert container.alerting.webhooks.subscribers() == []


def test_webhook_deliveries_are_listed(cli, container):
    assert cli("webhooks", "add", "https://example.test/hook")[0] == 0
    [added] = container.alerting.webhooks.subscribers()
    late_snapshot(container)
    code, out, _ = cli("webhooks", "deliveries", str(added.id))
    assert code == 0 and "alert.raised" in out and "pending" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("webhooks", "remove", "999"), "Unknown webhook subscriber 999"),
        (("webhooks", "deliveries", "999"), "Unknown webhook subscriber 999"),
        (("webhooks", "add", "ftp://example.test/hook"), "url must be an http:// or https://"),
        (("webhooks", "add", "https://example.test/h", "--kind", "fire"), "fire"),
        (("webhooks", "add", "https://example.test/h", "--description", "x" * 201), "at most 200"),
    ],
)
def test_webhooks_refuse_bad_input_and_write_nothing(cli, container, args, message):
    code, out, err = cli(*args)
    assert code != 0 and message in out + err
    assert container.alerting.webhooks.subscribers() == []
