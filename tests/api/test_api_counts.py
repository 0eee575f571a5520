"""Count sessions over HTTP: each route's answer, who may call it, and its refusals."""

from __future__ import annotations

import pytest
from tests.api.conftest import every_row, make_api
from tests.conftest import make_container, seed

TEE, MUG, DAL = "TEE-M-BLK", "MUG-12OZ", "DAL-1"


def opened(api, *skus, **fields):
    response = api.post("/v1/counts", {"location": DAL, "skus": list(skus), **fields})
    assert response.status_code == 201, response.text
    return response.json()


def unchanged(api):
    return every_row(api.container.engine, skip={"api_keys"})


@pytest.mark.both_engines
def test_open_count_lines_submit_posts_the_variance(api):
    api.receive(TEE, DAL, 10)
    count = opened(api, TEE, MUG)
    assert (count["status"], count["threshold"], count["posted"]) == ("open", 10, None)
    lines = api.post(f"/v1/counts/{count['id']}/lines", {"sku": TEE, "counted": 7})
    assert lines.status_code == 200, lines.text
    api.receive(TEE, DAL, 5)  # during the count: counted once
    many = {"lines": [{"sku": MUG, "counted": 1}]}
    assert api.post(f"/v1/counts/{count['id']}/lines", many).status_code == 200
    shown = api.get(f"/v1/counts/{count['id']}").json()
    assert {(li["sku"], li["expected"], li["variance"]) for li in shown["lines"]} == {
        (TEE, 10, -3),
        (MUG, 0, 1),
    }
    submitted = api.post(f"/v1/counts/{count['id']}/submit", None)
    assert submitted.status_code == 200, submitted.text
    body = submitted.json()
    assert body["status"] == "posted" and len(body["posted"]["movements"]) == 2
    assert api.at(TEE, DAL)["on_hand"] == 12 and api.at(MUG, DAL)["on_hand"] == 1
    assert [c["id"] for c in api.get("/v1/counts", status="posted").json()["items"]] == [
        count["id"]
    ]


def test_a_blind_count_hides_expected_until_submitted(api):
    api.receive(TEE, DAL, 4)
    count = opened(api, TEE, blind=True)
    line = api.post(f"/v1/counts/{count['id']}/lines", {"sku": TEE, "counted": 4}).json()
    assert (line["lines"][0]["expected"], line["lines"][0]["variance"]) == (None, None)
    assert api.get(f"/v1/counts/{count['id']}").json()["lines"][0]["expected"] is None
    done = api.post(f"/v1/counts/{count['id']}/submit", None).json()
    assert (done["lines"][0]["expected"], done["lines"][0]["variance"]) == (4, 0)


def test_a_large_variance_waits_for_another_key(api):
    api.receive(TEE, DAL, 30)
    count = opened(api, TEE)
    api.post(f"/v1/counts/{count['id']}/lines", {"sku": TEE, "counted": 5})
    waiting = api.post(f"/v1/counts/{count['id']}/submit", None).json()
    assert (waiting["status"], waiting["posted"]) == ("awaiting_approval", None)
    before = unchanged(api)
    own = api.post(f"/v1/counts/{count['id']}/approve", None)
    assert "another person approves it" in api.refused(own, 409)
    assert api.refused(api.post(f"/v1/counts/{count['id']}/approve", None, headers=api.viewer), 403)
    assert unchanged(api) == before
    approved = api.post(f"/v1/counts/{count['id']}/approve", None, headers=api.admin)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "posted" and api.at(TEE, DAL)["on_hand"] == 5
    again = api.post(f"/v1/counts/{count['id']}/approve", None, headers=api.admin)
    assert "not awaiting approval" in api.refused(again, 409)


@pytest.mark.both_engines
def test_a_count_worth_more_than_the_value_threshold_waits_and_says_why(database_url, clock):
    container = make_container(database_url, clock, count_approval_value="100")
    try:
        seed(container)
        api = make_api(container)
        cost = api.client.put(f"/v1/skus/{TEE}", json={"unit_cost": "12.50"}, headers=api.operator)
        assert cost.status_code == 200, cost.text
        api.receive(TEE, DAL, 10)
        count = opened(api, TEE, MUG)
        assert count["value_threshold"] == "100.0000"
        lines = {"lines": [{"sku": TEE, "counted": 1}, {"sku": MUG, "counted": 4}]}
        assert api.post(f"/v1/counts/{count['id']}/lines", lines).status_code == 200
        waiting = api.post(f"/v1/counts/{count['id']}/submit", None).json()
        assert waiting["status"] == "awaiting_approval"  # |-9| is within 10 units, not 112.50
        assert (waiting["variance_value"], waiting["over_thresholds"]) == ("112.5000", ["value"])
        assert waiting["unpriced"] == [MUG]
        assert {li["sku"]: li["unit_cost"] for li in waiting["lines"]} == {
            TEE: "12.5000",
            MUG: None,
        }
    finally:
        container.close()


def test_refusals_write_nothing(api):
    before = unchanged(api)
    api.refused(api.post("/v1/counts", {"location": "NOWHERE", "skus": [TEE]}), 404)
    api.refused(api.post("/v1/counts", {"location": DAL, "skus": ["SOCK-9"]}), 404)
    api.refused(api.post("/v1/counts", {"location": DAL, "skus": []}), 422)
    api.refused(api.post("/v1/counts", {"location": DAL, "skus": [TEE]}, headers=api.viewer), 403)
    assert unchanged(api) == before
    count = opened(api, TEE)
    path = f"/v1/counts/{count['id']}"
    before = unchanged(api)
    stray = api.post(f"{path}/lines", {"sku": MUG, "counted": 1})
    assert f"does not count {MUG}" in api.refused(stray, 422)
    both = api.post(f"{path}/lines", {"sku": TEE, "counted": 1, "lines": []})
    api.refused(both, 422)
    assert "not counted yet" in api.refused(api.post(f"{path}/submit", None), 409)
    api.refused(api.get("/v1/counts/999"), 404)
    assert unchanged(api) == before
    assert api.post(f"{path}/cancel", None).json()["status"] == "cancelled"
    late = api.post(f"{path}/lines", {"sku": TEE, "counted": 1})
    assert "cancelled" in api.refused(late, 409)
    api.refused(api.post(f"{path}/submit", None), 409)
    api.refused(api.post(f"{path}/cancel", None), 409)


def test_opening_replays_under_its_idempotency_key(api):
    body = {"location": DAL, "skus": [TEE]}
    first = api.post("/v1/counts", body, idempotency_key="open-1")
    again = api.post("/v1/counts", body, idempotency_key="open-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert len(api.get("/v1/counts").json()["items"]) == 1


def test_a_line_replays_under_its_idempotency_key_without_counting_again(api):
    api.receive(TEE, DAL, 3)
    count = opened(api, TEE)
    path = f"/v1/counts/{count['id']}/lines"
    first = api.post(path, {"sku": TEE, "counted": 2}, idempotency_key="line-1")
    api.receive(TEE, DAL, 4)
    again = api.post(path, {"sku": TEE, "counted": 2}, idempotency_key="line-1")
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["lines"] == first.json()["lines"]  # expected still 3: nothing rewritten
    other = api.post(path, {"sku": TEE, "counted": 5}, idempotency_key="line-1")
    api.refused(other, 409)
