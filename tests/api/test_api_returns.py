"""Returns over HTTP: the article's case (a Shopify return waits in quality_control, counted by
no channel until inspected), the QC queue, and every refusal writing nothing."""

import pytest

TEE, MUG, DAL = "TEE-M-BLK", "MUG-12OZ", "DAL-1"


def shipped(api, units, external_id="S-1"):
    """A Shopify order of units, shipped whole."""
    body = {
        "channel": "shopify",
        "external_id": external_id,
        "lines": [{"sku": TEE, "quantity": units}],
        "placed_at": "2026-11-28T09:00:00Z",
    }
    order = api.post("/v1/orders", body)
    assert order.status_code == 201, order.text
    assert api.post(f"/v1/orders/{order.json()['id']}/shipments", None).status_code == 200
    return order.json()


def returned(units, external_id="S-1", **fields):
    return {
        "channel": "shopify",
        "order_external_id": external_id,
        "location": DAL,
        "lines": [{"sku": TEE, "quantity": units}],
        "reason": "too small",
        **fields,
    }


def shown(api):
    """What each channel may show of the tee."""
    response = api.get(f"/v1/skus/{TEE}/availability")
    assert response.status_code == 200, response.text
    return {c["channel"]: c["recorded"] for c in response.json()["channels"]}


def inspect(api, return_id, units, disposition, **fields):
    body = {"sku": TEE, "quantity": units, "disposition": disposition, **fields}
    return api.post(f"/v1/returns/{return_id}/inspections", body)


@pytest.mark.both_engines
def test_a_shopify_return_is_sellable_only_once_inspected_as_restock(api):
    api.receive(TEE, DAL, 10)
    shipped(api, 2)
    before = shown(api)
    opened = api.post("/v1/returns", returned(2))
    assert opened.status_code == 201, opened.text
    ret = opened.json()
    assert (ret["status"], ret["awaiting"], ret["overdue"]) == ("awaiting_inspection", 2, False)
    assert api.at(TEE, DAL)["quality_control"] == 2
    assert shown(api) == before  # in quality_control: no channel's number counts it
    damaged = inspect(api, ret["id"], 1, "damaged")
    assert damaged.status_code == 201, damaged.text
    assert shown(api) == before  # damaged never becomes available
    restocked = inspect(api, ret["id"], 1, "restock").json()
    assert (restocked["status"], restocked["awaiting"]) == ("inspected", 0)
    assert [i["disposition"] for i in restocked["inspections"]] == ["damaged", "restock"]
    after = shown(api)
    assert all(after[channel] > before[channel] for channel in ("shopify", "walmart", "amazon"))
    stock = api.at(TEE, DAL)
    assert (stock["quality_control"], stock["damaged"], stock["available"]) == (0, 1, 9)


@pytest.mark.both_engines
def test_a_sku_restocked_on_receipt_is_sellable_as_soon_as_it_is_returned(api):
    api.receive(TEE, DAL, 10)
    shipped(api, 2)
    setting = api.client.put(
        f"/v1/skus/{TEE}", json={"restock_on_receipt": True}, headers=api.operator
    )
    assert setting.status_code == 200, setting.text
    before = shown(api)

    ret = api.post("/v1/returns", returned(2)).json()

    assert (ret["status"], ret["awaiting"]) == ("inspected", 0)
    assert [(i["disposition"], i["actor"]) for i in ret["inspections"]] == [
        ("restock", "restock_on_receipt")
    ]
    assert (api.at(TEE, DAL)["quality_control"], api.at(TEE, DAL)["available"]) == (0, 10)
    assert all(shown(api)[c] > before[c] for c in ("shopify", "walmart", "amazon"))


def test_a_replayed_return_is_the_same_return(api):
    api.receive(TEE, DAL, 2)
    shipped(api, 2)
    first = api.post("/v1/returns", returned(1), idempotency_key="rma-1")
    again = api.post("/v1/returns", returned(1), idempotency_key="rma-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["id"] == first.json()["id"]
    assert api.at(TEE, DAL)["quality_control"] == 1


def test_refused_returns_and_inspections_write_nothing(api):
    api.receive(TEE, DAL, 2)
    shipped(api, 2)
    ret = api.post("/v1/returns", returned(1)).json()
    before = api.snapshot()
    api.refused(api.post("/v1/returns", returned(1, "S-404")), 404)
    detail = api.refused(api.post("/v1/returns", returned(2)), 409)
    assert "2 of TEE-M-BLK shipped, 1 returned already, 2 returned now" in detail
    mug = {**returned(1), "lines": [{"sku": MUG, "quantity": 1}]}
    api.refused(api.post("/v1/returns", mug), 422)
    api.refused(api.post("/v1/returns", returned(1, location="NOWHERE")), 404)
    detail = api.refused(inspect(api, ret["id"], 2, "restock"), 409)
    assert "1 awaiting inspection; 2 inspected now" in detail
    api.refused(inspect(api, ret["id"], 1, "resell"), 422)
    assert "needs a reference" in api.refused(inspect(api, ret["id"], 1, "return_to_vendor"), 422)
    api.refused(inspect(api, 999, 1, "restock"), 404)
    assert api.snapshot() == before
    assert inspect(api, ret["id"], 1, "return_to_vendor", reference="RMA-7").status_code == 201
    api.refused(inspect(api, ret["id"], 1, "dispose"), 409)  # inspected already


def test_the_qc_queue_pages_oldest_first_with_age_and_overdue(api, clock):
    api.receive(TEE, DAL, 3)
    shipped(api, 3)
    ids = []
    for _ in range(3):
        ids.append(api.post("/v1/returns", returned(1)).json()["id"])
        clock.advance(hours=25)
    inspect(api, ids[1], 1, "restock")
    first = api.get("/v1/returns", status="awaiting_inspection", limit=1).json()
    [oldest] = first["items"]
    assert (oldest["id"], oldest["age_seconds"], oldest["overdue"]) == (ids[0], 75 * 3600, True)
    rest = api.get("/v1/returns", status="awaiting_inspection", cursor=first["next_cursor"])
    [newest] = rest.json()["items"]
    assert (newest["id"], newest["overdue"], newest["awaiting"]) == (ids[2], False, 1)
    assert len(api.get("/v1/returns").json()["items"]) == 3
    assert api.get(f"/v1/returns/{ids[1]}").json()["inspections"][0]["quantity"] == 1
    api.refused(api.get("/v1/returns", status="lost"), 422)
    api.refused(api.get("/v1/returns/999"), 404)
