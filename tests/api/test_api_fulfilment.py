"""Cancelling and shipping orders through HTTP."""

import pytest

TEE, MUG, DAL = "TEE-M-BLK", "MUG-12OZ", "DAL-1"


def place(api, units, external_id="S-1"):
    body = {
        "channel": "shopify",
        "external_id": external_id,
        "lines": [{"sku": TEE, "quantity": units}],
        "placed_at": "2026-11-28T09:00:00Z",
    }
    response = api.post("/v1/orders", body)
    assert response.status_code == 201, response.text
    return response.json()


def totals(api):
    return api.get(f"/v1/skus/{TEE}/stock").json()["totals"]


@pytest.mark.both_engines
def test_ship_part_then_cancel_the_rest(api):
    api.receive(TEE, DAL, 5)
    order = place(api, 4)
    shipped = api.post(
        f"/v1/orders/{order['id']}/shipments", {"lines": [{"sku": TEE, "quantity": 3}]}
    )
    assert shipped.status_code == 200
    assert shipped.json()["lines"][0]["shipped"] == 3
    cancelled = api.post(f"/v1/orders/{order['id']}/cancel", None)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "shipped"  # nothing open; some units shipped
    assert cancelled.json()["lines"][0]["cancelled"] == 1
    stock = totals(api)
    assert (stock["available"], stock["committed"], stock["on_hand"]) == (2, 0, 2)


@pytest.mark.both_engines
def test_a_keyed_shipment_replays_without_shipping_twice(api):
    api.receive(TEE, DAL, 5)
    order = place(api, 4)
    path = f"/v1/orders/{order['id']}/shipments"
    body = {"lines": [{"sku": TEE, "quantity": 1}]}
    first = api.post(path, body, idempotency_key="ship-77")
    again = api.post(path, body, idempotency_key="ship-77")
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert first.json() == again.json()
    assert totals(api)["on_hand"] == 4
    other = api.post(path, {"lines": [{"sku": TEE, "quantity": 2}]}, idempotency_key="ship-77")
    api.refused(other, 409)


def test_bad_fulfilment_requests_write_nothing(api):
    api.receive(TEE, DAL, 2)
    order = place(api, 2)
    before = api.snapshot()
    path = f"/v1/orders/{order['id']}"
    api.refused(api.post(f"{path}/shipments", {"lines": [{"sku": TEE, "quantity": 3}]}), 409)
    api.refused(api.post(f"{path}/shipments", {"lines": [{"sku": MUG, "quantity": 1}]}), 422)
    api.refused(api.post(f"{path}/cancel", {"lines": [{"sku": TEE, "quantity": 0}]}), 422)
    api.refused(api.post("/v1/orders/999/cancel", None), 404)
    assert api.snapshot() == before


def test_orders_a_count_found_short_can_still_be_shipped_picked_and_cancelled(api):
    """The newcomer's report: 18 committed, a count finds 15; every order stays workable."""
    api.receive(TEE, DAL, 18)
    orders = [place(api, 6, f"S-{n}") for n in range(3)]
    counted = api.count(DAL, lines=[{"sku": TEE, "counted": 15}])
    assert counted.status_code == 201, counted.text
    [taken] = counted.json()["taken"]
    assert taken["order_id"] in {o["id"] for o in orders} and taken["units"] == 3
    path = f"/v1/orders/{taken['order_id']}"
    short = api.get(path).json()
    assert (short["status"], short["lines"][0]["committed"]) == ("conflict", 3)
    assert api.post(f"{path}/short-picks", {"sku": TEE, "location": DAL, "missing": 1}).is_success
    assert api.post(f"{path}/shipments", {"lines": [{"sku": TEE, "quantity": 2}]}).is_success
    assert api.post(f"{path}/cancel", None).is_success
    stock = totals(api)
    assert (stock["committed"], stock["on_hand"]) == (12, 12)


def test_shipping_an_order_with_nothing_committed_is_a_409_saying_why(api):
    api.receive(TEE, DAL, 1)
    order = place(api, 3)  # 1 committed, 2 short
    path = f"/v1/orders/{order['id']}"
    assert api.post(f"{path}/shipments", {}).status_code == 200  # ships the 1
    before = api.snapshot()
    refused = api.post(f"{path}/shipments", {})
    api.refused(refused, 409)
    assert refused.json()["detail"] == (
        "Nothing to ship: no unit of this order is committed; of its 3, "
        "2 short (a conflict: they wait for stock), 1 shipped already."
    )
    assert api.post(f"{path}/cancel", None).status_code == 200  # the 2 short
    api.refused(api.post(f"{path}/cancel", None), 409)  # nothing left to cancel
    assert api.snapshot()["ledger"] == before["ledger"]
