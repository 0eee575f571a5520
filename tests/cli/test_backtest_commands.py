"""`stockpool backtest` invoked as a user would (Typer's runner, in-process): no database."""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stockpool.entrypoints.cli import sim_commands
from stockpool.entrypoints.cli.main import app
from stockpool.sim.report import CSV_COLUMNS

runner = CliRunner()
EXAMPLES = resources.files("stockpool.sim").joinpath("examples")
SCENARIO = """name: race
hours: 24
channels:
  - {code: shopify, platform: shopify, demand_share: 1, delay_median_seconds: 0, delay_sigma: 0}
  - {code: walmart, platform: walmart, demand_share: 1, delay_median_seconds: 3600, delay_sigma: 0}
catalog: {skus: 1, demand_per_day: 1, stock: 1}
"""
HISTORY = """time,channel,sku,quantity
2026-03-02T09:00:00Z,Online Store,MUG,2
2026-03-02T09:10:00Z,walmart,MUG,1
2026-03-02T11:30:00Z,Online Store,TEE,2
"""
AMAZON = "purchase-date\tsku\tquantity\n2026-03-02T09:00:00+00:00\tMUG\t1\n"


def files(folder: Path, orders: str = HISTORY, stock: str = "sku,quantity\nMUG,2\nTEE,1\n"):
    (folder / "orders.csv").write_text(orders)
    (folder / "stock.csv").write_text(stock)
    (folder / "race.yaml").write_text(SCENARIO)
    return [
        "backtest",
        str(folder / "orders.csv"),
        "--stock",
        str(folder / "stock.csv"),
        "--scenario",
        str(folder / "race.yaml"),
    ]


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as file:
        return list(csv.DictReader(file))


def test_backtest_prints_the_table_and_writes_the_csv(tmp_path) -> None:
    out = tmp_path / "out.csv"
    args = [*files(tmp_path), "--channel", "Online Store=shopify", "--csv", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "backtest of orders.csv from 2026-03-02 09:00 UTC: 3 order lines" in result.stdout
    found = rows(out)
    assert tuple(found[0]) == CSV_COLUMNS
    assert {(r["strategy"], r["channel"]) for r in found} == {
        (s, c)
        for s in ("mirror", "fixed-buffer", "partition", "stockpool")
        for c in ("shopify", "walmart")
    }
    mirror = {r["channel"]: r for r in found if r["strategy"] == "mirror"}
    assert mirror["shopify"]["oversold_orders"] == "1"  # its cheaper line gave Walmart the mug
    assert mirror["shopify"]["lost_sales"] == "1"  # two tees wanted, one shown


def test_backtest_compares_a_policy_file_and_writes_html(tmp_path) -> None:
    policy = tmp_path / "careful.yaml"
    policy.write_text("walmart: {buffer: 2}\n")
    out, page = tmp_path / "out.csv", tmp_path / "out.html"
    args = [*files(tmp_path), "--channel", "Online Store=shopify", "--strategy", "mirror"]
    args += ["--policy", str(policy), "--csv", str(out), "--html", str(page)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert {r["strategy"] for r in rows(out)} == {"mirror", "policy:careful"}
    by = {r["strategy"]: r for r in rows(out) if r["channel"] == "shopify"}
    assert (by["mirror"]["oversold_orders"], by["policy:careful"]["oversold_orders"]) == ("1", "0")
    assert page.read_text().count("<svg") == 4


def test_the_shipped_example_runs_with_jobs_and_the_same_results(tmp_path, monkeypatch) -> None:
    """Over catalog-500's channels; through the progress bar (every run counts as long)."""
    monkeypatch.setattr(sim_commands, "LONG_RUN", 0)
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"jobs-{jobs}.csv"
        with (
            resources.as_file(EXAMPLES.joinpath("orders.csv")) as orders,
            resources.as_file(EXAMPLES.joinpath("stock.csv")) as stock,
        ):
            args = ["backtest", str(orders), "--stock", str(stock), "--jobs", jobs]
            result = runner.invoke(app, [*args, "--csv", str(out)])
        assert result.exit_code == 0, result.output
        outputs.append(out.read_text())
    assert outputs[0] == outputs[1]
    assert {r["channel"] for r in rows(tmp_path / "jobs-1.csv")} == {"shopify", "amazon", "walmart"}


@pytest.mark.parametrize(
    ("orders", "extra", "message"),
    [
        (HISTORY, [], "orders.csv:2: channel 'Online Store' is not one of the scenario's channels"),
        (HISTORY.replace("09:10:00Z", "soon"), ["--channel", "Online Store=shopify"], ":3: time"),
        ("", [], "orders.csv:1: empty"),
        ("when,sku,quantity\n", [], "orders.csv:1: no column 'time'"),
        (HISTORY, ["--channel", "Online Store=etsy"], "no channel 'etsy'"),
        (HISTORY, ["--columns", "colour=Red"], "--columns: 'colour=Red'"),
        (HISTORY, ["--format", "etsy"], "no format 'etsy'"),
        (AMAZON, ["--format", "amazon"], "every order is on the amazon channel"),
        (HISTORY, ["--channel", "Online Store=shopify", "--strategy", "yolo"], "no strategy"),
    ],
)
def test_bad_input_exits_2_naming_the_line_and_writes_nothing(
    tmp_path, orders: str, extra: list[str], message: str
) -> None:
    out = tmp_path / "out.csv"
    result = runner.invoke(app, [*files(tmp_path, orders), *extra, "--csv", str(out)])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert not out.exists()


def test_a_missing_file_exits_2(tmp_path) -> None:
    args = files(tmp_path)
    args[1] = str(tmp_path / "nowhere.csv")
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "no orders file" in result.stderr and "nowhere.csv" in result.stderr


def test_a_missing_stock_file_exits_2(tmp_path) -> None:
    args = files(tmp_path)
    args[3] = str(tmp_path / "nowhere.csv")
    result = runner.invoke(app, [*args, "--channel", "Online Store=shopify"])
    assert result.exit_code == 2
    assert "no stock file" in result.stderr


def test_a_shopify_export_is_replayed_on_the_shopify_channel(tmp_path) -> None:
    export = (
        "Name,Email,Created at,Lineitem quantity,Lineitem sku\n"
        "#1001,a@example.com,2026-03-02 10:00:00 -0500,1,MUG\n"
        "#1001,,,1,TEE\n"
        "#1002,b@example.com,2026-03-02 10:05:00 -0500,1,\n"
    )
    out = tmp_path / "out.csv"
    args = [*files(tmp_path, export), "--format", "shopify", "--strategy", "mirror"]
    result = runner.invoke(app, [*args, "--csv", str(out)])
    assert result.exit_code == 0, result.output
    assert "Skipped 1 line of" in result.stdout
    shoppers = {r["channel"]: r["shoppers"] for r in rows(out)}
    assert shoppers == {"shopify": "2", "walmart": "0"}
