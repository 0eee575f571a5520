"""POST and GET /v1/locations/{code}/snapshots, and the snapshot age GET /v1/locations/{code}
shows: success, replay, and each refusal writing nothing."""

from __future__ import annotations

import pytest

TEE, MUG = "TEE-M-BLK", "MUG-12OZ"
FBA = "FBA-US"
AS_OF = "2026-11-28T08:00:00Z"  # an hour before the test clock


def post_snapshot(api, rows, *, reference="FBA-0601", as_of=AS_OF, headers=None, **fields):
    body = {"as_of": as_of, "reference": reference, "rows": rows, **fields}
    return api.post(f"/v1/locations/{FBA}/snapshots", body, headers=headers)


@pytest.mark.both_engines
def test_a_snapshot_answers_201_with_the_reconciliation_and_is_listed(api, clock):
    api.receive(TEE, FBA, 10)  # recorded after as_of: the 3PL's file does not have it yet
    response = post_snapshot(api, [{"sku": TEE, "on_hand": 3, "damaged": 1}])
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["lines"] == [
        {"sku": TEE, "expected": 0, "reported": 3, "variance": 3, "unreconciled": 0}
    ]
    assert [(m["to_state"], m["quantity"], m["reason"]) for m in body["ledger"]] == [
        ("damaged", 1, "snapshot_reconcile"),
        ("available", 2, "snapshot_reconcile"),
    ]
    assert api.at(TEE, FBA)["on_hand"] == 13
    listed = api.get(f"/v1/locations/{FBA}/snapshots").json()["items"]
    assert [(s["reference"], s["as_of"], s["rows"], s["movements"]) for s in listed] == [
        ("FBA-0601", AS_OF, 1, 2)
    ]
    location = api.get(f"/v1/locations/{FBA}").json()
    assert (location["snapshot_at"], location["snapshot_age_seconds"]) == (AS_OF, 3600)


def test_the_same_snapshot_again_answers_200_with_the_first_answer(api):
    first = post_snapshot(api, [{"sku": TEE, "on_hand": 4}]).json()
    before = api.snapshot()
    again = post_snapshot(api, [{"sku": TEE, "on_hand": 4}])
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first
    assert api.snapshot() == before


def test_another_body_under_the_same_reference_is_409(api):
    post_snapshot(api, [{"sku": TEE, "on_hand": 4}])
    before = api.snapshot()
    detail = api.refused(post_snapshot(api, [{"sku": TEE, "on_hand": 5}]), 409)
    assert "already applied with different contents" in detail
    assert api.snapshot() == before


def test_a_snapshot_older_than_the_last_is_409_with_both_times(api):
    post_snapshot(api, [{"sku": TEE, "on_hand": 4}])
    before = api.snapshot()
    older = post_snapshot(
        api, [{"sku": TEE, "on_hand": 9}], reference="FBA-0531", as_of="2026-11-28T07:00:00Z"
    )
    detail = api.refused(older, 409)
    assert "2026-11-28T07:00:00Z" in detail and "2026-11-28T08:00:00Z" in detail
    assert api.snapshot() == before


@pytest.mark.parametrize(
    ("path", "status", "named"),
    [
        (f"/v1/locations/{FBA}/snapshots", 404, "NOPE-1"),
        ("/v1/locations/NOWHERE/snapshots", 404, "NOWHERE"),
    ],
    ids=["unknown-sku", "unknown-location"],
)
def test_an_unknown_sku_or_location_is_404_naming_it_and_writes_nothing(api, path, status, named):
    before = api.snapshot()
    body = {"as_of": AS_OF, "reference": "F-1", "rows": [{"sku": "NOPE-1", "on_hand": 1}]}
    assert named in api.refused(api.post(path, body), status)
    assert api.snapshot() == before


@pytest.mark.parametrize(
    "fields",
    [
        {"as_of": "2026-11-28T08:00:00"},  # no offset
        {"as_of": "2027-11-28T08:00:00Z"},  # a year ahead: would block every later snapshot
        {"reference": ""},
        {"rows": [{"sku": TEE, "on_hand": 1, "damaged": 2}]},
        {"rows": [{"sku": TEE, "on_hand": -1}]},
        {"rows": [{"sku": TEE, "on_hand": 1}, {"sku": TEE, "on_hand": 2}]},
    ],
    ids=[
        "naive-as-of",
        "future-as-of",
        "no-reference",
        "states-above-on-hand",
        "negative",
        "sku-twice",
    ],
)
def test_a_malformed_snapshot_is_422_and_writes_nothing(api, fields):
    before = api.snapshot()
    body = {"as_of": AS_OF, "reference": "F-1", "rows": [{"sku": TEE, "on_hand": 1}], **fields}
    api.refused(api.post(f"/v1/locations/{FBA}/snapshots", body), 422)
    assert api.snapshot() == before


def test_viewers_read_snapshots_and_operators_apply_them(api):
    assert post_snapshot(api, [{"sku": TEE, "on_hand": 1}], headers=api.viewer).status_code == 403
    assert api.get(f"/v1/locations/{FBA}/snapshots").status_code == 200
