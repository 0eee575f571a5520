"""Channel availability through the services, on both engines: every change moves the numbers
it touches in its own transaction, policies and listings, the outbox, sync health and stale
snapshots, demand and lag feeding the buffers, and the full recompute."""

from __future__ import annotations

from datetime import timedelta

import pytest

from stockpool.domain.catalog import Component, Location, LocationKind, Sku
from stockpool.domain.channels import Channel, Platform
from stockpool.domain.errors import InvalidRequest, NotFound, UnknownChannel, UnmappedChannelSku
from stockpool.domain.listings import Listing
from stockpool.domain.operations import Count, CountLine, Move, Receive
from stockpool.domain.orders import NewOrder, OrderLine
from stockpool.domain.policies import Policy
from stockpool.domain.reservations import NewReservation
from stockpool.domain.states import State
from stockpool.services.sync import FeedUpdate, Push, Reading
from tests.conftest import make_container

TEE, MUG = "TEE-M-BLK", "MUG-12OZ"
DAL, FBA, NYC = "DAL-1", "FBA-US", "NYC-STORE"


def receive(container, sku, location, units):
    container.stock.execute(Receive(sku, location, units), actor="test")


def numbers(container, sku):
    return container.availability.stored(sku)


def fresh(container, sku):
    return {c.channel: c.advertised for c in container.availability.explain(sku).channels}


def order(container, channel, external_id, *lines, clock=None, **fields):
    placed = fields.pop("placed_at", None) or (clock.now if clock else None)
    new = NewOrder(channel, external_id, tuple(OrderLine(s, q) for s, q in lines), placed, **fields)
    return container.intake.ingest(new, actor="test")


def outbox(container, channel):
    return {p.channel_sku: p for p in container.sync.pending(channel, limit=1000)}


def listing(container, channel, channel_sku, sku, **fields):
    if channel == "shopify":
        fields.setdefault("inventory_item_id", f"gid://shopify/InventoryItem/{channel_sku}")
        fields.setdefault("location_id", "gid://shopify/Location/1")
    return container.listings.put(Listing(channel, channel_sku, sku, **fields))


# --- every change moves the numbers, in its own transaction ------------------------------------


def test_a_receipt_moves_every_channels_number(container, seeded):
    assert numbers(container, TEE) == {c: 0 for c in ("amazon", "manual", "shopify", "walmart")}

    receive(container, TEE, DAL, 20)

    shown = numbers(container, TEE)
    assert shown == fresh(container, TEE)
    # Shopify (10 s default lag) sees all but what its rivals may sell in 10 s: nothing.
    assert shown["shopify"] == 20
    # Amazon and Walmart wait minutes: their rivals may sell a unit meanwhile.
    assert shown["amazon"] < 20 and shown["walmart"] < 20


def test_stock_only_one_channel_serves_counts_for_it_alone(container, seeded):
    receive(container, TEE, FBA, 7)  # FBA serves only amazon
    shown = numbers(container, TEE)
    assert shown["amazon"] == 7 and shown["shopify"] == 0 and shown["walmart"] == 0


def test_moves_orders_and_reservations_lower_the_numbers(container, seeded, clock):
    receive(container, TEE, DAL, 20)
    before = numbers(container, TEE)["shopify"]

    container.stock.execute(Move(TEE, DAL, 2, State.AVAILABLE, State.DAMAGED), actor="t")
    assert numbers(container, TEE)["shopify"] == before - 2

    order(container, "walmart", "W-1", (TEE, 3), clock=clock)
    assert numbers(container, TEE)["shopify"] == before - 5

    container.reservations.reserve(
        NewReservation("shopify", "CART-1", (OrderLine(TEE, 4),), timedelta(minutes=10)),
        actor="t",
    )
    assert numbers(container, TEE)["shopify"] == before - 9
    assert numbers(container, TEE) == fresh(container, TEE)


def test_orders_feed_the_demand_the_buffers_are_built_from(container, seeded, clock):
    receive(container, TEE, DAL, 200)
    quiet = container.availability.explain(TEE, "amazon").channels[0]
    assert quiet.demand.floored

    for n in range(60):  # a busy Shopify SKU: 60 units an hour for an hour
        clock.advance(minutes=1)
        order(container, "shopify", f"S-{n}", (TEE, 1), clock=clock)

    busy = container.availability.explain(TEE, "amazon").channels[0]
    shopify = container.availability.explain(TEE, "shopify").channels[0]
    assert not shopify.demand.floored and shopify.demand.units_per_hour > 0.5
    assert busy.rival_demand > quiet.rival_demand
    assert busy.decision.buffer > quiet.decision.buffer  # Amazon holds back more
    assert numbers(container, TEE) == fresh(container, TEE)


