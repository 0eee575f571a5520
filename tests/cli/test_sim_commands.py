"""`stockpool simulate` invoked as a user would (Typer's runner, in-process): no database."""

from __future__ import annotations

import csv

from typer.testing import CliRunner

from stockpool.entrypoints.cli import sim_commands
from stockpool.entrypoints.cli.main import app

runner = CliRunner()
REQUIRED = {
    "strategy",
    "channel",
    "orders",
    "oversold_orders",
    "oversold_units",
    "cancellations",
    "lost_sales",
    "fill_rate",
}


def test_simulate_prints_the_table_and_writes_the_csv(tmp_path) -> None:
    out = tmp_path / "race.csv"
    result = runner.invoke(app, ["simulate", "article-race", "--seed", "1", "--csv", str(out)])
    assert result.exit_code == 0, result.output
    assert "article-race, seed 1" in result.stdout
    with out.open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert set(rows[0]) >= REQUIRED
    assert {(r["strategy"], r["channel"]) for r in rows} == {
        (s, c)
        for s in ("mirror", "fixed-buffer", "partition", "stockpool")
        for c in ("shopify", "amazon", "walmart")
    }
    mirror = sum(int(r["oversold_orders"]) for r in rows if r["strategy"] == "mirror")
    stockpool = sum(int(r["oversold_orders"]) for r in rows if r["strategy"] == "stockpool")
    assert mirror > 0 and stockpool == 0


def test_simulate_compares_a_policy_file(tmp_path) -> None:
    policy = tmp_path / "careful.yaml"
    policy.write_text("amazon: {buffer: 3}\nwalmart: {share_percent: 20, floor: 2}\n")
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app,
        [
            "simulate",
            "article-race",
            "--strategy",
            "mirror",
            "--policy",
            str(policy),
            "--csv",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    with out.open(newline="") as file:
        assert {r["strategy"] for r in csv.DictReader(file)} == {"mirror", "policy:careful"}


def test_a_bad_scenario_or_policy_file_exits_2(tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: x\nhours: 0\nchannels: []\ncatalog: {skus: 1, demand_per_day: 1, stock: 1}\n"
    )
    result = runner.invoke(app, ["simulate", str(bad)])
    assert result.exit_code == 2
    assert "hours" in result.stderr
    policy = tmp_path / "policy.yaml"
    policy.write_text("amazon: {epsilon: 2}\n")
    result = runner.invoke(app, ["simulate", "article-race", "--policy", str(policy)])
    assert result.exit_code == 2
    assert "epsilon" in result.stderr
    result = runner.invoke(app, ["simulate", "article-race", "--strategy", "yolo"])
    assert result.exit_code == 2
    assert "no strategy 'yolo'" in result.stderr


def test_jobs_run_strategies_in_processes_with_the_same_results(tmp_path, monkeypatch) -> None:
    """Also through the progress bar (every run counts as long here)."""
    monkeypatch.setattr(sim_commands, "LONG_RUN", 0)
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    for jobs, out in (("1", one), ("2", two)):
        result = runner.invoke(
            app, ["simulate", "flash-sale", "--seed", "3", "--jobs", jobs, "--csv", str(out)]
        )
        assert result.exit_code == 0, result.output
    assert one.read_text() == two.read_text()


def test_simulate_writes_a_self_contained_html_report(tmp_path) -> None:
    out = tmp_path / "race.html"
    result = runner.invoke(app, ["simulate", "article-race", "--html", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text()
    assert page.count("<svg") == 4
    assert "<script" not in page and "src=" not in page
    for name in ("mirror", "fixed-buffer", "partition", "stockpool", "oversold_orders"):
        assert name in page
