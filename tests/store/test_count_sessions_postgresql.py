"""Count sessions with real threads on PostgreSQL: lines sent while receipts and picks commit,
and lines racing a submission."""

from __future__ import annotations

from collections import Counter

import pytest

from stockpool.domain.count_sessions import CountStatus, LineCounted, NewCount
from stockpool.domain.movements import Reason
from stockpool.domain.operations import Adjust, Receive
from tests.store.test_concurrency_postgresql import race

pytestmark = pytest.mark.postgresql

THREADS = 12


def test_lines_sent_while_stock_moves_post_each_movement_exactly_once(pg):
    """Half the threads receive or pick one unit, half send the count's line: whatever order
    they commit in, each line's expected is a state the ledger passed through, and after posting
    on hand is the latest line's count plus what moved after it."""
    container, names = pg
    tee, dal = names.tee, names.dallas
    container.stock.execute(Receive(tee, dal, 100), actor="t")
    count_id = container.counts.open(NewCount(dal, (tee,)), actor="alice").count.id
    moves = [1 if i % 4 == 0 else -1 for i in range(THREADS // 2)]  # net -1 per 4 moves

    def attempt(i: int) -> object:
        if i % 2:
            return container.counts.add_lines(count_id, [LineCounted(tee, 50)], actor=f"c{i}")
        units = moves[i // 2]
        movement = Receive(tee, dal, 1) if units > 0 else Adjust(tee, dal, -1, Reason.SHRINKAGE)
        return container.stock.execute(movement, actor=f"mover-{i}")

    results = race(THREADS, attempt)
    assert not [r for r in results if isinstance(r, Exception)]
    before_posting = container.catalog.stock(tee).locations[dal].on_hand
    assert before_posting == 100 + sum(moves)
    [line] = container.counts.get(count_id).lines
    assert (
        100 + sum(m for m in moves if m < 0)
        <= line.expected
        <= 100 + sum(m for m in moves if m > 0)
    )
    moved_after_line = before_posting - line.expected
    done = container.counts.submit(count_id, actor="bob")
    assert done.count.status == CountStatus.AWAITING_APPROVAL  # |variance| about 50
    container.counts.approve(count_id, actor="carol")
    assert container.catalog.stock(tee).locations[dal].on_hand == 50 + moved_after_line
    assert container.ledger.check() == []


def test_a_line_racing_the_submission_is_in_the_posting_or_refused(pg):
    """The count's row lock orders them: a line before the submission is posted, one after is
    refused, none is lost in between."""
    container, names = pg
    tee, dal = names.tee, names.dallas
    container.stock.execute(Receive(tee, dal, 10), actor="t")
    count_id = container.counts.open(NewCount(dal, (tee,)), actor="alice").count.id
    container.counts.add_lines(count_id, [LineCounted(tee, 10)], actor="bob")

    def attempt(i: int) -> object:
        if i == 0:
            return container.counts.submit(count_id, actor="bob")
        return container.counts.add_lines(count_id, [LineCounted(tee, i)], actor=f"c{i}")

    results = race(THREADS, attempt)
    outcomes = Counter(type(r).__name__ for r in results)
    assert outcomes["CountWrite"] + outcomes["Conflict"] == THREADS, results
    count = container.counts.get(count_id)
    [line] = count.lines  # the latest line before the submission, all of them small variances
    assert count.status == CountStatus.POSTED
    assert container.catalog.stock(tee).locations[dal].on_hand == line.counted
    assert container.ledger.check() == []