# --- policies ----------------------------------------------------------------------------------


def test_a_channel_policy_moves_every_skus_number_for_that_channel(container, seeded):
    receive(container, TEE, DAL, 30)
    receive(container, MUG, DAL, 40)

    container.policies.put_channel("shopify", Policy(cap=12))

    assert numbers(container, TEE)["shopify"] == 12
    assert numbers(container, MUG)["shopify"] == 12
    assert numbers(container, TEE)["manual"] == 30  # other channels unchanged
    assert container.policies.get_channel("shopify").policy.cap == 12


def test_a_channel_policys_cancellation_cost_becomes_the_channels(container, seeded):
    container.policies.put_channel("shopify", Policy(cancellation_cost=50))
    assert container.channels.get("shopify").cost == 50
    assert container.policies.get_channel("shopify").policy.cancellation_cost == 50


def test_a_skus_override_wins_for_that_sku_and_inherits_the_rest(container, seeded):
    receive(container, TEE, DAL, 30)
    receive(container, MUG, DAL, 30)
    container.policies.put_channel("shopify", Policy(cap=20))

    container.policies.put_sku(TEE, "shopify", Policy(share_percent=50))

    assert numbers(container, TEE)["shopify"] == 15  # half of 30, and the channel's cap too
    assert numbers(container, MUG)["shopify"] == 20
    explained = container.availability.explain(TEE, "shopify").channels[0]
    assert [lim.rule for lim in explained.decision.limits] == ["share_percent"]

    container.policies.delete_sku(TEE, "shopify")
    assert numbers(container, TEE)["shopify"] == 20
    with pytest.raises(NotFound):
        container.policies.delete_sku(TEE, "shopify")


def test_an_empty_override_removes_it(container, seeded):
    container.policies.put_sku(TEE, "amazon", Policy(cap=1))
    container.policies.put_sku(TEE, "amazon", Policy())
    assert container.policies.overrides_of(TEE) == {}


def test_policies_for_unknown_things_are_refused(container, seeded):
    with pytest.raises(UnknownChannel):
        container.policies.put_channel("ebay", Policy(cap=1))
    with pytest.raises(NotFound):
        container.policies.put_sku("NOPE", "amazon", Policy(cap=1))
    with pytest.raises(InvalidRequest):
        Policy(epsilon=0.9)


def test_a_ring_fence_keeps_units_from_every_other_channel(container, seeded):
    receive(container, TEE, DAL, 10)
    container.policies.put_channel("amazon", Policy(ring_fence=4))
    shown = numbers(container, TEE)
    assert shown["shopify"] == 6 and shown["manual"] == 6
    assert shown["amazon"] >= 4


def test_a_skus_own_cancellation_cost_weighs_its_conflicts(container, seeded, clock):
    """Amazon costs more to cancel than Shopify, except for this SKU, where Shopify's override
    says it costs more: then a short Amazon order does not take Shopify's units."""
    receive(container, TEE, DAL, 2)
    container.policies.put_sku(TEE, "shopify", Policy(cancellation_cost=500))
    shopify = order(container, "shopify", "S-1", (TEE, 2), clock=clock).order
    amazon = order(container, "amazon", "A-1", (TEE, 1), clock=clock).order

    assert container.orders.get(shopify.id).lines[0].committed == 2
    assert container.orders.get(amazon.id).lines[0].short == 1


# --- bundles -----------------------------------------------------------------------------------


def test_a_bundles_number_follows_its_components(container, seeded):
    container.catalog.put_sku(
        Sku("GIFT-SET", "Tee and two mugs", None, (Component(TEE, 1), Component(MUG, 2)))
    )
    receive(container, TEE, DAL, 10)
    assert numbers(container, "GIFT-SET")["manual"] == 0  # no mugs yet

    receive(container, MUG, DAL, 9)

    assert numbers(container, "GIFT-SET")["manual"] == 4
    explained = container.availability.explain("GIFT-SET", "manual").channels[0]
    assert explained.bundle.scarcest == MUG and explained.advertised == 4


# --- listings and the outbox -------------------------------------------------------------------


def test_a_new_listing_is_queued_with_its_number(container, seeded):
    receive(container, TEE, FBA, 5)

    mapped = listing(container, "amazon", "AMZ-TEE", TEE)

    assert mapped.created and mapped.previous_sku is None
    pending = outbox(container, "amazon")["AMZ-TEE"]
    assert (pending.sku, pending.quantity, pending.version) == (TEE, 5, 1)


