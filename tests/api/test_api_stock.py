"""Stock writes that succeed: receipts, adjustments, moves, transfers, counts, safety stock,
and GET /v1/skus/{sku}/stock that shows their result."""

from __future__ import annotations

import pytest

TEE, MUG = "TEE-M-BLK", "MUG-12OZ"
DAL, FBA, NYC = "DAL-1", "FBA-US", "NYC-STORE"

STATES = ("available", "reserved", "committed", "quality_control", "damaged", "safety_stock")
ZERO = dict.fromkeys((*STATES, "incoming", "on_hand"), 0)


def quantities(**nonzero: int) -> dict[str, int]:
    """A full balance: the given states, zeros elsewhere, on_hand summed (incoming excluded)."""
    result = {**ZERO, **nonzero}
    result["on_hand"] = sum(result[state] for state in STATES)
    return result


def created(response) -> dict:
    assert response.status_code == 201, response.text
    return response.json()


# Receipts


def test_a_receipt_answers_201_with_the_movement_and_the_balance(api):
    body = created(api.receive(TEE, DAL, 12, reference="PO-1001"))

    (movement,) = body["movements"]
    assert movement["sku"] == TEE
    assert movement["location"] == DAL
    assert (movement["from_state"], movement["to_state"]) == (None, "available")
    assert movement["quantity"] == 12
    assert movement["reason"] == "received"
    assert movement["reference"] == "PO-1001"
    assert movement["actor"] == f"api:{api.operator_key_id}"
    assert body["balances"] == [{"sku": TEE, "location": DAL, **quantities(available=12)}]
    assert body["counts"] == []


def test_a_receipt_is_stamped_with_the_clock(api, clock):
    clock.advance(minutes=5)

    (movement,) = created(api.receive(TEE, DAL, 1))["movements"]

    assert movement["at"].startswith("2026-11-28T09:05:00")


def test_receipts_add_up(api):
    api.receive(TEE, DAL, 12)
    api.receive(TEE, DAL, 3)

    assert api.at(TEE, DAL) == quantities(available=15)


def test_a_receipt_into_quality_control(api):
    api.receive(TEE, DAL, 4, state="quality_control")

    assert api.at(TEE, DAL) == quantities(quality_control=4)


def test_receipts_at_one_location_leave_other_locations_and_skus_alone(api):
    api.receive(TEE, DAL, 12)

    assert api.at(TEE, FBA) == ZERO
    assert api.stock(MUG)["locations"] == []


# Adjustments


@pytest.mark.parametrize(
    ("reason", "quantity", "available"),
    [
        ("found", 3, 13),
        ("purchase_order", 2, 12),
        ("shrinkage", -2, 8),
        ("damage", -1, 9),
        ("write_off", -10, 0),
        ("correction", 4, 14),
        ("correction", -4, 6),
        ("other", -1, 9),
    ],
)
def test_an_adjustment_changes_available_by_its_signed_quantity(api, reason, quantity, available):
    api.receive(TEE, DAL, 10)

    body = created(api.adjust(TEE, DAL, quantity, reason))

    (movement,) = body["movements"]
    assert movement["reason"] == reason
    assert movement["quantity"] == abs(quantity)
    assert body["balances"][0]["available"] == available
    assert api.at(TEE, DAL) == quantities(available=available)


def test_a_positive_adjustment_comes_from_outside(api):
    (movement,) = created(api.adjust(TEE, DAL, 3, "found"))["movements"]

    assert (movement["from_state"], movement["to_state"]) == (None, "available")


def test_a_negative_adjustment_leaves(api):
    api.receive(TEE, DAL, 10)

    (movement,) = created(api.adjust(TEE, DAL, -3, "shrinkage"))["movements"]

    assert (movement["from_state"], movement["to_state"]) == ("available", None)


def test_an_adjustment_of_damaged_stock(api):
    api.receive(TEE, DAL, 5)
    api.move(TEE, DAL, 3, "available", "damaged")

    created(api.adjust(TEE, DAL, -3, "write_off", state="damaged"))

    assert api.at(TEE, DAL) == quantities(available=2)


