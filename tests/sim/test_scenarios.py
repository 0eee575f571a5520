"""Scenarios and policy files: the shipped ones load, and a bad one is refused with the field
named."""

from __future__ import annotations

import pytest

from stockpool.sim.scenario import LabError, load_scenario, parse_scenario, shipped_scenarios
from stockpool.sim.strategies import parse_policies


def test_the_shipped_scenarios_load() -> None:
    assert set(shipped_scenarios()) == {
        "article-race",
        "flash-sale",
        "catalog-500",
        "apparel-returns",
    }
    for name in shipped_scenarios():
        assert load_scenario(name).name == name


@pytest.mark.parametrize(
    ("text", "named"),
    [
        (
            "name: x\nhours: -1\nchannels: []\ncatalog: {skus: 1, demand_per_day: 1, stock: 1}",
            "hours",
        ),
        (
            "name: x\nhours: 1\nchannels: [{code: a, platform: ebay, demand_share: 1}]\n"
            "catalog: {skus: 1, demand_per_day: 1, stock: 1}",
            "channels.0.platform",
        ),
        (
            "name: x\nhours: 1\nchannels: [{code: a, platform: amazon, demand_share: 1}]\n"
            "catalog: {skus: 1, demand_per_day: 1}",
            "catalog",
        ),
        ("name: [unclosed", "not valid YAML"),
    ],
)
def test_a_bad_scenario_names_the_field(text: str, named: str) -> None:
    with pytest.raises(LabError, match=named.replace(".", r"\.")):
        parse_scenario(text, "bad.yaml")


def test_a_missing_scenario_lists_the_shipped_ones(tmp_path) -> None:
    with pytest.raises(LabError, match="article-race"):
        load_scenario(str(tmp_path / "none.yaml"))


def test_a_policy_file_is_checked_by_the_production_policy() -> None:
    race = load_scenario("article-race")
    assert parse_policies({"amazon": {"buffer": 2}}, race, "p.yaml")["amazon"].buffer == 2
    with pytest.raises(LabError, match="buffer must be a whole number"):
        parse_policies({"amazon": {"buffer": -1}}, race, "p.yaml")
    with pytest.raises(LabError, match="unknown field"):
        parse_policies({"amazon": {"bufer": 1}}, race, "p.yaml")
    with pytest.raises(LabError, match="no channel 'ebay'"):
        parse_policies({"ebay": {}}, race, "p.yaml")
