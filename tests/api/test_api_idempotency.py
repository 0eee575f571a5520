"""Idempotency-Key on stock writes: a replay returns the first answer and writes nothing; the
same key on a different request is a 409."""

from __future__ import annotations

import pytest

TEE, MUG = "TEE-M-BLK", "MUG-12OZ"
DAL, FBA = "DAL-1", "FBA-US"

# Valid on a database holding 5 TEE-M-BLK available at DAL-1 (the `stocked` fixture).
WRITES = {
    "receipts": {"sku": TEE, "location": DAL, "quantity": 3, "reference": "PO-9"},
    "adjustments": {"sku": TEE, "location": DAL, "quantity": -1, "reason": "shrinkage"},
    "moves": {
        "sku": TEE,
        "location": DAL,
        "quantity": 2,
        "from_state": "available",
        "to_state": "damaged",
    },
    "transfers": {"sku": TEE, "from_location": DAL, "to_location": FBA, "quantity": 2},
    "counts": {"location": DAL, "lines": [{"sku": TEE, "counted": 4}, {"sku": MUG, "counted": 1}]},
    "safety-stock": {"sku": TEE, "location": DAL, "quantity": 2},
}

KEY = "7f7c6a3e-0d2b-4c51-9d0e-1b2a3c4d5e6f"


@pytest.fixture
def stocked(api):
    assert api.receive(TEE, DAL, 5).status_code == 201
    return api


def send(api, kind, body=None, key=KEY):
    return api.stock_write(kind, WRITES[kind] if body is None else body, idempotency_key=key)


@pytest.mark.parametrize("kind", list(WRITES))
@pytest.mark.both_engines
def test_a_replay_returns_the_identical_body_with_201(stocked, kind):
    first = send(stocked, kind)
    assert first.status_code == 201, first.text

    replay = send(stocked, kind)

    assert replay.status_code == 201
    assert replay.json() == first.json()
    assert replay.content == first.content


@pytest.mark.parametrize("kind", list(WRITES))
def test_a_replay_is_marked_idempotent_replayed_and_the_first_answer_is_not(stocked, kind):
    first = send(stocked, kind)

    replay = send(stocked, kind)

    assert "Idempotent-Replayed" not in first.headers
    assert replay.headers["Idempotent-Replayed"] == "true"


@pytest.mark.parametrize("kind", list(WRITES))
def test_a_replay_writes_nothing(stocked, kind):
    send(stocked, kind)
    after_first = stocked.snapshot()

    send(stocked, kind)
    send(stocked, kind)

    assert stocked.snapshot() == after_first


def test_a_replayed_receipt_adds_its_units_once(stocked):
    send(stocked, "receipts")
    send(stocked, "receipts")

    assert stocked.at(TEE, DAL)["available"] == 5 + 3
    assert len(stocked.ledger()) == 2


def test_a_replay_after_other_writes_returns_the_first_answer_unchanged(stocked):
    first = send(stocked, "receipts")
    stocked.receive(TEE, DAL, 100)

    replay = send(stocked, "receipts")

    assert replay.json() == first.json()
    assert replay.json()["balances"][0]["available"] == 8
    assert stocked.at(TEE, DAL)["available"] == 108


def test_the_same_body_with_its_fields_in_another_order_is_a_replay(stocked):
    first = send(stocked, "receipts")
    reordered = dict(reversed(list(WRITES["receipts"].items())))

    replay = send(stocked, "receipts", reordered)

    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()


@pytest.mark.parametrize("kind", list(WRITES))
@pytest.mark.both_engines
def test_a_reused_key_with_a_different_body_is_409_and_writes_nothing(stocked, kind):
    send(stocked, kind)
    before = stocked.snapshot()
    changed = {**WRITES[kind], "reference": "ANOTHER"}

    response = send(stocked, kind, changed)

    detail = stocked.refused(response, 409)
    assert KEY in detail
    assert stocked.snapshot() == before


def test_a_reused_key_with_another_quantity_is_409(stocked):
    send(stocked, "receipts")

    response = send(stocked, "receipts", {**WRITES["receipts"], "quantity": 4})

    stocked.refused(response, 409)
    assert stocked.at(TEE, DAL)["available"] == 8


def test_a_key_first_used_on_receipts_then_on_moves_is_409_and_writes_nothing(stocked):
    send(stocked, "receipts")
    before = stocked.snapshot()

    response = send(stocked, "moves")

    assert KEY in stocked.refused(response, 409)
    assert stocked.snapshot() == before


def test_a_key_first_used_on_moves_then_on_transfers_is_409(stocked):
    send(stocked, "moves")

    stocked.refused(send(stocked, "transfers"), 409)


def test_different_keys_each_apply_the_same_body(stocked):
    send(stocked, "receipts", key="first")
    second = send(stocked, "receipts", key="second")

    assert "Idempotent-Replayed" not in second.headers
    assert stocked.at(TEE, DAL)["available"] == 5 + 3 + 3


def test_writes_without_a_key_are_never_replays(stocked):
    stocked.stock_write("receipts", WRITES["receipts"])
    stocked.stock_write("receipts", WRITES["receipts"])

    assert stocked.at(TEE, DAL)["available"] == 5 + 3 + 3


def test_a_request_refused_for_too_little_stock_does_not_use_up_its_key(stocked):
    move_eight = {**WRITES["moves"], "quantity": 8}
    stocked.refused(send(stocked, "moves", move_eight), 409)
    stocked.receive(TEE, DAL, 3)

    retried = send(stocked, "moves", move_eight)

    assert retried.status_code == 201, retried.text
    assert "Idempotent-Replayed" not in retried.headers
    assert stocked.at(TEE, DAL)["damaged"] == 8


def test_a_request_refused_as_invalid_does_not_use_up_its_key(stocked):
    stocked.refused(send(stocked, "receipts", {**WRITES["receipts"], "quantity": 0}), 422)

    assert send(stocked, "receipts").status_code == 201
    assert stocked.at(TEE, DAL)["available"] == 8


def test_a_replayed_count_does_not_post_its_variance_twice(stocked):
    first = send(stocked, "counts")

    replay = send(stocked, "counts")

    assert replay.json()["counts"] == first.json()["counts"]
    assert [c["variance"] for c in first.json()["counts"]] == [-1, 1]
    assert stocked.at(TEE, DAL)["available"] == 4
    assert stocked.at(MUG, DAL)["available"] == 1