def test_a_listing_whose_numbers_were_out_of_date_is_queued_once(container, seeded, clock):
    receive(container, TEE, DAL, 400)
    for n in range(30):
        clock.advance(minutes=1)
        order(container, "shopify", f"S-{n}", (TEE, 5), clock=clock)
    busy = numbers(container, TEE)["amazon"]
    clock.advance(days=20)  # demand decayed: the recorded numbers are a refresh behind
    assert fresh(container, TEE)["amazon"] > busy

    listing(container, "amazon", "AMZ-TEE", TEE)

    pending = outbox(container, "amazon")["AMZ-TEE"]
    assert pending.version == 1
    assert pending.quantity == numbers(container, TEE)["amazon"] == fresh(container, TEE)["amazon"]


def test_a_changed_number_replaces_the_waiting_one_and_keeps_its_place(container, seeded, clock):
    listing(container, "amazon", "AMZ-TEE", TEE)
    first = outbox(container, "amazon")["AMZ-TEE"]
    clock.advance(minutes=5)

    receive(container, TEE, FBA, 3)

    later = outbox(container, "amazon")["AMZ-TEE"]
    assert later.quantity == 3 and later.version == first.version + 1
    assert later.queued_at == first.queued_at and later.changed_at > first.changed_at


def test_an_unchanged_number_queues_nothing(container, seeded):
    receive(container, TEE, FBA, 5)
    listing(container, "amazon", "AMZ-TEE", TEE)
    pending = outbox(container, "amazon")["AMZ-TEE"]
    container.sync.report(
        "amazon", pushes=[Push("AMZ-TEE", pending.quantity, pending.version, ok=True)]
    )
    assert outbox(container, "amazon") == {}

    receive_qc = Receive(TEE, FBA, 1, State.QUALITY_CONTROL)  # on hand, not available
    container.stock.execute(receive_qc, actor="t")
    receive(container, MUG, FBA, 4)  # another SKU

    assert outbox(container, "amazon") == {}


def test_a_push_of_an_old_version_leaves_the_newer_number_queued(container, seeded):
    listing(container, "amazon", "AMZ-TEE", TEE)
    old = outbox(container, "amazon")["AMZ-TEE"]
    receive(container, TEE, FBA, 2)

    container.sync.report("amazon", pushes=[Push("AMZ-TEE", old.quantity, old.version, ok=True)])

    still = outbox(container, "amazon")["AMZ-TEE"]
    assert still.quantity == 2
    stored = container.listings.get("amazon", "AMZ-TEE")
    assert stored.pushed_quantity == old.quantity


def test_remapping_a_channel_sku_says_what_it_mapped_before(container, seeded):
    listing(container, "amazon", "AMZ-X", TEE)
    mapped = listing(container, "amazon", "AMZ-X", MUG)
    assert not mapped.created and mapped.previous_sku == TEE
    assert outbox(container, "amazon")["AMZ-X"].sku == MUG


def test_a_listing_must_carry_what_its_platform_needs(container, seeded):
    with pytest.raises(InvalidRequest, match="inventory_item_id and location_id"):
        container.listings.put(Listing("shopify", "TEE", TEE))
    with pytest.raises(InvalidRequest, match="for Walmart"):
        container.listings.put(Listing("amazon", "TEE", TEE, ship_node="N1"))
    with pytest.raises(NotFound):
        container.listings.put(Listing("amazon", "TEE", "NOPE"))
    assert listing(container, "amazon", "AMZ", TEE).listing.listing.fulfillment_channel == "DEFAULT"


def test_deleting_a_listing_drops_its_pending_push(container, seeded):
    listing(container, "amazon", "AMZ-TEE", TEE)
    container.listings.delete("amazon", "AMZ-TEE")
    assert outbox(container, "amazon") == {}
    with pytest.raises(NotFound):
        container.listings.get("amazon", "AMZ-TEE")


