"""Alert evaluations racing on PostgreSQL (several server processes each run one): an alert is
raised once, with one delivery per subscriber, whoever wins; the losers' inserts hit the open
alert's unique key and are refused as WrittenMeanwhile, and the next evaluation finds it open."""

from __future__ import annotations

from collections import Counter

import pytest

from stockpool.domain.catalog import Location, LocationKind
from stockpool.domain.subscribers import NewSubscriber
from tests.store.test_concurrency_postgresql import race

pytestmark = pytest.mark.postgresql

THREADS = 8


def test_evaluations_racing_raise_each_alert_once(pg):
    container, _ = pg
    alerting = container.alerting
    alerting.webhooks.register(NewSubscriber("http://127.0.0.1:9/hooks", None))
    for round_ in range(3):  # a new condition each round, raced by every thread
        container.catalog.put_location(
            Location(f"3PL-{round_}", LocationKind.THIRD_PARTY, "3PL", snapshot_max_age_seconds=60)
        )
        results = race(THREADS, lambda _: alerting.alerts.evaluate())
        outcomes = Counter(type(r).__name__ for r in results)
        assert set(outcomes) <= {"Evaluated", "WrittenMeanwhile"}, results
        assert sum(len(r.raised) for r in results if hasattr(r, "raised")) == 1
    alerting.alerts.evaluate()
    raised = alerting.alerts.list(kind="snapshot_stale")
    assert sorted(a.alert.subject for a in raised) == [f"location:3PL-{n}" for n in range(3)]
    [subscriber] = alerting.webhooks.subscribers()
    assert len(alerting.webhooks.deliveries(subscriber.id)) == 3
