"""The unit of work refuses to be misused with a named error, not an assert `python -O` drops."""

from __future__ import annotations

from pathlib import Path

import pytest

from stockpool.domain.errors import InvariantBroken
from stockpool.store.engine import make_engine
from stockpool.store.uow import UnitOfWork


def test_commit_outside_with_is_a_broken_invariant(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'stockpool.db'}")
    try:
        with pytest.raises(InvariantBroken, match="outside of 'with uow:'"):
            UnitOfWork(engine).commit()
    finally:
        engine.dispose()
