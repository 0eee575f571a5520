"""Sandboxes served on a thread on a free port, for as long as a test needs them."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest

from stockpool.sandbox.core import Sandbox
from stockpool.sandbox.serve import running
from tests.sandbox.specs import specs_root


@pytest.fixture
def serve() -> Iterator[Callable[[Sandbox], str]]:
    """`serve(sandbox)` starts it and returns its base URL; it stops when the test ends."""
    with ExitStack() as stack:
        yield lambda sandbox: stack.enter_context(running(sandbox))


@pytest.fixture(scope="session", autouse=True)
def _specs_in_ci() -> None:
    """Outside CI the contract tests skip without ../shared/specs; in CI that is a failure."""
    specs = specs_root()
    if os.environ.get("CI", "").lower() == "true" and not (specs / "amazon").is_dir():
        pytest.fail(
            f"CI=true but the platforms' specs are not at {specs}: set STOCKPOOL_SPECS_DIR."
        )
