"""Delivering alert events to a real local subscriber: signed, retried with backoff after a
failure (the clock moved, no sleeping), given up after the last attempt, and never sent to a
deleted subscriber; a tampered delivery fails the subscriber's check."""

from __future__ import annotations

import pytest

from stockpool.domain.catalog import Location, LocationKind
from stockpool.domain.webhook_signing import verify
from stockpool.entrypoints.outbound import http_post
from tests.conftest import make_container, seed
from tests.store.alert_support import Receiver, Subscribed


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def late_snapshot(container):
    """A location whose snapshot never came: snapshot_stale holds at once."""
    container.catalog.put_location(
        Location("3PL-1", LocationKind.THIRD_PARTY, "3PL", snapshot_max_age_seconds=3600)
    )


def log(subscribed):
    [subscriber] = subscribed.container.alerting.webhooks.subscribers()
    return subscribed.container.alerting.webhooks.deliveries(subscriber.id)


def test_a_failed_delivery_is_retried_after_its_backoff(container, seeded, receiver, clock):
    subscribed = Subscribed(container, receiver)
    late_snapshot(container)
    receiver.answers = [500]
    container.alerting.alerts.evaluate()
    sent = container.alerting.sender.send_due(http_post)
    [first] = log(subscribed)
    assert (sent.retrying, first.status, first.attempts, first.last_status_code) == (
        1,
        "pending",
        1,
        500,
    )
    assert first.next_attempt_at > clock.now
    assert container.alerting.sender.send_due(http_post).delivered == 0  # not due yet
    assert len(receiver.received) == 1

    clock.now = first.next_attempt_at
    assert container.alerting.sender.send_due(http_post).delivered == 1
    [done] = log(subscribed)
    assert (done.status, done.attempts, done.last_status_code) == ("delivered", 2, 200)
    assert done.delivered_at == clock.now
    ids = {got.headers["Stockpool-Delivery"] for got in receiver.received}
    assert ids == {str(done.id)}  # the receiver dedupes on it
    for got in receiver.received:
        assert got.headers["Stockpool-Event"] == "alert.raised"
        stamp, signature = got.headers["Stockpool-Timestamp"], got.headers["Stockpool-Signature"]
        assert verify(subscribed.secret, stamp, got.body, signature, now=clock.now.timestamp())


def test_a_tampered_delivery_fails_the_check(container, seeded, receiver, clock):
    subscribed = Subscribed(container, receiver)
    late_snapshot(container)
    [event] = subscribed.evaluate_and_deliver()  # verified inside
    assert event["alert"]["kind"] == "snapshot_stale"
    [got] = receiver.received
    stamp, signature = got.headers["Stockpool-Timestamp"], got.headers["Stockpool-Signature"]
    now = clock.now.timestamp()
    assert verify(subscribed.secret, stamp, got.body, signature, now=now)
    tampered = got.body.replace(b"snapshot_stale", b"snapshot_fresh")
    assert not verify(subscribed.secret, stamp, tampered, signature, now=now)
    assert not verify(subscribed.secret, str(int(stamp) + 1), got.body, signature, now=now)
    assert not verify("whsec_guess", stamp, got.body, signature, now=now)
    assert not verify(subscribed.secret, stamp, got.body, signature, now=now + 3600)  # replayed


def test_a_delivery_is_given_up_after_the_last_attempt(database_url, receiver, clock):
    container = make_container(database_url, clock, webhook_max_attempts=2)
    try:
        seed(container)
        subscribed = Subscribed(container, receiver)
        late_snapshot(container)
        receiver.answers = [503, 503, 503]
        container.alerting.alerts.evaluate()
        container.alerting.sender.send_due(http_post)
        clock.now = log(subscribed)[0].next_attempt_at
        assert container.alerting.sender.send_due(http_post).failed == 1
        [failed] = log(subscribed)
        assert (failed.status, failed.attempts, failed.next_attempt_at) == ("failed", 2, None)
        assert "503" in (failed.last_error or "")
        clock.advance(days=1)
        container.alerting.sender.send_due(http_post)
        assert len(receiver.received) == 2
    finally:
        container.close()


def test_an_unreachable_subscriber_is_an_error_in_the_log(container, seeded, receiver):
    subscribed = Subscribed(container, receiver)
    receiver.__exit__()  # nobody listens there any more
    late_snapshot(container)
    container.alerting.alerts.evaluate()
    container.alerting.sender.send_due(http_post)
    [entry] = log(subscribed)
    assert entry.status == "pending" and entry.last_status_code is None
    assert entry.last_error


def test_a_deleted_subscriber_is_told_nothing_more(container, seeded, receiver):
    subscribed = Subscribed(container, receiver)
    late_snapshot(container)
    container.alerting.alerts.evaluate()
    [subscriber] = container.alerting.webhooks.subscribers()
    container.alerting.webhooks.delete(subscriber.id)
    container.alerting.sender.send_due(http_post)
    assert receiver.received == []
    assert container.alerting.webhooks.subscribers() == []
    [entry] = container.alerting.webhooks.deliveries(subscriber.id)  # its log stays
    assert entry.status == "failed" and subscribed.secret.startswith("whsec_")
