"""Group commit: callers that arrive together share one transaction, and each still gets its own
answer only after that transaction committed.

The first caller to find nobody flushing becomes the leader: it takes every waiting request (up
to a batch's limit, all from one actor), runs them as one batch, hands each caller its result,
and steps down. Callers that arrive meanwhile wait for the next leader - one of themselves. With
one caller at a time, every batch is that caller alone: no timer, no added latency.

When a batch is done, its callers come back with their next items one by one; the first to come
would lead a batch of one while the rest queue for the one after (batches of 1 and 16 in turn,
measured with 16 callers). So a leader first waits, up to GATHER_SECONDS, for as many callers
as the last batch held to arrive: the concurrency just seen, never more than a batch's limit.
After a batch of one, it waits for no one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from time import monotonic
from typing import Generic, TypeVar

GATHER_SECONDS = 0.002  # the longest a leader waits for the callers of the last batch to return

Item = TypeVar("Item")
Result = TypeVar("Result")

# Runs one batch (items, all from one actor) and returns a result or an exception per item. If it
# raises instead, every caller in the batch is retried alone, so one bad item cannot fail others.
Flush = Callable[[Sequence[Item], str], Sequence["Result | BaseException"]]


@dataclass(slots=True)
class _Slot(Generic[Item, Result]):
    item: Item
    actor: str
    done: bool = False
    result: Result | BaseException | None = None
    ready: threading.Event = field(default_factory=threading.Event)


class GroupCommit(Generic[Item, Result]):
    def __init__(
        self,
        flush: Flush[Item, Result],
        *,
        max_batch: int,
        gather_seconds: float = GATHER_SECONDS,
    ) -> None:
        self._flush = flush
        self._max_batch = max_batch
        self._gather_seconds = gather_seconds
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)  # notified as each item is queued
        self._waiting: list[_Slot[Item, Result]] = []
        self._leading = False
        self._last_batch = 1

    def submit(self, item: Item, actor: str) -> Result:
        """Run item in the next batch; its result once that batch committed (or its error)."""
        slot: _Slot[Item, Result] = _Slot(item, actor)
        with self._lock:
            self._waiting.append(slot)
            self._arrived.notify_all()
        while True:
            with self._lock:
                if slot.done:
                    break
                lead = not self._leading
                if lead:
                    self._leading = True
                    self._gather()
                    batch = self._take()
                    self._last_batch = max(len(batch), 1)
                else:
                    slot.ready.clear()
            if not lead:
                slot.ready.wait(timeout=0.05)  # woken when done, or to try to lead
                continue
            try:
                self._run(batch)
            finally:
                with self._lock:
                    self._leading = False
                    if self._waiting:  # wake one waiter to lead the next batch
                        self._waiting[0].ready.set()
        if isinstance(slot.result, BaseException):
            raise slot.result
        return slot.result  # type: ignore[return-value]

    def _gather(self) -> None:
        """Wait (the lock held by the caller, released while waiting) until as many items as
        the last batch held are queued, or gather_seconds have passed."""
        wanted = min(self._last_batch, self._max_batch)
        deadline = monotonic() + self._gather_seconds
        while len(self._waiting) < wanted and (left := deadline - monotonic()) > 0:
            self._arrived.wait(left)

    def _take(self) -> list[_Slot[Item, Result]]:
        if not self._waiting:
            return []
        actor = self._waiting[0].actor
        batch = [s for s in self._waiting if s.actor == actor][: self._max_batch]
        taken = {id(s) for s in batch}
        self._waiting = [s for s in self._waiting if id(s) not in taken]
        return batch

    def _run(self, batch: list[_Slot[Item, Result]]) -> None:
        if not batch:
            return
        try:
            results: list[Result | BaseException] = list(
                self._flush([s.item for s in batch], batch[0].actor)
            )
        except BaseException as error:
            if not isinstance(error, Exception):  # KeyboardInterrupt, SystemExit: stop them all
                self._finish(batch, [error] * len(batch))
                raise
            if len(batch) == 1:
                results = [error]
            else:
                results = []
                for slot in batch:  # alone, so one bad item fails only its own caller
                    try:
                        results.extend(self._flush([slot.item], slot.actor))
                    except Exception as alone:
                        results.append(alone)
        self._finish(batch, results)

    def _finish(
        self, batch: list[_Slot[Item, Result]], results: Sequence[Result | BaseException]
    ) -> None:
        with self._lock:
            for slot, result in zip(batch, results, strict=True):
                slot.result = result
                slot.done = True
                slot.ready.set()
