"""Channels, orders (one or a batch), their listing and conflicts, through HTTP.

The seeded catalog: channels shopify, amazon, walmart, manual (default costs); DAL-1 serves every
channel, FBA-US only amazon, NYC-STORE only shopify; SKUs TEE-M-BLK and MUG-12OZ; no stock.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

TEE, MUG = "TEE-M-BLK", "MUG-12OZ"
DAL, FBA, NYC = "DAL-1", "FBA-US", "NYC-STORE"
PLACED = "2026-11-28T10:00:00Z"


# Helpers


def order(*lines: tuple[str, int], channel="shopify", external_id="A-1", **fields) -> dict:
    """An order body: the given (sku, quantity) lines, one TEE-M-BLK by default."""
    return {
        "channel": channel,
        "external_id": external_id,
        "lines": [{"sku": sku, "quantity": quantity} for sku, quantity in lines or [(TEE, 1)]],
        "placed_at": PLACED,
        **fields,
    }


def stock(api, *holdings: tuple[str, str, int]) -> None:
    """Receive (sku, location, quantity) as available."""
    for sku, location, quantity in holdings:
        assert api.receive(sku, location, quantity).status_code == 201


def place(api, body: dict) -> dict:
    response = api.post("/v1/orders", body)
    assert response.status_code == 201, response.text
    return response.json()


def allocated(placed: dict) -> list[tuple[str, str, int]]:
    """(location, sku, units) of each allocation, sorted."""
    return sorted((a["location"], a["sku"], a["units"]) for a in placed["allocations"])


def line_states(placed: dict) -> list[tuple[int, int, int]]:
    """(quantity, committed, short) of each line."""
    return [(ln["quantity"], ln["committed"], ln["short"]) for ln in placed["lines"]]


def held(api, sku: str, location: str) -> tuple[int, int]:
    """(available, committed) of a SKU at a location."""
    balance = api.at(sku, location)
    return balance["available"], balance["committed"]


def items(api, path: str, **params: Any) -> list[dict]:
    response = api.get(path, **params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def written(api) -> dict[str, Any]:
    """What an order or channel request can change: the stock snapshot, orders, conflicts and
    channels. Equal before and after means nothing was written."""
    return {
        **api.snapshot(),
        "orders": items(api, "/v1/orders", limit=1000),
        "conflicts": items(api, "/v1/conflicts", limit=1000),
        "channels": items(api, "/v1/channels"),
    }


def put_channel(api, code: str, body: dict):
    return api.client.put(f"/v1/channels/{code}", json=body, headers=api.admin)


def batch(api, orders: list, **options):
    return api.post("/v1/orders:batch", {"orders": orders}, **options)


# Channels


def test_putting_a_new_channel_answers_201_with_it(api):
    response = put_channel(api, "amazon-us", {"platform": "amazon", "name": "Amazon US"})

    assert response.status_code == 201, response.text
    assert response.json() == {
        "code": "amazon-us",
        "platform": "amazon",
        "name": "Amazon US",
        "cancellation_cost": 100,
        "split_allowed": True,
        "connection": None,
    }


def test_a_new_channel_can_be_read_back(api):
    put_channel(api, "etsy_1", {"platform": "manual", "cancellation_cost": 7})

    response = api.get("/v1/channels/etsy_1")

    assert response.status_code == 200, response.text
    assert response.json()["cancellation_cost"] == 7


@pytest.mark.parametrize(
    ("platform", "cost"), [("amazon", 100), ("walmart", 100), ("shopify", 10), ("manual", 10)]
)
def test_the_cancellation_cost_defaults_by_platform(api, platform, cost):
    response = put_channel(api, f"new-{platform}", {"platform": platform})

    assert response.status_code == 201, response.text
    assert response.json()["cancellation_cost"] == cost


def test_a_given_cancellation_cost_overrides_the_default(api):
    response = put_channel(api, "wm-2", {"platform": "walmart", "cancellation_cost": 0})

    assert response.json()["cancellation_cost"] == 0


def test_putting_an_existing_channel_replaces_it_with_200(api):
    body = {"platform": "shopify", "name": "Our shop", "cancellation_cost": 25}

    response = put_channel(api, "shopify", {**body, "split_allowed": False})

    assert response.status_code == 200, response.text
    assert api.get("/v1/channels/shopify").json() == {
        "code": "shopify",
        **body,
        "split_allowed": False,
        "connection": None,
    }


def test_replacing_a_channel_without_a_cost_restores_the_platform_default(api):
    put_channel(api, "amazon", {"platform": "amazon", "cancellation_cost": 5})

    put_channel(api, "amazon", {"platform": "amazon"})

    assert api.get("/v1/channels/amazon").json()["cancellation_cost"] == 100


def test_channels_are_listed_by_code(api):
    put_channel(api, "b2b", {"platform": "manual"})

    listed = items(api, "/v1/channels")

    assert [c["code"] for c in listed] == ["amazon", "b2b", "manual", "shopify", "walmart"]
    assert {c["code"]: c["cancellation_cost"] for c in listed} == {
        "amazon": 100,
        "b2b": 10,
        "manual": 10,
        "shopify": 10,
        "walmart": 100,
    }


def test_an_unknown_channel_is_404(api):
    detail = api.refused(api.get("/v1/channels/ebay"), 404)

    assert "ebay" in detail


@pytest.mark.parametrize(
    ("code", "body"),
    [
        ("Shopify", {"platform": "shopify"}),
        ("-shop", {"platform": "shopify"}),
        ("shop.eu", {"platform": "shopify"}),
        ("s" * 33, {"platform": "shopify"}),
        ("neg", {"platform": "manual", "cancellation_cost": -1}),
        ("big", {"platform": "manual", "cancellation_cost": 10_001}),
        ("ebay", {"platform": "ebay"}),
        ("nop", {}),
        ("typo", {"platform": "manual", "splits": False}),
    ],
    ids=[
        "upper case",
        "leading dash",
        "dot",
        "too long",
        "negative cost",
        "cost too high",
        "unknown platform",
        "no platform",
        "unknown field",
    ],
)
def test_a_bad_channel_is_422_and_writes_nothing(api, code, body):
    before = written(api)

    api.refused(put_channel(api, code, body), 422)

    assert written(api) == before


# One order, with enough stock


@pytest.mark.both_engines
def test_an_order_with_stock_is_201_and_committed(api):
    stock(api, (TEE, DAL, 5))

    placed = place(api, order((TEE, 3), external_id="SH-1001"))

    assert placed["channel"] == "shopify"
    assert placed["external_id"] == "SH-1001"
    assert placed["status"] == "committed"
    assert placed["lines"] == [
        {
            "sku": TEE,
            "quantity": 3,
            "reserved": 0,
            "committed": 3,
            "short": 0,
            "shipped": 0,
            "cancelled": 0,
            "bundle": None,
            "bundle_line": None,
        }
    ]
    assert placed["allocations"] == [{"location": DAL, "sku": TEE, "units": 3}]
    assert placed["ship_by"] is None
    assert placed["region"] is None


def test_an_order_records_its_routing_decision(api):
    stock(api, (TEE, DAL, 5))

    routing = place(api, order((TEE, 3)))["routing"]

    assert routing["reason"].startswith(f"{DAL} can ship the whole order")
    assert [(c["location"], c["can_ship_all"], c["units"]) for c in routing["candidates"]] == [
        (DAL, True, 3),
        (NYC, False, 0),
    ]


def test_an_order_moves_stock_from_available_to_committed(api):
    stock(api, (TEE, DAL, 5))

    place(api, order((TEE, 3)))

    assert held(api, TEE, DAL) == (2, 3)
    assert api.at(TEE, DAL)["on_hand"] == 5


def test_an_order_writes_ledger_lines_referencing_it(api):
    stock(api, (TEE, DAL, 5), (MUG, DAL, 2))

    place(api, order((TEE, 3), (MUG, 2), external_id="SH-7"))

    lines = api.ledger(reference="order:shopify:SH-7")
    assert [(m["sku"], m["location"], m["quantity"]) for m in lines] == [
        (TEE, DAL, 3),
        (MUG, DAL, 2),
    ]
    for movement in lines:
        assert movement["reason"] == "order_committed"
        assert (movement["from_state"], movement["to_state"]) == ("available", "committed")
        assert movement["actor"] == f"api:{api.operator_key_id}"


def test_an_order_keeps_its_times_region_and_ship_by(api):
    stock(api, (TEE, DAL, 1))

    times = {"placed_at": "2026-11-28T10:00:00+02:00", "ship_by": "2026-11-30T17:00:00-05:00"}

    placed = place(api, order(region="US-TX", **times))

    assert datetime.fromisoformat(placed["placed_at"]) == datetime(2026, 11, 28, 8, tzinfo=UTC)
    assert datetime.fromisoformat(placed["ship_by"]) == datetime(2026, 11, 30, 22, tzinfo=UTC)
    assert placed["region"] == "US-TX"


def test_two_lines_of_one_sku_share_what_is_there(api):
    stock(api, (TEE, DAL, 5))

    placed = place(api, order((TEE, 3), (TEE, 3)))

    assert line_states(placed) == [(3, 3, 0), (3, 2, 1)]
    assert held(api, TEE, DAL) == (0, 5)


# Shortfalls become conflicts


def test_an_order_for_more_than_is_there_is_201_with_a_conflict(api):
    stock(api, (TEE, DAL, 2))

    placed = place(api, order((TEE, 5)))

    assert placed["status"] == "conflict"
    assert line_states(placed) == [(5, 2, 3)]
    assert held(api, TEE, DAL) == (0, 2)


@pytest.mark.both_engines
def test_a_shortfall_is_listed_as_a_conflict_resolved_by_the_policy(api):
    stock(api, (TEE, DAL, 2), (MUG, DAL, 4))

    placed = place(api, order((TEE, 5), (MUG, 1), channel="walmart", external_id="WM-9"))

    (conflict,) = items(api, "/v1/conflicts")  # the MUG line is whole: no conflict
    assert conflict["order_id"] == placed["id"]
    assert (conflict["channel"], conflict["external_id"]) == ("walmart", "WM-9")
    assert (conflict["sku"], conflict["short"]) == (TEE, 3)
    # The default policy decides at once: nothing cheaper to cancel holds TEE, no ship-by yet.
    assert (conflict["status"], conflict["decided_by"]) == ("resolved", "policy:auto")
    assert conflict["resolution"]["action"] == "backorder"
    assert conflict["resolution"]["reason"]


def test_conflicts_filter_by_status(api):
    place(api, order((TEE, 1)))

    assert len(items(api, "/v1/conflicts", status="resolved")) == 1
    assert items(api, "/v1/conflicts", status="proposed") == []


def test_an_order_with_no_stock_anywhere_is_wholly_short(api):
    placed = place(api, order((TEE, 2)))

    assert placed["status"] == "conflict"
    assert line_states(placed) == [(2, 0, 2)]
    assert placed["allocations"] == []
    assert api.ledger(reference="order:shopify:A-1") == []


# Which locations may serve which channel


def test_an_amazon_order_may_draw_on_fba(api):
    stock(api, (TEE, FBA, 3))

    placed = place(api, order((TEE, 3), channel="amazon"))

    assert allocated(placed) == [(FBA, TEE, 3)]


def test_an_amazon_order_may_draw_on_fba_and_dallas_together(api):
    stock(api, (TEE, DAL, 2), (TEE, FBA, 2))

    placed = place(api, order((TEE, 4), channel="amazon"))

    assert allocated(placed) == [(DAL, TEE, 2), (FBA, TEE, 2)]
    assert placed["status"] == "committed"


def test_a_walmart_order_never_draws_on_fba_or_the_store(api):
    stock(api, (TEE, FBA, 5), (TEE, NYC, 5))

    placed = place(api, order((TEE, 2), channel="walmart"))

    assert placed["status"] == "conflict"
    assert line_states(placed) == [(2, 0, 2)]
    assert [c["location"] for c in placed["routing"]["candidates"]] == [DAL]
    assert held(api, TEE, FBA) == (5, 0)
    assert held(api, TEE, NYC) == (5, 0)


def test_a_shopify_order_may_use_the_store(api):
    stock(api, (TEE, NYC, 3))

    placed = place(api, order((TEE, 2)))

    assert allocated(placed) == [(NYC, TEE, 2)]
    assert held(api, TEE, NYC) == (1, 2)


def test_a_shopify_order_never_draws_on_fba(api):
    stock(api, (TEE, FBA, 3))

    placed = place(api, order((TEE, 2)))

    assert line_states(placed) == [(2, 0, 2)]
    assert held(api, TEE, FBA) == (3, 0)


# Routing


def test_one_location_that_can_ship_everything_wins_over_a_split(api):
    # DAL-1 comes first by code and holds the tees, but only NYC-STORE holds the whole order.
    stock(api, (TEE, DAL, 5), (TEE, NYC, 2), (MUG, NYC, 1))

    placed = place(api, order((TEE, 2), (MUG, 1)))

    assert allocated(placed) == [(NYC, MUG, 1), (NYC, TEE, 2)]
    assert placed["routing"]["reason"].startswith(f"{NYC} can ship the whole order")


def test_an_order_no_single_location_can_ship_is_split(api):
    stock(api, (TEE, DAL, 2), (TEE, NYC, 2))

    placed = place(api, order((TEE, 4)))

    assert placed["status"] == "committed"
    assert allocated(placed) == [(DAL, TEE, 2), (NYC, TEE, 2)]
    assert "split across DAL-1, NYC-STORE" in placed["routing"]["reason"]


def test_without_splits_the_location_that_can_ship_most_ships_and_the_rest_is_short(api):
    put_channel(api, "shopify", {"platform": "shopify", "split_allowed": False})
    stock(api, (TEE, DAL, 1), (TEE, NYC, 3))

    placed = place(api, order((TEE, 4)))

    assert allocated(placed) == [(NYC, TEE, 3)]
    assert placed["status"] == "conflict"
    assert line_states(placed) == [(4, 3, 1)]
    assert "does not allow splits" in placed["routing"]["reason"]
    assert held(api, TEE, DAL) == (1, 0)


# Replays


@pytest.mark.both_engines
def test_the_same_order_again_is_200_with_the_identical_body(api):
    stock(api, (TEE, DAL, 5))
    first = api.post("/v1/orders", order((TEE, 2)))

    replay = api.post("/v1/orders", order((TEE, 2)))

    assert (first.status_code, replay.status_code) == (201, 200)
    assert replay.json() == first.json()


def test_only_the_replay_is_marked_idempotent_replayed(api):
    first = api.post("/v1/orders", order())

    replay = api.post("/v1/orders", order())

    assert "Idempotent-Replayed" not in first.headers
    assert replay.headers["Idempotent-Replayed"] == "true"


def test_a_replay_writes_nothing(api):
    stock(api, (TEE, DAL, 5))
    place(api, order((TEE, 2)))
    before = written(api)

    api.post("/v1/orders", order((TEE, 2)))

    assert written(api) == before


def test_a_replay_takes_nothing_itself_after_stock_arrived(api):
    first = place(api, order((TEE, 2)))
    assert first["status"] == "conflict"
    stock(api, (TEE, DAL, 5))  # the arrival fills the backorder, not the replay
    now = api.get(f"/v1/orders/{first['id']}").json()
    assert now["status"] == "committed"
    before = written(api)

    replay = api.post("/v1/orders", order((TEE, 2)))

    assert replay.json() == now
    assert written(api) == before
    assert held(api, TEE, DAL) == (3, 2)


def test_the_same_order_id_with_other_lines_is_409_and_writes_nothing(api):
    stock(api, (TEE, DAL, 5))
    place(api, order((TEE, 2)))
    before = written(api)

    detail = api.refused(api.post("/v1/orders", order((TEE, 3))), 409)

    assert "A-1" in detail
    assert written(api) == before


def test_the_same_external_id_on_another_channel_is_another_order(api):
    stock(api, (TEE, DAL, 5))
    first = place(api, order((TEE, 1), channel="shopify"))

    second = place(api, order((TEE, 1), channel="amazon"))

    assert second["id"] != first["id"]
    assert held(api, TEE, DAL) == (3, 2)


# Bad orders: a clear 4xx, nothing written


BAD_ORDERS = [
    ("unknown channel", order(channel="ebay"), 404, "ebay"),
    ("unknown sku", order(("NOPE-1", 1)), 404, "NOPE-1"),
    ("zero quantity", order((TEE, 0)), 422, "quantity"),
    ("negative quantity", order((TEE, -2)), 422, "quantity"),
    ("quantity as text", {**order(), "lines": [{"sku": TEE, "quantity": "2"}]}, 422, "quantity"),
    ("no lines", {**order(), "lines": []}, 422, "lines"),
    ("placed_at without zone", order(placed_at="2026-11-28T10:00:00"), 422, "placed_at"),
    ("ship_by without zone", order(ship_by="2026-11-29T10:00:00"), 422, "ship_by"),
    ("ship_by before placed_at", order(ship_by="2026-11-28T11:00:00+02:00"), 422, "ship_by"),
    ("missing placed_at", {k: v for k, v in order().items() if k != "placed_at"}, 422, "placed_at"),
    ("unknown field", order(note="gift"), 422, "note"),
    (
        "unknown line field",
        {**order(), "lines": [{"sku": TEE, "price": 9, "quantity": 1}]},
        422,
        "price",
    ),
    ("bad channel code", order(channel="Shop ify"), 422, "channel"),
    ("blank external_id", order(external_id="   "), 422, "external_id"),
    ("region too long", order(region="R" * 33), 422, "region"),
]


@pytest.mark.parametrize(
    ("body", "status", "mentions"),
    [case[1:] for case in BAD_ORDERS],
    ids=[case[0] for case in BAD_ORDERS],
)
def test_a_bad_order_is_refused_and_writes_nothing(api, body, status, mentions):
    stock(api, (TEE, DAL, 5))
    before = written(api)

    detail = api.refused(api.post("/v1/orders", body), status)

    assert mentions in detail
    assert written(api) == before


@pytest.mark.parametrize(
    "times",
    [
        {"placed_at": "9999-12-31T23:00:00-05:00"},  # 10000-01-01 in UTC
        {"placed_at": "0001-01-01T00:30:00+01:00"},  # year 0 in UTC
        {"ship_by": "9999-12-31T23:00:00-05:00"},
    ],
    ids=["placed_at after the calendar", "placed_at before it", "ship_by after it"],
)
def test_a_time_outside_the_calendar_in_utc_is_422_and_writes_nothing(api, times):
    stock(api, (TEE, DAL, 5))
    before = written(api)

    api.refused(api.post("/v1/orders", order(**times)), 422)

    assert written(api) == before


@pytest.mark.both_engines
def test_an_order_placed_in_year_1_is_422_and_its_sku_still_reads_and_takes_orders(api):
    stock(api, (TEE, DAL, 5))
    before = written(api)

    detail = api.refused(api.post("/v1/orders", order(placed_at="0001-01-01T00:00:00Z")), 422)

    assert detail.startswith("placed_at 0001-01-01T00:00:00Z is before 2000-01-01")
    assert written(api) == before
    assert api.get(f"/v1/skus/{TEE}/availability").status_code == 200
    stock(api, (TEE, DAL, 1))
    assert place(api, order())["status"] == "committed"


def test_a_viewer_may_not_post_an_order(api):
    stock(api, (TEE, DAL, 5))
    before = written(api)

    api.refused(api.post("/v1/orders", order(), headers=api.viewer), 403)

    assert written(api) == before


def test_posting_an_order_without_a_key_is_401(api):
    stock(api, (TEE, DAL, 5))
    before = written(api)

    api.refused(api.post("/v1/orders", order(), headers={}), 401)

    assert written(api) == before


def test_an_order_is_not_blocked_by_a_stock_write_keyed_like_its_ledger_lines(api):
    # An Idempotency-Key is the client's to choose; "order:1" is as good as any.
    receipt = {"sku": TEE, "location": DAL, "quantity": 5}
    assert api.stock_write("receipts", receipt, idempotency_key="order:1").status_code == 201

    response = api.post("/v1/orders", order((TEE, 2)))

    assert response.status_code == 201, response.text
    assert held(api, TEE, DAL) == (3, 2)


# Batches


def test_a_batch_answers_each_order_in_turn_with_the_status_a_single_post_would_get(api):
    stock(api, (TEE, DAL, 10))
    place(api, order((TEE, 1), external_id="OLD"))

    response = batch(
        api,
        [
            order((TEE, 2), external_id="NEW"),
            order((TEE, 1), external_id="OLD"),
            order(channel="ebay", external_id="E"),
            order((TEE, 9), external_id="OLD"),
            order((TEE, 0), external_id="Z"),
        ],
    )

    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [(r["index"], r["status"]) for r in results] == [
        (0, 201),
        (1, 200),
        (2, 404),
        (3, 409),
        (4, 422),
    ]


def test_a_batch_gives_each_accepted_order_and_each_refusal_a_detail(api):
    stock(api, (TEE, DAL, 10))
    old = place(api, order((TEE, 1), external_id="OLD"))

    results = batch(
        api,
        [order((TEE, 1), external_id="OLD"), order(("NOPE-1", 1)), order(placed_at="2026-11-28")],
    ).json()["results"]

    assert results[0]["order"] == old
    assert results[0]["detail"] is None
    assert results[1]["order"] is None
    assert "NOPE-1" in results[1]["detail"]
    assert "placed_at" in results[2]["detail"]


@pytest.mark.both_engines
def test_a_batch_applies_the_good_orders_even_when_others_fail(api):
    stock(api, (TEE, DAL, 10))

    results = batch(
        api,
        [
            order((TEE, 2), external_id="G-1"),
            order(("NOPE-1", 1), external_id="B-1"),
            order((TEE, 3), external_id="G-2"),
            order((TEE, 1), external_id="B-2", extra=True),
        ],
    ).json()["results"]

    assert [r["status"] for r in results] == [201, 404, 201, 422]
    assert [o["external_id"] for o in items(api, "/v1/orders")] == ["G-1", "G-2"]
    assert held(api, TEE, DAL) == (5, 5)


def test_the_same_order_twice_in_one_batch_is_taken_once(api):
    stock(api, (TEE, DAL, 10))

    results = batch(api, [order((TEE, 2)), order((TEE, 2))]).json()["results"]

    assert [r["status"] for r in results] == [201, 200]
    assert results[1]["order"] == results[0]["order"]
    assert held(api, TEE, DAL) == (8, 2)


def test_a_batch_item_with_a_time_outside_the_calendar_is_refused_on_its_own(api):
    stock(api, (TEE, DAL, 10))

    response = batch(
        api,
        [
            order((TEE, 1), external_id="G-1"),
            order((TEE, 1), external_id="B-1", placed_at="9999-12-31T23:00:00-05:00"),
        ],
    )

    assert response.status_code == 200, response.text
    assert [r["status"] for r in response.json()["results"]] == [201, 422]


def test_a_batch_of_501_orders_is_422_and_writes_nothing(api):
    stock(api, (TEE, DAL, 5))
    before = written(api)

    response = batch(api, [order(external_id=f"O-{n}") for n in range(501)])

    assert "orders" in api.refused(response, 422)
    assert written(api) == before


def test_an_empty_batch_is_422(api):
    api.refused(batch(api, []), 422)


def test_a_batch_item_that_is_not_an_order_object_is_422_for_the_whole_batch(api):
    stock(api, (TEE, DAL, 5))
    before = written(api)

    api.refused(batch(api, [order(), "A-2"]), 422)

    assert written(api) == before


def test_a_viewer_may_not_post_a_batch(api):
    stock(api, (TEE, DAL, 5))
    before = written(api)

    api.refused(batch(api, [order()], headers=api.viewer), 403)

    assert written(api) == before


# Reading orders


def test_an_order_reads_back_as_it_was_answered(api):
    stock(api, (TEE, DAL, 1))
    placed = place(api, order((TEE, 2), (MUG, 1), region="US-NY"))

    response = api.get(f"/v1/orders/{placed['id']}")

    assert response.status_code == 200, response.text
    assert response.json() == placed


def test_an_unknown_order_is_404(api):
    assert "12345" in api.refused(api.get("/v1/orders/12345"), 404)


@pytest.mark.both_engines
def test_an_order_id_beyond_any_stored_is_a_clear_4xx(api):
    response = api.get(f"/v1/orders/{2**63}")

    assert response.status_code in (404, 422), response.text
    api.refused(response, response.status_code)


def test_orders_filter_by_channel(api):
    stock(api, (TEE, DAL, 10))
    for channel, external_id in [("shopify", "S-1"), ("amazon", "A-1"), ("shopify", "S-2")]:
        place(api, order(channel=channel, external_id=external_id))

    listed = items(api, "/v1/orders", channel="shopify")

    assert [(o["channel"], o["external_id"]) for o in listed] == [
        ("shopify", "S-1"),
        ("shopify", "S-2"),
    ]


def test_orders_filter_by_status(api):
    stock(api, (TEE, DAL, 3))
    place(api, order((TEE, 2), external_id="FULL"))
    place(api, order((TEE, 2), external_id="SHORT"))

    committed = items(api, "/v1/orders", status="committed")
    in_conflict = items(api, "/v1/orders", status="conflict")

    assert [o["external_id"] for o in committed] == ["FULL"]
    assert [o["external_id"] for o in in_conflict] == ["SHORT"]


def test_an_unknown_status_filter_is_422(api):
    api.refused(api.get("/v1/orders", status="lost"), 422)


@pytest.mark.both_engines
def test_orders_page_by_cursor_and_each_is_seen_once(api):
    stock(api, (TEE, DAL, 10))
    ids = [place(api, order(external_id=f"P-{n}"))["id"] for n in range(7)]

    seen, sizes, cursor = [], [], None
    while True:
        params = {"limit": 3} if cursor is None else {"limit": 3, "cursor": cursor}
        page = api.get("/v1/orders", **params).json()
        seen += [o["id"] for o in page["items"]]
        sizes.append(len(page["items"]))
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert sizes == [3, 3, 1]
    assert seen == ids


def test_a_bad_orders_cursor_is_422(api):
    api.refused(api.get("/v1/orders", cursor="page-2"), 422)


def test_listing_the_orders_of_an_unknown_channel_is_404_not_an_empty_page(api):
    """A typo in the channel filter used to answer an empty list, as if it had no orders."""
    api.refused(api.get("/v1/orders", channel="amazom"), 404)
    assert api.get("/v1/orders", channel="shopify").status_code == 200