def test_an_adjustment_of_incoming_leaves_on_hand_alone(api):
    created(api.adjust(TEE, DAL, 20, "purchase_order", state="incoming"))

    assert api.at(TEE, DAL) == {**quantities(), "incoming": 20}


# Moves


def test_a_move_changes_state_at_one_location(api):
    api.receive(TEE, DAL, 10)

    body = created(api.move(TEE, DAL, 3, "available", "damaged"))

    (movement,) = body["movements"]
    assert (movement["from_state"], movement["to_state"]) == ("available", "damaged")
    assert movement["reason"] == "damage"
    assert body["balances"] == [{"sku": TEE, "location": DAL, **quantities(available=7, damaged=3)}]


def test_a_move_out_of_quality_control_into_available_is_a_restock(api):
    api.receive(TEE, DAL, 5, state="quality_control")

    (movement,) = created(api.move(TEE, DAL, 5, "quality_control", "available"))["movements"]

    assert movement["reason"] == "restock"
    assert api.at(TEE, DAL) == quantities(available=5)


def test_a_move_keeps_a_reason_given_for_it(api):
    api.receive(TEE, DAL, 5)

    body = created(api.move(TEE, DAL, 1, "available", "quality_control", reason="correction"))

    assert body["movements"][0]["reason"] == "correction"


@pytest.mark.parametrize(
    ("from_state", "to_state"),
    [
        ("available", "quality_control"),
        ("available", "safety_stock"),
        ("available", "damaged"),
        ("damaged", "available"),
    ],
)
def test_a_move_between_manual_states_keeps_on_hand(api, from_state, to_state):
    api.receive(TEE, DAL, 5)
    if from_state != "available":
        api.move(TEE, DAL, 5, "available", from_state)

    created(api.move(TEE, DAL, 2, from_state, to_state))

    after = api.at(TEE, DAL)
    assert (after[from_state], after[to_state], after["on_hand"]) == (3, 2, 5)


# Transfers


def test_a_transfer_takes_units_from_the_source_now(api):
    api.receive(TEE, DAL, 10)

    created(api.transfer(TEE, DAL, FBA, 4))

    assert api.at(TEE, DAL) == quantities(available=6)


def test_a_transfer_makes_units_incoming_at_the_destination(api):
    api.receive(TEE, DAL, 10)

    created(api.transfer(TEE, DAL, FBA, 4))

    assert api.at(TEE, FBA) == {**quantities(), "incoming": 4}


@pytest.mark.both_engines
def test_a_transfer_answers_with_both_movements_and_both_balances(api):
    api.receive(TEE, DAL, 10)

    body = created(api.transfer(TEE, DAL, FBA, 4, reference="TR-7"))

    out, into = body["movements"]
    assert (out["location"], out["from_state"], out["to_state"], out["reason"]) == (
        DAL,
        "available",
        None,
        "transfer_out",
    )
    assert (into["location"], into["from_state"], into["to_state"], into["reason"]) == (
        FBA,
        None,
        "incoming",
        "transfer_in",
    )
    assert {m["reference"] for m in body["movements"]} == {"TR-7"}
    assert {(b["location"], b["available"], b["incoming"]) for b in body["balances"]} == {
        (DAL, 6, 0),
        (FBA, 0, 4),
    }


def test_receiving_a_transfer_moves_incoming_into_available(api):
    api.receive(TEE, DAL, 10)
    api.transfer(TEE, DAL, FBA, 4)

    body = created(api.receive(TEE, FBA, 4, from_incoming=True))

    assert body["movements"][0]["from_state"] == "incoming"
    assert api.at(TEE, FBA) == quantities(available=4)


def test_receiving_part_of_a_transfer_leaves_the_rest_incoming(api):
    api.receive(TEE, DAL, 10)
    api.transfer(TEE, DAL, FBA, 4)

    api.receive(TEE, FBA, 3, from_incoming=True, state="quality_control")

    assert api.at(TEE, FBA) == {**quantities(quality_control=3), "incoming": 1}