def test_listings_import_from_csv_all_or_nothing(container, seeded):
    import io

    good = io.StringIO(
        "channel,channel_sku,sku,inventory_item_id,location_id,fulfillment_channel\n"
        f"amazon,AMZ-TEE,{TEE},,,\n"
        f"shopify,SH-TEE,{TEE},gid://shopify/InventoryItem/1,gid://shopify/Location/1,\n"
        f"walmart,WM-MUG,{MUG},,,\n"
    )
    done = container.listings.import_csv(good)
    assert (done.rows, done.created) == (3, 3)
    assert set(outbox(container, "walmart")) == {"WM-MUG"}

    bad = io.StringIO(
        "channel,channel_sku,sku\n"
        f"amazon,AMZ-NEW,{TEE}\n"
        "amazon,AMZ-BAD,NOPE\n"
        "shopify,SH-MUG,MUG-12OZ\n"
        f"amazon,AMZ-NEW,{MUG}\n"
    )
    with pytest.raises(InvalidRequest) as refused:
        container.listings.import_csv(bad)
    message = str(refused.value)
    assert "row 3" in message and "NOPE" in message
    assert "row 4" in message and "inventory_item_id" in message
    assert "row 5" in message and "repeats row 2" in message
    assert {x.listing.channel_sku for x in container.listings.page("amazon")} == {"AMZ-TEE"}


def test_an_order_naming_an_unmapped_channel_sku_is_refused_and_reported(container, seeded, clock):
    receive(container, TEE, DAL, 5)
    line = OrderLine("B07-TEE-BLK", 1, listed=True)
    new = NewOrder("amazon", "A-1", (line,), clock.now)

    with pytest.raises(UnmappedChannelSku, match="B07-TEE-BLK"):
        container.intake.ingest(new, actor="t")
    with pytest.raises(UnmappedChannelSku):
        container.intake.ingest(new, actor="t")

    (reported,) = container.listings.unmapped("amazon")
    assert (reported.channel_sku, reported.orders, reported.last_external_id) == (
        "B07-TEE-BLK",
        2,
        "A-1",
    )

    listing(container, "amazon", "B07-TEE-BLK", TEE)
    taken = container.intake.ingest(new, actor="t")
    assert taken.order.lines[0].sku == TEE and taken.order.lines[0].committed == 1
    assert container.intake.ingest(new, actor="t").replayed
    assert container.listings.unmapped("amazon") == []


# --- sync: lag, health, stale channels and snapshots -------------------------------------------


def test_a_reading_that_shows_the_pushed_number_measures_the_lag(container, seeded, clock):
    receive(container, TEE, FBA, 5)
    listing(container, "amazon", "AMZ-TEE", TEE)
    pending = outbox(container, "amazon")["AMZ-TEE"]
    assert container.availability.lag("amazon").source == "default"

    clock.advance(seconds=30)
    container.sync.report("amazon", pushes=[Push("AMZ-TEE", 5, pending.version, ok=True)])
    clock.advance(seconds=90)
    done = container.sync.report("amazon", readings=[Reading("AMZ-TEE", 5)])

    assert done.lag_samples == (120.0,)
    lag = container.availability.lag("amazon")
    assert (lag.seconds, lag.source, lag.samples) == (120.0, "measured", 1)
    # A second reading of the same push measures nothing new.
    assert container.sync.report("amazon", readings=[Reading("AMZ-TEE", 5)]).lag_samples == ()


def test_a_shorter_measured_lag_shows_more(container, seeded, clock):
    receive(container, TEE, DAL, 50)
    for n in range(30):
        clock.advance(minutes=2)
        order(container, "shopify", f"S-{n}", (TEE, 1), clock=clock)
    listing(container, "walmart", "WM-TEE", TEE)
    slow = numbers(container, TEE)["walmart"]
    pending = outbox(container, "walmart")["WM-TEE"]
    container.sync.report(
        "walmart", pushes=[Push("WM-TEE", pending.quantity, pending.version, ok=True)]
    )
    clock.advance(seconds=5)
    container.sync.report("walmart", readings=[Reading("WM-TEE", pending.quantity)])
    container.availability.recompute_all()
    assert numbers(container, TEE)["walmart"] > slow


def test_a_stale_channel_makes_its_rivals_hold_back_what_it_still_shows(container, seeded, clock):
    receive(container, TEE, DAL, 40)
    listing(container, "walmart", "WM-TEE", TEE)
    pending = outbox(container, "walmart")["WM-TEE"]
    container.sync.report("walmart", pushes=[Push("WM-TEE", 30, pending.version, ok=True)])
    healthy = numbers(container, TEE)["shopify"]
    receive(container, TEE, DAL, 1)  # a change Walmart is never told of
    clock.advance(minutes=20)

    judged = container.availability.judge_health()
    container.availability.recompute_all()

    assert judged["walmart"].status == "stale"
    assert "waited 20 min" in judged["walmart"].reasons[0]
    shopify = container.availability.explain(TEE, "shopify").channels[0]
    assert shopify.decision.groups[0].stale_exposure == 30
    assert numbers(container, TEE)["shopify"] < healthy
    assert container.sync.health("walmart").health.status == "stale"

    # The push goes through at last: healthy again, the rivals show as before.
    waiting = outbox(container, "walmart")["WM-TEE"]
    container.sync.report(
        "walmart", pushes=[Push("WM-TEE", waiting.quantity, waiting.version, ok=True)]
    )
    assert container.availability.judge_health()["walmart"].status == "ok"
    container.availability.recompute_all()
    assert (
        container.availability.explain(TEE, "shopify").channels[0].decision.groups[0].stale_exposure
        == 0
    )


