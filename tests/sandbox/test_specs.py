"""The platforms' models are looked for where the README says: ../shared/specs beside the
checkout, or wherever STOCKPOOL_SPECS_DIR points."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.sandbox.specs import specs_root


def test_the_specs_are_beside_the_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STOCKPOOL_SPECS_DIR", raising=False)
    top = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"],
        cwd=Path(__file__).parent,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if not top:
        pytest.skip("not a git checkout: nothing to compare the checkout's folder with")
    assert specs_root() == Path(top).resolve().parent / "shared" / "specs"


def test_stockpool_specs_dir_points_elsewhere(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("STOCKPOOL_SPECS_DIR", str(tmp_path))
    assert specs_root() == tmp_path
