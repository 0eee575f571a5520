"""`stockpool counts ...` invoked as a user would (Typer's runner, in-process)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from stockpool.domain.operations import Receive
from stockpool.entrypoints.cli.main import app

runner = CliRunner()


@pytest.fixture
def cli(container, seeded, monkeypatch, tmp_path):
    """Run `stockpool ...` against the test database; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("STOCKPOOL_DATABASE_URL", container.settings.database_url)
    monkeypatch.chdir(tmp_path)

    def run(*args: str):
        result = runner.invoke(app, list(args))
        return result.exit_code, result.stdout, result.stderr

    return run


def test_open_count_submit_and_approve_as_someone_else(cli, container, seeded):
    tee, dal = seeded.tee, seeded.dallas
    container.stock.execute(Receive(tee, dal, 30), actor="t")
    code, out, _ = cli("counts", "open", "--location", dal, "--sku", tee, "--blind")
    assert code == 0 and "count 1 at DAL-1: open" in out
    code, out, _ = cli("counts", "line", "1", tee, "12", "--as", "bob")
    assert code == 0 and "hidden (blind)" in out
    code, out, _ = cli("counts", "submit", "1", "--as", "bob")
    assert code == 0 and "awaiting_approval" in out and "-18" in out
    assert "unpriced: TEE-M-BLK; over thresholds: units" in " ".join(out.split())
    code, _, err = cli("counts", "approve", "1", "--as", "bob")
    assert code == 1 and "another person approves it" in err
    code, out, _ = cli("counts", "approve", "1", "--as", "carol")
    assert code == 0 and "posted" in out and "approved by cli:carol" in out
    assert container.catalog.stock(tee).locations[dal].on_hand == 12
    code, out, _ = cli("counts", "list", "--status", "posted")
    assert code == 0 and dal in out
    code, out, _ = cli("counts", "show", "1")
    assert code == 0 and "cli:bob" in out
