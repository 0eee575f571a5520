"""Count sessions without a database: the lines' rules, the states, and the variance posted
exactly while stock moves during the count."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stockpool.domain.balance import EMPTY, Balance, apply_into
from stockpool.domain.count_sessions import (
    ApprovalThresholds,
    CountSession,
    CountStatus,
    LineCounted,
    NewCount,
    SessionLine,
    counted_line,
)
from stockpool.domain.counts import CountVariance, PostVariances
from stockpool.domain.errors import Conflict, InvalidRequest
from stockpool.domain.movements import Movement, Reason
from stockpool.domain.states import State

A, B, L = "TEE-M", "MUG-12", "DAL-1"
AT = datetime(2026, 12, 7, 9, tzinfo=UTC)


def session(*lines, status=CountStatus.OPEN, threshold=5, blind=False, **fields):
    lines = lines or (SessionLine(A), SessionLine(B))
    return CountSession(1, L, blind, threshold, status, tuple(lines), "api:alice", AT, **fields)


def counted(sku, count, expected, unit_cost=None):
    return SessionLine(sku, count, expected, "api:bob", AT, unit_cost)


def test_opening_needs_skus_named_once():
    with pytest.raises(InvalidRequest, match="at least one SKU"):
        NewCount(L, ())
    with pytest.raises(InvalidRequest, match="once"):
        NewCount(L, (A, A))


def test_lines_only_for_the_counts_skus_and_only_while_open():
    with pytest.raises(InvalidRequest, match="does not count SOCK"):
        session().check_lines([LineCounted("SOCK", 1)])
    with pytest.raises(Conflict, match="posted: adding lines needs an open count"):
        session(status=CountStatus.POSTED).check_lines([LineCounted(A, 1)])
    with pytest.raises(InvalidRequest, match="0 or more"):
        LineCounted(A, -1)


def test_submitting_needs_every_sku_counted_then_posts_or_waits_by_threshold():
    with pytest.raises(Conflict, match=f"{B} not counted yet"):
        session(counted(A, 3, 3), SessionLine(B)).after_submit()
    small = session(counted(A, 3, 8), counted(B, 9, 4))
    assert small.after_submit() == CountStatus.POSTED  # |-5| and |+5| are not above 5
    large = session(counted(A, 2, 8), counted(B, 9, 4))
    assert large.after_submit() == CountStatus.AWAITING_APPROVAL


def test_the_variance_value_waits_for_approval_above_the_value_threshold():
    lines = (counted(A, 6, 8, Decimal("12.5")), counted(B, 9, 4))  # 2 x 12.50; B unpriced
    at_limit = session(*lines, value_threshold=Decimal(25))
    assert (at_limit.variance_value, at_limit.unpriced) == (Decimal(25), (B,))
    assert at_limit.after_submit() == CountStatus.POSTED  # 25 is not above 25
    over = session(*lines, value_threshold=Decimal("24.99"))
    assert (over.after_submit(), over.over_thresholds) == (
        CountStatus.AWAITING_APPROVAL,
        ("value",),
    )
    assert session(*lines, value_threshold=None).after_submit() == CountStatus.POSTED  # no limit
    both = session(counted(A, 0, 8, Decimal(1)), threshold=5, value_threshold=Decimal(7))
    assert both.over_thresholds == ("units", "value")
    units_only = session(counted(A, 0, 8, Decimal(1)), threshold=5, value_threshold=Decimal(8))
    assert units_only.over_thresholds == ("units",)


def test_approval_by_someone_else_and_only_when_awaiting():
    waiting = session(status=CountStatus.AWAITING_APPROVAL, submitted_by="api:bob")
    for own in ("api:alice", "api:bob"):
        with pytest.raises(Conflict, match="another person approves it"):
            waiting.check_approval(own)
    waiting.check_approval("api:carol")
    with pytest.raises(Conflict, match="not awaiting approval"):
        session().check_approval("api:carol")


def test_a_blind_count_hides_expected_until_submitted():
    assert not session(blind=True).shows_expected
    assert session(blind=True, status=CountStatus.AWAITING_APPROVAL).shows_expected
    assert session().shows_expected


def test_thresholds_per_location():
    thresholds = ApprovalThresholds(10, (("FBA-US", 2),))
    assert thresholds.at("FBA-US") == 2 and thresholds.at(L) == 10
    assert thresholds.value_at(L) is None  # no value limit unless one is set
    valued = ApprovalThresholds(value=Decimal(500), value_by_location=(("FBA-US", None),))
    assert valued.value_at(L) == Decimal(500) and valued.value_at("FBA-US") is None


@pytest.mark.parametrize(
    "wrong", [Decimal(-1), Decimal("0.00001"), Decimal("NaN"), Decimal("1e13")]
)
def test_a_value_threshold_is_money(wrong):
    with pytest.raises(InvalidRequest, match="count approval value"):
        ApprovalThresholds(value=wrong)


def test_posting_a_shortfall_takes_the_least_promised_units_first():
    current = {(A, L): Balance(available=1, committed=4)}
    plan = PostVariances(L, (CountVariance(A, -3),), "count 1").plan(current)
    taken = {m.from_state: m.quantity for m in plan.movements}
    assert taken == {State.AVAILABLE: 1, State.COMMITTED: 2}
    assert plan.counts[0].variance == -3


# A step: stock moving (received, committed to an order, shipped) or a counter's line.
steps = st.lists(
    st.tuples(
        st.sampled_from(["receive", "commit", "ship", "count"]),
        st.sampled_from([A, B]),
        st.integers(0, 6),
    ),
    max_size=30,
)


def _movement(kind, sku, units, ledger):
    """What a step moves, limited to what the ledger holds (None: nothing to move)."""
    balance = ledger.get((sku, L), EMPTY)
    if kind == "receive":
        return Movement(sku, L, units, None, State.AVAILABLE, Reason.RECEIVED) if units else None
    source = State.AVAILABLE if kind == "commit" else State.COMMITTED
    units = min(units, balance[source])
    target = State.COMMITTED if kind == "commit" else None
    reason = Reason.ORDER_COMMITTED if kind == "commit" else Reason.SHIPPED
    return Movement(sku, L, units, source, target, reason) if units else None


@given(
    ledger_on_hand=st.integers(0, 8),
    physical_on_hand=st.integers(0, 8),
    program=steps,
)
def test_the_variance_posted_is_exact_while_stock_moves_during_the_count(
    ledger_on_hand, physical_on_hand, program
):
    """Lines interleave with receipts, commitments and shipments: after posting, on hand is
    what each SKU's latest line counted plus what moved after that line."""
    start = Balance(available=ledger_on_hand)
    ledger = {(A, L): start, (B, L): start}
    physical = {A: physical_on_hand, B: physical_on_hand}  # what a counter would find
    lines: dict[str, SessionLine] = {}
    moved_since_line = {A: 0, B: 0}
    for kind, sku, units in program:
        if kind == "count":
            expected = ledger[(sku, L)].on_hand
            lines[sku] = counted_line(LineCounted(sku, physical[sku]), expected, "api:bob", AT)
            moved_since_line[sku] = 0
            continue
        movement = _movement(kind, sku, units, ledger)
        if movement is None or (movement.to_state is None and physical[sku] < movement.quantity):
            continue  # nobody ships units that are not on the shelf
        apply_into(ledger, [movement])
        change = sum(movement.deltas().values())  # 0 for a commitment: still on the shelf
        physical[sku] += change
        moved_since_line[sku] += change
    if not lines:
        return
    posting = session(*lines.values(), status=CountStatus.POSTED).posting()
    apply_into(ledger, list(posting.plan(ledger).movements))
    for sku, line in lines.items():
        assert ledger[(sku, L)].on_hand == line.counted + moved_since_line[sku] == physical[sku]