def test_a_transfer_of_damaged_stock(api):
    api.receive(TEE, DAL, 10)
    api.move(TEE, DAL, 2, "available", "damaged")

    created(api.transfer(TEE, DAL, NYC, 2, state="damaged"))

    assert api.at(TEE, DAL) == quantities(available=8)
    assert api.at(TEE, NYC)["incoming"] == 2


# Counts


def test_a_count_reports_expected_counted_and_variance(api):
    api.receive(TEE, DAL, 10)

    body = created(api.count(DAL, sku=TEE, counted=7))

    assert body["counts"] == [{"sku": TEE, "expected": 10, "counted": 7, "variance": -3}]


def test_a_count_shortfall_comes_out_of_available_first(api):
    api.receive(TEE, DAL, 10)
    api.move(TEE, DAL, 2, "available", "damaged")
    api.safety_stock(TEE, DAL, 3)

    body = created(api.count(DAL, sku=TEE, counted=9))

    (movement,) = body["movements"]
    assert (movement["from_state"], movement["quantity"], movement["reason"]) == (
        "available",
        1,
        "cycle_count",
    )
    assert api.at(TEE, DAL) == quantities(available=4, damaged=2, safety_stock=3)


def test_a_count_shortfall_larger_than_available_takes_safety_stock_next(api):
    api.receive(TEE, DAL, 10)
    api.move(TEE, DAL, 2, "available", "damaged")
    api.safety_stock(TEE, DAL, 3)

    body = created(api.count(DAL, sku=TEE, counted=4))

    taken = [(m["from_state"], m["quantity"]) for m in body["movements"]]
    assert taken == [("available", 5), ("safety_stock", 1)]
    assert api.at(TEE, DAL) == quantities(damaged=2, safety_stock=2)


def test_a_count_surplus_is_added_to_available(api):
    api.receive(TEE, DAL, 10)

    body = created(api.count(DAL, sku=TEE, counted=12))

    assert body["counts"][0]["variance"] == 2
    assert [(m["to_state"], m["quantity"]) for m in body["movements"]] == [("available", 2)]
    assert api.at(TEE, DAL) == quantities(available=12)


def test_a_count_that_matches_writes_no_movement(api):
    api.receive(TEE, DAL, 10)

    body = created(api.count(DAL, sku=TEE, counted=10))

    assert body["counts"] == [{"sku": TEE, "expected": 10, "counted": 10, "variance": 0}]
    assert body["movements"] == []
    assert len(api.ledger()) == 1


def test_a_count_ignores_incoming_units(api):
    api.adjust(TEE, DAL, 5, "purchase_order", state="incoming")
    api.receive(TEE, DAL, 2)

    body = created(api.count(DAL, sku=TEE, counted=2))

    assert body["counts"][0]["expected"] == 2
    assert api.at(TEE, DAL)["incoming"] == 5


@pytest.mark.both_engines
def test_a_count_of_several_lines(api):
    api.receive(TEE, DAL, 10)
    api.receive(MUG, DAL, 4)

    body = created(api.count(DAL, lines=[{"sku": TEE, "counted": 8}, {"sku": MUG, "counted": 6}]))

    assert body["counts"] == [
        {"sku": TEE, "expected": 10, "counted": 8, "variance": -2},
        {"sku": MUG, "expected": 4, "counted": 6, "variance": 2},
    ]
    assert api.at(TEE, DAL)["available"] == 8
    assert api.at(MUG, DAL)["available"] == 6


def test_a_count_of_zero_empties_the_shelf(api):
    api.receive(TEE, DAL, 3)

    created(api.count(DAL, sku=TEE, counted=0))

    assert api.at(TEE, DAL) == ZERO


def test_a_count_of_a_sku_never_stocked_there_adds_it(api):
    body = created(api.count(NYC, sku=MUG, counted=2))

    assert body["counts"] == [{"sku": MUG, "expected": 0, "counted": 2, "variance": 2}]
    assert api.at(MUG, NYC) == quantities(available=2)


