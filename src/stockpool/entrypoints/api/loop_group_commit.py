"""Group commit for requests on the event loop: each request waits for its batch on the loop,
holding no thread, and one batch at a time runs its transaction in a worker thread.

Requests that arrive while a batch commits form the next batch, so batches grow with the load
and a lone request waits for no one (no timer). A batch holds one actor's items, as
services/group_commit.py's does (what one key sends is recorded as that key's). If a whole batch
fails, each of its items is tried again alone, so one bad item fails only its own request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from anyio import to_thread

from stockpool.services.group_commit import Flush

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass(frozen=True, slots=True)
class _Waiting(Generic[Item]):
    item: Item
    actor: str
    answer: asyncio.Future[Any]


class LoopGroupCommit(Generic[Item, Result]):
    def __init__(self, flush: Flush[Item, Result], *, max_batch: int) -> None:
        self._flush = flush
        self._max_batch = max_batch
        self._waiting: list[_Waiting[Item]] = []
        self._draining: asyncio.Task[None] | None = None

    async def submit(self, item: Item, actor: str) -> Result:
        """Run item in the next batch; its result once that batch committed (or its error)."""
        answer: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(item, actor, answer))
        if self._draining is None:
            self._draining = asyncio.create_task(self._drain())
        # shield: a request whose client went away stops waiting; its item is still decided.
        return await asyncio.shield(answer)

    async def _drain(self) -> None:
        batch: list[_Waiting[Item]] = []
        try:
            while self._waiting:
                batch = self._take()
                items = [w.item for w in batch]
                results = await to_thread.run_sync(self._run, items, batch[0].actor)
                for waiting, result in zip(batch, results, strict=True):
                    if isinstance(result, BaseException):
                        waiting.answer.set_exception(result)
                    else:
                        waiting.answer.set_result(result)
                batch = []
        finally:  # cancelled (the loop is closing): nobody is left waiting for ever
            for waiting in (*batch, *self._waiting):
                waiting.answer.cancel()
            self._waiting.clear()
            self._draining = None

    def _take(self) -> list[_Waiting[Item]]:
        actor = self._waiting[0].actor
        batch = [w for w in self._waiting if w.actor == actor][: self._max_batch]
        taken = {id(w) for w in batch}
        self._waiting = [w for w in self._waiting if id(w) not in taken]
        return batch

    def _run(self, items: Sequence[Item], actor: str) -> list[Result | BaseException]:
        """The batch's results, in a worker thread; each item alone if the batch failed."""
        try:
            return list(self._flush(items, actor))
        except Exception as error:
            if len(items) == 1:
                return [error]
        results: list[Result | BaseException] = []
        for item in items:
            try:
                results.extend(self._flush([item], actor))
            except Exception as alone:
                results.append(alone)
        return results
