"""The API's group commit: requests wait for their batch on the event loop, one batch at a time
runs in a worker thread, and each request still gets its own answer."""

from __future__ import annotations

import asyncio
import threading

from tests.store.test_group_commit import Recorder

from stockpool.entrypoints.api.loop_group_commit import LoopGroupCommit


def submit_all(committer, items, actor=lambda i: "actor"):
    async def run():
        answers = [committer.submit(i, actor(i)) for i in items]
        return await asyncio.gather(*answers, return_exceptions=True)

    return asyncio.run(run())


def test_requests_arriving_together_share_a_batch_and_each_gets_its_own_answer():
    flush = Recorder(delay=0.01)
    threads = set()

    def recording(items, actor):
        threads.add(threading.get_ident())
        return flush(items, actor)

    results = submit_all(LoopGroupCommit(recording, max_batch=100), range(16))
    assert results == [i * 10 for i in range(16)]
    assert flush.batches == [list(range(16))]  # queued in one turn of the loop: one batch
    assert threading.get_ident() not in threads  # the transaction ran off the loop


def test_requests_arriving_while_a_batch_commits_form_the_next_one():
    flush = Recorder(delay=0.05)
    committer = LoopGroupCommit(flush, max_batch=100)

    async def run():
        first = asyncio.ensure_future(committer.submit(0, "a"))
        await asyncio.sleep(0.01)  # the first batch is committing
        rest = [committer.submit(i, "a") for i in range(1, 9)]
        return await asyncio.gather(first, *rest)

    assert asyncio.run(run()) == [i * 10 for i in range(9)]
    assert flush.batches == [[0], list(range(1, 9))]


def test_one_requests_error_is_its_own_and_batches_never_mix_actors():
    flush = Recorder(delay=0)
    committer = LoopGroupCommit(flush, max_batch=3)
    results = submit_all(committer, [0, 1, -1, 3, 4, 5, 6], actor=lambda i: f"k{abs(i) % 2}")
    assert [str(r) if isinstance(r, Exception) else r for r in results] == [
        0,
        10,
        "bad -1",
        30,
        40,
        50,
        60,
    ]
    assert all(len(batch) <= 3 for batch in flush.batches)
    assert all(len({abs(i) % 2 for i in batch}) == 1 for batch in flush.batches)


def test_a_request_that_stops_waiting_leaves_its_order_decided_and_others_answered():
    flush = Recorder(delay=0.05)
    committer = LoopGroupCommit(flush, max_batch=100)

    async def run():
        gone = asyncio.ensure_future(committer.submit(1, "a"))
        staying = asyncio.ensure_future(committer.submit(2, "a"))
        await asyncio.sleep(0.01)
        gone.cancel()  # its client went away mid-batch
        return await staying

    assert asyncio.run(run()) == 20
    assert flush.batches == [[1, 2]]