def test_failed_pushes_are_told_and_a_stuck_feed_makes_the_channel_stale(container, seeded, clock):
    listing(container, "amazon", "AMZ-TEE", TEE)
    container.sync.report("amazon", pushes=[Push("AMZ-TEE", 0, None, ok=False, error="503")])
    assert container.sync.health("amazon").health.status == "failing"

    container.sync.report("amazon", feeds=[FeedUpdate("F-1", "processing")])
    clock.advance(hours=2)
    verdict = container.sync.health("amazon").health
    assert verdict.status == "stale" and any("F-1" in r for r in verdict.reasons)

    container.sync.report("amazon", feeds=[FeedUpdate("F-1", "done")])
    assert not any("F-1" in r for r in container.sync.health("amazon").health.reasons)


def test_an_overdue_snapshot_counts_part_of_a_3pls_stock_until_the_next_count(
    container, seeded, clock
):
    container.catalog.put_location(
        Location("3PL-1", LocationKind.THIRD_PARTY, "3PL", snapshot_max_age_seconds=3600)
    )
    receive(container, TEE, "3PL-1", 50)
    container.stock.execute(Count("3PL-1", (CountLine(TEE, 50),)), actor="3pl")
    assert numbers(container, TEE)["manual"] == 50

    clock.advance(hours=2)
    container.availability.recompute_all()
    assert numbers(container, TEE)["manual"] == 45  # 10% held back while the snapshot is late
    explained = container.availability.explain(TEE, "manual").channels[0]
    assert explained.decision.held_back == 5

    container.stock.execute(Count("3PL-1", (CountLine(TEE, 50),)), actor="3pl")
    assert numbers(container, TEE)["manual"] == 50


# --- configuration that moves everything -------------------------------------------------------


def test_a_new_channel_gets_a_number_for_every_sku(container, seeded):
    receive(container, TEE, DAL, 8)
    receive(container, MUG, NYC, 3)

    container.channels.put(Channel("ebay", Platform.MANUAL))

    assert numbers(container, TEE)["ebay"] == 8
    assert numbers(container, MUG)["ebay"] == 0  # NYC serves only shopify


def test_a_location_serving_other_channels_moves_the_numbers(container, seeded):
    receive(container, TEE, NYC, 6)
    assert numbers(container, TEE)["amazon"] == 0

    container.catalog.put_location(
        Location(NYC, LocationKind.STORE, "NYC", frozenset({"shopify", "amazon"}))
    )

    assert numbers(container, TEE)["amazon"] > 0


def test_a_full_recompute_catches_up_on_demand_that_decayed(container, seeded, clock):
    receive(container, TEE, DAL, 100)
    for n in range(40):
        clock.advance(minutes=1)
        order(container, "shopify", f"S-{n}", (TEE, 1), clock=clock)
    busy = numbers(container, TEE)["amazon"]

    clock.advance(days=30)  # nothing sold for a month: the rate decays to the floor
    assert container.availability.recompute_all(chunk=1).changed == 1
    assert numbers(container, TEE)["amazon"] > busy
    assert container.availability.recompute_all().changed == 0


def test_the_explanation_says_why(container, seeded):
    receive(container, TEE, DAL, 20)
    container.policies.put_channel("amazon", Policy(cap=10, epsilon=0.01))
    explained = container.availability.explain(TEE, "amazon")
    (amazon,) = explained.channels
    assert amazon.advertised == 10 == amazon.stored
    assert amazon.decision.pool == 20 and amazon.rules.epsilon == 0.01
    assert amazon.lag.source == "default" and amazon.lag.seconds == 900
    assert amazon.decision.limits[0].rule == "cap"


def test_a_rolled_back_change_leaves_the_numbers(database_url, clock):
    container = make_container(database_url, clock)
    try:
        from tests.conftest import seed

        seed(container)
        receive(container, TEE, DAL, 5)
        before = numbers(container, TEE)
        with pytest.raises(InvalidRequest):
            container.stock.execute_all([Receive(TEE, DAL, 3), Receive(TEE, DAL, 0)], actor="t")
        assert numbers(container, TEE) == before
    finally:
        container.close()
