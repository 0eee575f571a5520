"""Which alerts hold now, decided from plain facts a service gathered: stock running out before
its lots arrive, a channel shown more than its risk allows, drift that repairs do not fix, a
channel or a location whose numbers went stale, returns waiting for inspection too long, and
conflicts waiting for a person.

An alert is known by its kind and subject (kind stockout_ahead, subject sku:TEE-M-BLK): while
it holds it stays one alert, raised once and resolved once (see changes)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from stockpool.domain.forecast import Forecast
from stockpool.domain.sync_health import Health, SyncState

Severity = Literal["warning", "critical"]


class Kind(StrEnum):
    STOCKOUT_AHEAD = "stockout_ahead"
    OVERSELL_RISK = "oversell_risk"
    DRIFT_PERSISTING = "drift_persisting"
    SYNC_STALE = "sync_stale"
    SNAPSHOT_STALE = "snapshot_stale"
    QC_BACKLOG = "qc_backlog"
    CONFLICTS_WAITING = "conflicts_waiting"


@dataclass(frozen=True, slots=True)
class Alert:
    """A condition that holds: what it is about, how bad, what to do, and since when."""

    kind: Kind
    subject: str  # sku:X, channel:Y, location:Z, sku:X/channel:Y or conflicts
    severity: Severity
    message: str
    since: datetime
    sku: str | None = None
    channel: str | None = None
    location: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind.value, self.subject)


@dataclass(frozen=True, slots=True)
class Thresholds:
    stockout_days: float  # alert when the stock runs out sooner than this
    oversell_risk: float  # alert when the chance a channel's number oversells is above this
    conflicts_waiting: timedelta  # alert when a proposed conflict waits longer than this
    returns_overdue: timedelta  # alert when a return waits for inspection longer than this


@dataclass(frozen=True, slots=True)
class SkuOutlook:
    sku: str
    forecast: Forecast


@dataclass(frozen=True, slots=True)
class ChannelSync:
    channel: str
    state: SyncState
    health: Health


@dataclass(frozen=True, slots=True)
class SnapshotAge:
    location: str
    taken_at: datetime | None
    max_age: timedelta


@dataclass(frozen=True, slots=True)
class Waiting:
    """Items waiting since oldest_at (returns at a location, or conflicts), the oldest first."""

    count: int
    oldest_id: int
    oldest_at: datetime
    location: str | None = None


@dataclass(frozen=True, slots=True)
class ShownRisk:
    """The chance a channel's number for a SKU oversells, given demand and lag."""

    sku: str
    channel: str
    shown: int
    risk: float
    safe: int  # the most it could show within the risk allowed


@dataclass(frozen=True, slots=True)
class Facts:
    outlooks: Sequence[SkuOutlook] = ()
    channels: Sequence[ChannelSync] = ()
    snapshots: Sequence[SnapshotAge] = ()
    returns: Sequence[Waiting] = ()  # overdue returns, per location
    conflicts: Waiting | None = None  # proposed conflicts waiting too long
    risks: Sequence[ShownRisk] = ()


# An open stockout or oversell alert holds until its measure clears the threshold by this share:
# demand decays between sales, so a SKU near the line would otherwise be resolved and raised
# again sale after sale.
HYSTERESIS = 0.1


def current(
    facts: Facts,
    limits: Thresholds,
    now: datetime,
    open_keys: Collection[tuple[str, str]] = (),
) -> list[Alert]:
    """Every alert that holds now, in a stable order (open_keys: those open already)."""
    found: list[Alert] = []
    found += stockouts(facts.outlooks, limits, now, open_keys)
    found += oversell(facts.risks, limits, now, open_keys)
    found += sync_alerts(facts.channels, now)
    found += stale_snapshots(facts.snapshots, now)
    found += qc_backlog(facts.returns, limits)
    if facts.conflicts is not None:
        found += conflicts_waiting(facts.conflicts, limits, now)
    return sorted(found, key=lambda a: a.key)


def stockouts(
    outlooks: Iterable[SkuOutlook],
    limits: Thresholds,
    now: datetime,
    open_keys: Collection[tuple[str, str]] = (),
) -> list[Alert]:
    horizon = now + timedelta(days=limits.stockout_days)
    held = now + timedelta(days=limits.stockout_days * (1 + HYSTERESIS))
    found: list[Alert] = []
    for outlook in outlooks:
        f = outlook.forecast
        opened = (Kind.STOCKOUT_AHEAD.value, f"sku:{outlook.sku}") in open_keys
        if f.stockout_at is None or f.stockout_at > (held if opened else horizon):
            continue
        days = max((f.stockout_at - now).total_seconds() / 86400, 0.0)
        lots = (
            f"; {f.lots_late} incoming unit(s) arrive too late or have no date"
            if f.lots_late
            else ""
        )
        found.append(
            Alert(
                Kind.STOCKOUT_AHEAD,
                f"sku:{outlook.sku}",
                "critical" if days < limits.stockout_days / 2 else "warning",
                f"SKU {outlook.sku}: {f.sellable} available at {f.units_per_day:.1f} a day runs "
                f"out in {days:.1f} days ({f.stockout_at:%Y-%m-%d %H:%M} UTC){lots}: receive "
                "or expedite stock.",
                now,
                sku=outlook.sku,
            )
        )
    return found


