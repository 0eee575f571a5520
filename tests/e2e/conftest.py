"""The e2e fixture: every process a test starts is killed when it ends, pass or fail."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.processes import Processes, started


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    yield from started(tmp_path)
