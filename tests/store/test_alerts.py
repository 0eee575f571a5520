"""Each alert kind raised by its real condition, once, delivered signed to a local subscriber,
and resolved when the condition clears; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from stockpool.domain.alerts import Kind
from stockpool.domain.catalog import Location, LocationKind, Sku
from stockpool.domain.channels import Platform
from stockpool.domain.conflicts import Action
from stockpool.domain.listings import Listing
from stockpool.domain.movements import Reason
from stockpool.domain.operations import Adjust, Count, CountLine, Receive
from stockpool.domain.orders import NewOrder, OrderLine
from stockpool.domain.policies import Policy
from stockpool.domain.returns import Disposition, Inspection, NewReturn
from stockpool.domain.states import State
from stockpool.domain.subscribers import NewSubscriber
from stockpool.domain.sync_plan import PERSISTENT
from stockpool.services.sync import Push
from tests.conftest import make_container, seed
from tests.store.alert_support import Receiver, Subscribed, events, open_alerts
from tests.sync.fakes import FakePlatform


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def subscribed(container, seeded, receiver):
    return Subscribed(container, receiver)


def receive(container, sku, location, units):
    container.stock.execute(Receive(sku, location, units), actor="dock")


def order(container, channel, external_id, sku, units):
    placed = container.clock()
    new = NewOrder(channel, external_id, (OrderLine(sku, units),), placed)
    return container.intake.ingest(new, actor="t").order


def raised_then_resolved(subscribed, key, clear):
    """The alert key is open after one evaluation, still one alert after another, and
    resolved once clear() runs; the subscriber got alert.raised then alert.resolved."""
    container = subscribed.container
    first = subscribed.evaluate_and_deliver()
    assert key in open_alerts(container)
    assert ("alert.raised", *key) in events(first)
    assert ("alert.raised", *key) not in events(subscribed.evaluate_and_deliver())
    assert len(container.alerting.alerts.list(kind=key[0])) == 1
    clear()
    last = subscribed.evaluate_and_deliver()
    assert key not in open_alerts(container)
    assert ("alert.resolved", *key) in events(last)
    [stored] = [a for a in container.alerting.alerts.list(kind=key[0]) if a.alert.subject == key[1]]
    assert stored.status == "resolved" and stored.resolved_at is not None


def test_stockout_ahead(container, seeded, subscribed):
    receive(container, seeded.tee, seeded.dallas, 10)
    order(container, "shopify", "S-1", seeded.tee, 6)  # 4 left, selling about 1.4 a day
    assert open_alerts(container) == set()
    raised_then_resolved(
        subscribed,
        ("stockout_ahead", f"sku:{seeded.tee}"),
        lambda: receive(container, seeded.tee, seeded.dallas, 200),
    )


def test_stockout_ahead_counts_only_the_lots_arriving_in_time(container, seeded, clock):
    receive(container, seeded.tee, seeded.dallas, 10)
    order(container, "shopify", "S-1", seeded.tee, 6)  # 4 left: out in about 3 days
    purchase(container, seeded, 200, clock.now + timedelta(days=5))
    container.alerting.alerts.evaluate()
    [late] = container.alerting.alerts.list(status="open")
    assert "200 incoming unit(s) arrive too late" in late.alert.message
    purchase(container, seeded, 200, clock.now + timedelta(days=1))
    container.alerting.alerts.evaluate()
    assert open_alerts(container) == set()


def purchase(container, names, units, eta):
    container.stock.execute(
        Adjust(names.tee, names.dallas, units, Reason.PURCHASE_ORDER, State.INCOMING, None, eta),
        actor="buyer",
    )


def test_oversell_risk(container, seeded, subscribed):
    receive(container, seeded.tee, seeded.dallas, 60)
    order(container, "shopify", "S-1", seeded.tee, 30)  # demand the risk model weighs
    container.policies.put_sku(seeded.tee, "walmart", Policy(buffer=0))  # show it all
    assert container.availability.explain(seeded.tee, "walmart").channels[0].advertised == 30
    raised_then_resolved(
        subscribed,
        ("oversell_risk", f"sku:{seeded.tee}/channel:walmart"),
        lambda: container.policies.delete_sku(seeded.tee, "walmart"),
    )


def test_drift_persisting(container, seeded, subscribed, clock):
    container.listings.put(Listing("walmart", "W-TEE", seeded.tee, ship_node="NODE-1"))
    receive(container, seeded.tee, seeded.dallas, 40)
    walmart = FakePlatform(Platform.WALMART, clock)
    sync, reconcile = container.channel_sync("w1"), container.reconciliation
    sync.run("walmart", walmart.connector())
    clock.advance(seconds=20)
    reconcile.step("walmart", walmart.connector())
    walmart.shows["W-TEE"] = 999
    walmart.frozen.add("W-TEE")
    for _ in range(PERSISTENT):
        clock.advance(minutes=2)
        reconcile.step("walmart", walmart.connector())
        sync.run("walmart", walmart.connector())

    def repaired():
        walmart.frozen.clear()
        for _ in range(2):
            clock.advance(minutes=2)
            reconcile.step("walmart", walmart.connector())
            sync.run("walmart", walmart.connector())

    raised_then_resolved(subscribed, ("drift_persisting", "channel:walmart"), repaired)


def test_sync_stale(container, seeded, subscribed, clock):
    receive(container, seeded.tee, seeded.dallas, 40)
    container.listings.put(Listing("walmart", "WM-TEE", seeded.tee, ship_node="NODE-1"))
    pending = {p.channel_sku: p for p in container.sync.pending("walmart", limit=10)}["WM-TEE"]
    container.sync.report("walmart", pushes=[Push("WM-TEE", 30, pending.version, ok=True)])
    receive(container, seeded.tee, seeded.dallas, 1)  # a change Walmart is never told of
    clock.advance(minutes=20)

    def pushed():
        waiting = {p.channel_sku: p for p in container.sync.pending("walmart", limit=10)}
        push = waiting["WM-TEE"]
        container.sync.report(
            "walmart", pushes=[Push("WM-TEE", push.quantity, push.version, ok=True)]
        )

    raised_then_resolved(subscribed, ("sync_stale", "channel:walmart"), pushed)


def test_snapshot_stale(container, seeded, subscribed, clock):
    container.catalog.put_location(
        Location("3PL-1", LocationKind.THIRD_PARTY, "3PL", snapshot_max_age_seconds=3600)
    )
    receive(container, seeded.tee, "3PL-1", 50)
    container.stock.execute(Count("3PL-1", (CountLine(seeded.tee, 50),)), actor="3pl")
    subscribed.evaluate_and_deliver()
    assert ("snapshot_stale", "location:3PL-1") not in open_alerts(container)
    clock.advance(hours=2)
    raised_then_resolved(
        subscribed,
        ("snapshot_stale", "location:3PL-1"),
        lambda: container.stock.execute(Count("3PL-1", (CountLine(seeded.tee, 50),)), actor="3pl"),
    )


def test_qc_backlog(container, seeded, subscribed, clock):
    receive(container, seeded.tee, seeded.dallas, 3)
    shipped = order(container, "shopify", "S-1", seeded.tee, 3)
    container.fulfilment.ship(shipped.id, None, actor="packer")
    new = NewReturn("shopify", "S-1", seeded.dallas, ((seeded.tee, 2),), "too small")
    opened = container.returns.open(new, actor="desk").view.found
    clock.advance(hours=47)
    subscribed.evaluate_and_deliver()
    assert ("qc_backlog", f"location:{seeded.dallas}") not in open_alerts(container)
    clock.advance(hours=2)
    raised_then_resolved(
        subscribed,
        ("qc_backlog", f"location:{seeded.dallas}"),
        lambda: container.returns.inspect(
            opened.id, Inspection(seeded.tee, 2, Disposition.RESTOCK), actor="qc"
        ),
    )


@pytest.fixture
def proposing(database_url, clock):
    built = make_container(database_url, clock, conflict_policy="propose")
    yield built
    built.close()


def test_conflicts_waiting(proposing, receiver, clock):
    names = seed(proposing)
    subscribed = Subscribed(proposing, receiver)
    order(proposing, "amazon", "AMZ-1", names.tee, 2)  # nothing in stock: a proposed conflict
    [proposed] = proposing.conflicts.list(status="proposed")
    clock.advance(minutes=20)
    subscribed.evaluate_and_deliver()
    assert ("conflicts_waiting", "conflicts") not in open_alerts(proposing)
    clock.advance(minutes=11)
    raised_then_resolved(
        subscribed,
        ("conflicts_waiting", "conflicts"),
        lambda: proposing.conflicts.decide(
            proposed.id, accept=False, action=Action.BACKORDER, actor="ann"
        ),
    )


def test_a_kind_filter_tells_a_subscriber_only_what_it_asked_for(container, seeded, receiver):
    container.alerting.webhooks.register(NewSubscriber(receiver.url, (Kind.QC_BACKLOG,)))
    container.catalog.put_location(
        Location("3PL-1", LocationKind.THIRD_PARTY, "3PL", snapshot_max_age_seconds=3600)
    )
    container.alerting.alerts.evaluate()
    [only] = container.alerting.webhooks.subscribers()
    assert container.alerting.webhooks.deliveries(only.id) == []
    assert ("snapshot_stale", "location:3PL-1") in open_alerts(container)


def test_evaluating_reads_the_same_few_statements_whatever_the_catalogue(container, seeded):
    """Set-based reads: 3 selling SKUs or 30, the evaluation reads with as many statements
    (it writes one row per alert it raises)."""

    def statements_with(selling):
        for n in range(selling):
            code = f"SKU-{len(container.catalog.list_skus(limit=1000))}-{n}"
            container.catalog.put_skus([Sku(code, code)])
            receive(container, code, seeded.dallas, 2)  # 1 left after the order: 4 days
            order(container, "shopify", f"O-{code}", code, 1)
        seen = []

        def count(_connection, _cursor, statement, *_):
            if statement.lstrip().upper().startswith("SELECT"):
                seen.append(statement)

        event.listen(container.engine, "before_cursor_execute", count)
        try:
            container.alerting.alerts.evaluate()
        finally:
            event.remove(container.engine, "before_cursor_execute", count)
        return len(seen)

    container.alerting.alerts.evaluate()  # the availability setup read once, then cached
    few = statements_with(3)
    many = statements_with(27)  # 30 selling now, 27 of them raising stockout_ahead
    assert len(container.alerting.alerts.list(kind="stockout_ahead")) == 30
    assert many == few
