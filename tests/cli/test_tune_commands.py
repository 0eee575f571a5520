"""`stockpool tune` invoked as a user would (Typer's runner, in-process): the file it writes is
what `stockpool simulate --policy` reads, and each channel's entry is a body the real
PUT /v1/channels/{code}/policy accepts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml  # type: ignore[import-untyped]
from typer.testing import CliRunner

from stockpool.entrypoints.cli.main import app
from tests.api.conftest import Api, make_api
from tests.conftest import FakeClock, make_container, seed, sqlite_copy

runner = CliRunner()

TINY = {
    "name": "tiny",
    "hours": 12,
    "channels": [
        {"code": "shopify", "platform": "shopify", "demand_share": 2, "delay_median_seconds": 20},
        {"code": "amazon", "platform": "amazon", "demand_share": 2, "delay_median_seconds": 600},
        {"code": "walmart", "platform": "walmart", "demand_share": 1, "delay_median_seconds": 900},
    ],
    "catalog": {"skus": 2, "demand_per_day": 96, "stock": 15, "quantity_weights": [0.8, 0.2]},
}
STUCK = {
    "name": "stuck",
    "hours": 48,
    "channels": [
        {"code": "amazon", "platform": "amazon", "demand_share": 1},
        {"code": "walmart", "platform": "walmart", "demand_share": 1},
    ],
    "catalog": {"skus": 1, "demand_per_day": 24, "stock": 30},
    "shrinkage": {"units_per_sku_per_day": 10, "count_every_hours": 1000},
}


def scenario_file(directory: Path, data: dict[str, object]) -> Path:
    path = directory / f"{data['name']}.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.fixture
def api(tmp_path: Path, sqlite_template: Path) -> Iterator[Api]:
    """The real app on a seeded SQLite database (channels shopify, amazon, walmart)."""
    container = make_container(sqlite_copy(sqlite_template, tmp_path), FakeClock())
    seed(container)
    built = make_api(container)
    with built.client:
        yield built
    container.close()


def test_tune_writes_a_policy_the_api_and_simulate_accept(tmp_path: Path, api: Api) -> None:
    tiny = scenario_file(tmp_path, TINY)
    out = tmp_path / "tuned.json"
    result = runner.invoke(
        app,
        [
            "tune",
            str(tiny),
            "--seeds",
            "2",
            "--passes",
            "1",
            "--check-seeds",
            "1",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    for said in (
        "epsilon",
        "fixed buffer",
        "seeds 1-2",
        "runs (",
        "shipped default",
        "On seed 3, not searched",
        "Wrote",
    ):
        assert said in result.stdout, said
    assert "shopify has no cancellation target" in result.stdout
    written = json.loads(out.read_text())
    assert set(written) == {"shopify", "amazon", "walmart"}
    for code, body in written.items():
        response = api.client.put(f"/v1/channels/{code}/policy", json=body, headers=api.admin)
        assert response.status_code == 200, response.text
        stored = api.get(f"/v1/channels/{code}/policy").json()
        assert {k: v for k, v in stored.items() if k in body} == body
        unset = set(stored) - set(body) - {"channel", "sku", "cancellation_cost"}
        assert all(stored[k] is None for k in unset)  # PUT replaced the whole policy
    simulated = runner.invoke(
        app, ["simulate", str(tiny), "--strategy", "stockpool", "--policy", str(out)]
    )
    assert simulated.exit_code == 0, simulated.output
    assert "policy:tuned" in simulated.stdout


def test_tune_is_the_same_for_the_same_seeds(tmp_path: Path) -> None:
    tiny = scenario_file(tmp_path, TINY)
    files = [tmp_path / "one.json", tmp_path / "two.json"]
    for out, jobs in zip(files, ("1", "2"), strict=True):
        result = runner.invoke(
            app,
            [
                "tune",
                str(tiny),
                "--seeds",
                "2",
                "--max-runs",
                "40",
                "--check-seeds",
                "0",
                "--out",
                str(out),
                "--jobs",
                jobs,
            ],
        )
        assert result.exit_code == 0, result.output
        assert "stopped at --max-runs" in result.stdout
    assert files[0].read_text() == files[1].read_text()


def test_no_policy_under_every_target_exits_1_and_writes_nothing(tmp_path: Path) -> None:
    stuck = scenario_file(tmp_path, STUCK)
    out = tmp_path / "stuck.json"
    result = runner.invoke(app, ["tune", str(stuck), "--seeds", "2", "--out", str(out)])
    assert result.exit_code == 1
    assert "no policy searched keeps every channel under its cancellation target" in result.stderr
    assert "walmart" in result.stderr and "nothing written" in result.stderr
    assert not out.exists()


def test_bad_options_exit_2(tmp_path: Path) -> None:
    tiny = scenario_file(tmp_path, TINY)
    for options, said in (
        (["--target", "amazon"], "CHANNEL=RATE"),
        (["--target", "ebay=1%"], "no channel ebay"),
        (["--confidence", "1.5"], "--confidence"),
        (["--out", str(tmp_path / "nowhere" / "p.json")], "no folder"),
    ):
        result = runner.invoke(app, ["tune", str(tiny), "--seeds", "1", *options])
        assert result.exit_code == 2, result.output
        assert said in result.stderr
    result = runner.invoke(app, ["tune", "no-such-scenario"])
    assert result.exit_code == 2
    assert "no scenario" in result.stderr
