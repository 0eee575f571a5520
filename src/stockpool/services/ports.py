"""What services are handed: a way to open units of work, and the time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from stockpool.store.uow import UnitOfWork

Clock = Callable[[], datetime]
Progress = Callable[[int], None]  # told how many items of a long operation are done


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, write: bool = True) -> UnitOfWork: ...
