"""Sandboxes served on a thread on a free port, for as long as a test needs them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest

from stockpool.channels.sandbox.core import Sandbox
from stockpool.channels.sandbox.serve import running


@pytest.fixture
def serve() -> Iterator[Callable[[Sandbox], str]]:
    """`serve(sandbox)` starts it and returns its base URL; it stops when the test ends."""
    with ExitStack() as stack:
        yield lambda sandbox: stack.enter_context(running(sandbox))