# Safety stock


def test_safety_stock_holds_units_back_from_available(api):
    api.receive(TEE, DAL, 10)

    body = created(api.safety_stock(TEE, DAL, 4))

    (movement,) = body["movements"]
    assert (movement["from_state"], movement["to_state"], movement["quantity"]) == (
        "available",
        "safety_stock",
        4,
    )
    assert api.at(TEE, DAL) == quantities(available=6, safety_stock=4)


def test_safety_stock_is_a_target_level_not_an_increment(api):
    api.receive(TEE, DAL, 10)
    api.safety_stock(TEE, DAL, 4)

    created(api.safety_stock(TEE, DAL, 6))

    assert api.at(TEE, DAL) == quantities(available=4, safety_stock=6)


def test_lowering_safety_stock_releases_units_to_available(api):
    api.receive(TEE, DAL, 10)
    api.safety_stock(TEE, DAL, 4)

    body = created(api.safety_stock(TEE, DAL, 1))

    (movement,) = body["movements"]
    assert (movement["from_state"], movement["to_state"], movement["quantity"]) == (
        "safety_stock",
        "available",
        3,
    )
    assert api.at(TEE, DAL) == quantities(available=9, safety_stock=1)


def test_safety_stock_of_zero_releases_all(api):
    api.receive(TEE, DAL, 10)
    api.safety_stock(TEE, DAL, 4)

    created(api.safety_stock(TEE, DAL, 0))

    assert api.at(TEE, DAL) == quantities(available=10)


def test_setting_safety_stock_to_its_current_level_writes_nothing(api):
    api.receive(TEE, DAL, 10)
    api.safety_stock(TEE, DAL, 4)

    body = created(api.safety_stock(TEE, DAL, 4))

    assert body["movements"] == []
    assert len(api.ledger()) == 2


# GET /v1/skus/{sku}/stock


def test_stock_of_a_sku_never_stocked_is_all_zero(api):
    assert api.stock(TEE) == {"sku": TEE, "totals": ZERO, "locations": []}


def test_stock_totals_sum_every_location_by_state(api):
    api.receive(TEE, DAL, 10)
    api.receive(TEE, NYC, 3, state="quality_control")
    api.move(TEE, DAL, 1, "available", "damaged")
    api.transfer(TEE, DAL, FBA, 2)

    stock = api.stock(TEE)

    assert stock["sku"] == TEE
    assert stock["totals"] == {
        **quantities(available=7, quality_control=3, damaged=1),
        "incoming": 2,
    }
    assert [row["location"] for row in stock["locations"]] == [DAL, FBA, NYC]


def test_stock_lists_each_location_with_every_state(api):
    api.receive(TEE, DAL, 10)
    api.transfer(TEE, DAL, FBA, 2)

    by_location = {row.pop("location"): row for row in api.stock(TEE)["locations"]}

    assert by_location == {
        DAL: quantities(available=8),
        FBA: {**quantities(), "incoming": 2},
    }


def test_on_hand_excludes_incoming(api):
    api.receive(TEE, DAL, 10)
    api.transfer(TEE, DAL, FBA, 10)

    totals = api.stock(TEE)["totals"]

    assert (totals["incoming"], totals["on_hand"]) == (10, 0)


def test_stock_of_an_unknown_sku_is_404(api):
    assert "NO-SUCH" in api.refused(api.get("/v1/skus/NO-SUCH/stock"), 404)


@pytest.mark.both_engines
def test_every_stock_write_is_attributed_to_the_key_that_made_it(api):
    api.receive(TEE, DAL, 10)
    api.post("/v1/stock/receipts", {"sku": MUG, "location": DAL, "quantity": 1}, headers=api.admin)

    actors = [entry["actor"] for entry in api.ledger()]

    assert actors[0] == f"api:{api.operator_key_id}"
    assert actors[1] != actors[0]
    assert actors[1].startswith("api:key_")
