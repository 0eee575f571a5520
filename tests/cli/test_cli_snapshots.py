"""`stockpool import snapshot`: a 3PL's CSV applied as a snapshot, once."""

import pytest
from typer.testing import CliRunner

from stockpool.domain.balance import Balance
from stockpool.entrypoints.cli.main import app
from tests.cli.test_cli import stock_at, write

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


def test_import_snapshot_posts_the_difference_once_and_refuses_an_older_one(
    cli, container, seeded, tmp_path
):
    tee, mug, fba = seeded.tee, seeded.mug, seeded.fba
    snapshot = write(tmp_path, "fba.csv", f"sku,on_hand,damaged\n{tee},5,1\n{mug},2,\n")
    args = ("import", "snapshot", fba, snapshot, "--as-of", "2026-11-28T08:00:00Z")
    code, out, _ = cli(*args, "--reference", "FBA-0601")
    assert (
        code == 0 and "2 rows, 3 ledger movements" in out and f"{tee}: ledger 0, reported 5" in out
    )
    assert stock_at(container, tee, fba) == Balance(available=4, damaged=1)
    assert stock_at(container, mug, fba) == Balance(available=2)

    code, out, _ = cli(*args, "--reference", "FBA-0601")
    assert code == 0 and "applied before; nothing changed" in out

    older = ("import", "snapshot", fba, snapshot, "--as-of", "2026-11-28T07:00:00+00:00")
    code, _, err = cli(*older, "--reference", "FBA-0531", "--partial")
    assert code == 1 and "older than the last one" in err
    assert stock_at(container, tee, fba) == Balance(available=4, damaged=1)

    ghost = write(tmp_path, "ghost.csv", "sku,on_hand\nGHOST,1\n")
    code, _, err = cli(
        "import", "snapshot", fba, ghost, "--as-of", "2026-11-28T08:30:00Z", "--reference", "G"
    )
    assert code == 1 and "GHOST" in err