def oversell(
    risks: Iterable[ShownRisk],
    limits: Thresholds,
    now: datetime,
    open_keys: Collection[tuple[str, str]] = (),
) -> list[Alert]:
    held = limits.oversell_risk * (1 - HYSTERESIS)
    return [
        Alert(
            Kind.OVERSELL_RISK,
            f"sku:{r.sku}/channel:{r.channel}",
            "critical" if r.risk >= 2 * limits.oversell_risk else "warning",
            f"SKU {r.sku} on {r.channel}: showing {r.shown} oversells with probability "
            f"{r.risk:.1%} (limit {limits.oversell_risk:.1%}); at most {r.safe} would be "
            "within it: lower the channel's floor or fixed number, or its lag.",
            now,
            sku=r.sku,
            channel=r.channel,
        )
        for r in risks
        if r.risk > limits.oversell_risk
        or (
            r.risk > held
            and (Kind.OVERSELL_RISK.value, f"sku:{r.sku}/channel:{r.channel}") in open_keys
        )
    ]


def sync_alerts(channels: Iterable[ChannelSync], now: datetime) -> list[Alert]:
    found: list[Alert] = []
    for c in channels:
        subject = f"channel:{c.channel}"
        if c.state.drifting:
            found.append(
                Alert(
                    Kind.DRIFT_PERSISTING,
                    subject,
                    "warning",
                    f"Channel {c.channel}: {c.state.drifting} listing(s) keep showing another "
                    "number than pushed, repairs notwithstanding: see the channel's drift and "
                    "check the listings on the platform.",
                    now,
                    channel=c.channel,
                )
            )
        stale = c.health.status == "stale"
        if stale or (c.health.status == "failing" and c.state.failures_in_row):
            found.append(
                Alert(
                    Kind.SYNC_STALE,
                    subject,
                    "critical" if stale else "warning",
                    f"Channel {c.channel} is {c.health.status}: {'; '.join(c.health.reasons)}. "
                    "Check its connection and the platform's status.",
                    c.state.oldest_waiting_at or c.state.last_failure_at or now,
                    channel=c.channel,
                )
            )
    return found


def stale_snapshots(ages: Iterable[SnapshotAge], now: datetime) -> list[Alert]:
    found: list[Alert] = []
    for age in ages:
        due = age.taken_at + age.max_age if age.taken_at else None
        if due is not None and now <= due:
            continue
        last = f"last taken {age.taken_at:%Y-%m-%d %H:%M} UTC" if age.taken_at else "none yet"
        found.append(
            Alert(
                Kind.SNAPSHOT_STALE,
                f"location:{age.location}",
                "warning",
                f"Location {age.location}: its stock snapshot is overdue ({last}; due every "
                f"{int(age.max_age.total_seconds())} s), so part of its stock is held back: "
                "check the feed that sends it.",
                due or now,
                location=age.location,
            )
        )
    return found


def qc_backlog(waiting: Iterable[Waiting], limits: Thresholds) -> list[Alert]:
    hours = limits.returns_overdue.total_seconds() / 3600
    return [
        Alert(
            Kind.QC_BACKLOG,
            f"location:{w.location}",
            "warning",
            f"Location {w.location}: {w.count} return(s) have waited for inspection longer "
            f"than {hours:g} h (oldest: return {w.oldest_id}): inspect them to make the units "
            "sellable.",
            w.oldest_at + limits.returns_overdue,
            location=w.location,
        )
        for w in waiting
    ]


def conflicts_waiting(waiting: Waiting, limits: Thresholds, now: datetime) -> list[Alert]:
    if waiting.count <= 0 or now - waiting.oldest_at <= limits.conflicts_waiting:
        return []
    minutes = limits.conflicts_waiting.total_seconds() / 60
    return [
        Alert(
            Kind.CONFLICTS_WAITING,
            "conflicts",
            "warning",
            f"{waiting.count} conflict(s) have waited for a decision longer than {minutes:g} "
            f"min (oldest: conflict {waiting.oldest_id}): decide them at "
            "POST /v1/conflicts/{id}/decision.",
            waiting.oldest_at + limits.conflicts_waiting,
        )
    ]


@dataclass(frozen=True, slots=True)
class Changes:
    raised: list[Alert]
    resolved: list[tuple[str, str]]  # keys of open alerts that no longer hold


def changes(open_keys: Iterable[tuple[str, str]], holding: Sequence[Alert]) -> Changes:
    """What to record: alerts that hold and are not open yet, and open ones that stopped
    holding. One that stays open is left as it is (no duplicate, no flapping)."""
    opened = set(open_keys)
    now_keys = {a.key for a in holding}
    return Changes(
        raised=[a for a in holding if a.key not in opened],
        resolved=sorted(opened - now_keys),
    )
