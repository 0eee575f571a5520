"""Each alert kind's decision from plain facts, and raising/resolving without duplicates."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from stockpool.domain.alerts import (
    ChannelSync,
    Facts,
    Kind,
    ShownRisk,
    SkuOutlook,
    SnapshotAge,
    Thresholds,
    Waiting,
    changes,
    current,
)
from stockpool.domain.forecast import forecast
from stockpool.domain.sync_health import Health, SyncState

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
LIMITS = Thresholds(
    stockout_days=7,
    oversell_risk=0.05,
    conflicts_waiting=timedelta(minutes=30),
    returns_overdue=timedelta(hours=48),
)


def kinds(facts: Facts) -> list[tuple[str, str]]:
    return [a.key for a in current(facts, LIMITS, NOW)]


def test_stockout_ahead_within_the_horizon_only():
    soon = SkuOutlook("TEE", forecast(10, 5.0, [], NOW))  # 2 days
    later = SkuOutlook("MUG", forecast(100, 5.0, [], NOW))  # 20 days
    assert kinds(Facts(outlooks=[soon, later])) == [("stockout_ahead", "sku:TEE")]


def test_oversell_risk_above_the_threshold_only():
    risky = ShownRisk("TEE", "amazon", shown=5, risk=0.2, safe=2)
    fine = ShownRisk("MUG", "amazon", shown=5, risk=0.01, safe=5)
    assert kinds(Facts(risks=[risky, fine])) == [("oversell_risk", "sku:TEE/channel:amazon")]


def test_drift_persisting_and_sync_stale_per_channel():
    drifting = ChannelSync("walmart", SyncState(drifting=2), Health("failing", ("drift",)))
    stale = ChannelSync(
        "amazon", SyncState(oldest_waiting_at=NOW - timedelta(hours=1)), Health("stale", ("x",))
    )
    fine = ChannelSync("shopify", SyncState(), Health("ok", ()))
    assert kinds(Facts(channels=[drifting, stale, fine])) == [
        ("drift_persisting", "channel:walmart"),
        ("sync_stale", "channel:amazon"),
    ]


def test_failing_pushes_warn_as_sync_stale():
    failing = ChannelSync(
        "amazon",
        SyncState(failures_in_row=3, last_failure_at=NOW),
        Health("failing", ("pushes failed",)),
    )
    [alert] = current(Facts(channels=[failing]), LIMITS, NOW)
    assert (alert.kind, alert.severity) == (Kind.SYNC_STALE, "warning")


def test_snapshot_stale_past_its_max_age_or_never_taken():
    hour = timedelta(hours=1)
    ages = [
        SnapshotAge("3PL-A", NOW - 2 * hour, hour),
        SnapshotAge("3PL-B", NOW - hour / 2, hour),
        SnapshotAge("3PL-C", None, hour),
    ]
    assert kinds(Facts(snapshots=ages)) == [
        ("snapshot_stale", "location:3PL-A"),
        ("snapshot_stale", "location:3PL-C"),
    ]


def test_qc_backlog_per_location_since_the_oldest_became_overdue():
    oldest = NOW - timedelta(hours=50)
    [alert] = current(Facts(returns=[Waiting(3, 7, oldest, "DAL-1")]), LIMITS, NOW)
    assert alert.key == ("qc_backlog", "location:DAL-1")
    assert alert.since == oldest + LIMITS.returns_overdue
    assert "return 7" in alert.message


def test_conflicts_waiting_only_past_the_threshold():
    young = Waiting(1, 4, NOW - timedelta(minutes=10))
    old = Waiting(2, 3, NOW - timedelta(minutes=31))
    assert kinds(Facts(conflicts=young)) == []
    assert kinds(Facts(conflicts=old)) == [("conflicts_waiting", "conflicts")]


def test_an_open_alert_that_still_holds_is_not_raised_again():
    holding = current(Facts(conflicts=Waiting(2, 3, NOW - timedelta(hours=1))), LIMITS, NOW)
    first = changes([], holding)
    again = changes([a.key for a in first.raised], holding)
    cleared = changes([a.key for a in first.raised], [])
    assert len(first.raised) == 1 and first.resolved == []
    assert again.raised == [] and again.resolved == []
    assert cleared.raised == [] and cleared.resolved == [("conflicts_waiting", "conflicts")]


@given(st.sets(st.integers(0, 9)), st.sets(st.integers(0, 9)))
def test_changes_bring_open_alerts_to_exactly_those_that_hold(open_now, holding_now):
    def alert(n: int):
        return current(
            Facts(snapshots=[SnapshotAge(f"L{n}", None, timedelta(hours=1))]), LIMITS, NOW
        )[0]

    opened = {alert(n).key for n in open_now}
    holding = [alert(n) for n in holding_now]
    diff = changes(opened, holding)
    after = (opened - set(diff.resolved)) | {a.key for a in diff.raised}
    assert after == {a.key for a in holding}
    assert not {a.key for a in diff.raised} & opened


def test_an_open_stockout_holds_until_it_clears_the_horizon_by_a_margin():
    eight_days = SkuOutlook("TEE", forecast(8, 1.0, [], NOW))  # 8 days: past 7, within 7.7
    twelve_days = SkuOutlook("TEE", forecast(12, 1.0, [], NOW))
    key = ("stockout_ahead", "sku:TEE")
    assert kinds(Facts(outlooks=[eight_days])) == []
    assert [a.key for a in current(Facts(outlooks=[eight_days]), LIMITS, NOW, {key})] == []
    seven_and_a_half = SkuOutlook("TEE", forecast(15, 2.0, [], NOW))
    assert kinds(Facts(outlooks=[seven_and_a_half])) == []
    assert [a.key for a in current(Facts(outlooks=[seven_and_a_half]), LIMITS, NOW, {key})] == [key]
    assert current(Facts(outlooks=[twelve_days]), LIMITS, NOW, {key}) == []


def test_an_open_oversell_risk_holds_until_it_clears_the_limit_by_a_margin():
    key = ("oversell_risk", "sku:TEE/channel:amazon")
    near = ShownRisk("TEE", "amazon", shown=5, risk=0.048, safe=4)
    assert kinds(Facts(risks=[near])) == []
    assert [a.key for a in current(Facts(risks=[near]), LIMITS, NOW, {key})] == [key]
    clear = ShownRisk("TEE", "amazon", shown=4, risk=0.01, safe=4)
    assert current(Facts(risks=[clear]), LIMITS, NOW, {key}) == []
