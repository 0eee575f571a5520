"""Bad stock writes: each gets a clear 4xx with a readable detail, and writes nothing at all."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from fastapi.testclient import TestClient

from stockpool.bootstrap import bootstrap
from stockpool.entrypoints.api.app import create_app

TEE, MUG = "TEE-M-BLK", "MUG-12OZ"
DAL, FBA, NYC = "DAL-1", "FBA-US", "NYC-STORE"

# The stock every test here starts from: 5 TEE-M-BLK available at DAL-1, nothing else.
HELD = 5

RECEIPT = {"sku": TEE, "location": DAL, "quantity": 1}
ADJUSTMENT = {"sku": TEE, "location": DAL, "quantity": -1, "reason": "shrinkage"}
MOVE = {
    "sku": TEE,
    "location": DAL,
    "quantity": 1,
    "from_state": "available",
    "to_state": "damaged",
}
TRANSFER = {"sku": TEE, "from_location": DAL, "to_location": FBA, "quantity": 1}
COUNT = {"location": DAL, "sku": TEE, "counted": 4}
SAFETY = {"sku": TEE, "location": DAL, "quantity": 1}

VALID = {
    "receipts": RECEIPT,
    "adjustments": ADJUSTMENT,
    "moves": MOVE,
    "transfers": TRANSFER,
    "counts": COUNT,
    "safety-stock": SAFETY,
}


@pytest.fixture
def stocked(api):
    assert api.receive(TEE, DAL, HELD).status_code == 201
    return api


def case(kind, body, status, name):
    return pytest.param(kind, body, status, id=f"{kind}-{name}")


def unwritten(api, kind, body, status, **post_options):
    """Post a bad write; assert its refusal and that nothing changed. The detail."""
    before = api.snapshot()

    detail = api.refused(api.stock_write(kind, body, **post_options), status)

    assert api.snapshot() == before
    return detail


@pytest.mark.both_engines
def test_every_valid_body_here_is_accepted(stocked):
    """The bad bodies below are these with one thing wrong; check these are otherwise fine."""
    for kind, body in VALID.items():
        assert stocked.stock_write(kind, body).status_code == 201, kind


# Quantities: zero, negative, wrong type (422)

QUANTITY_CASES = [
    case(kind, {**body, field: value}, 422, name)
    for kind, body, field in [
        ("receipts", RECEIPT, "quantity"),
        ("moves", MOVE, "quantity"),
        ("transfers", TRANSFER, "quantity"),
    ]
    for name, value in [
        ("zero", 0),
        ("negative", -3),
        ("string", "3"),
        ("float", 1.5),
        ("whole-float", 2.0),
        ("bool", True),
        ("null", None),
        ("huge", 10**12),
    ]
] + [
    case("adjustments", {**ADJUSTMENT, "quantity": 0}, 422, "zero"),
    case("adjustments", {**ADJUSTMENT, "quantity": "-1"}, 422, "string"),
    case("adjustments", {**ADJUSTMENT, "quantity": -1.0}, 422, "float"),
    case("safety-stock", {**SAFETY, "quantity": -1}, 422, "negative"),
    case("safety-stock", {**SAFETY, "quantity": "2"}, 422, "string"),
    case("safety-stock", {**SAFETY, "quantity": 2.5}, 422, "float"),
    case("counts", {**COUNT, "counted": -1}, 422, "negative"),
    case("counts", {**COUNT, "counted": "4"}, 422, "string"),
    case("counts", {**COUNT, "counted": 4.0}, 422, "float"),
    case("counts", {"location": DAL, "lines": [{"sku": TEE, "counted": -2}]}, 422, "line-neg"),
    case("counts", {"location": DAL, "lines": [{"sku": TEE, "counted": 0.5}]}, 422, "line-float"),
]


@pytest.mark.parametrize(("kind", "body", "status"), QUANTITY_CASES)
def test_a_bad_quantity_is_422_and_writes_nothing(stocked, kind, body, status):
    detail = unwritten(stocked, kind, body, status)

    assert "quantity" in detail or "counted" in detail


# Adjustment reasons and signs (422)


@pytest.mark.parametrize(
    ("reason", "quantity"),
    [("found", -1), ("purchase_order", -1), ("shrinkage", 1), ("damage", 2), ("write_off", 1)],
)
def test_an_adjustment_against_its_reasons_sign_is_422_and_writes_nothing(
    stocked, reason, quantity
):
    body = {**ADJUSTMENT, "reason": reason, "quantity": quantity}

    detail = unwritten(stocked, "adjustments", body, 422)

    assert reason in detail
    assert str(quantity) in detail


# Unknown SKUs and locations in bodies (404)

UNKNOWN_CASES = [
    case("receipts", {**RECEIPT, "sku": "NO-SUCH"}, 404, "sku"),
    case("receipts", {**RECEIPT, "location": "NOWHERE"}, 404, "location"),
    case(
        "adjustments",
        {**ADJUSTMENT, "sku": "NO-SUCH", "quantity": 1, "reason": "found"},
        404,
        "sku",
    ),
    case("adjustments", {**ADJUSTMENT, "location": "NOWHERE"}, 404, "location"),
    case("moves", {**MOVE, "sku": "NO-SUCH"}, 404, "sku"),
    case("moves", {**MOVE, "location": "NOWHERE"}, 404, "location"),
    case("transfers", {**TRANSFER, "sku": "NO-SUCH"}, 404, "sku"),
    case("transfers", {**TRANSFER, "from_location": "NOWHERE"}, 404, "from-location"),
    case("transfers", {**TRANSFER, "to_location": "NOWHERE"}, 404, "to-location"),
    case("counts", {**COUNT, "sku": "NO-SUCH"}, 404, "sku"),
    case("counts", {**COUNT, "location": "NOWHERE"}, 404, "location"),
    case(
        "counts",
        {"location": DAL, "lines": [{"sku": TEE, "counted": 1}, {"sku": "NO-SUCH", "counted": 1}]},
        404,
        "sku-in-lines",
    ),
    case("safety-stock", {**SAFETY, "sku": "NO-SUCH"}, 404, "sku"),
    case("safety-stock", {**SAFETY, "location": "NOWHERE"}, 404, "location"),
]


@pytest.mark.parametrize(("kind", "body", "status"), UNKNOWN_CASES)
def test_an_unknown_sku_or_location_is_404_naming_it_and_writes_nothing(
    stocked, kind, body, status
):
    detail = unwritten(stocked, kind, body, status)

    unknown = "NO-SUCH" if "NO-SUCH" in json.dumps(body) else "NOWHERE"
    assert unknown in detail


# More than a state holds (409)

SHORT_CASES = [
    # kind, body, state the units would come from, held, requested
    ("moves", {**MOVE, "quantity": HELD + 1}, "available", HELD, HELD + 1),
    ("moves", {**MOVE, "from_state": "damaged", "to_state": "available"}, "damaged", 0, 1),
    ("adjustments", {**ADJUSTMENT, "quantity": -(HELD + 2)}, "available", HELD, HELD + 2),
    (
        "adjustments",
        {**ADJUSTMENT, "quantity": -1, "state": "quality_control"},
        "quality_control",
        0,
        1,
    ),
    ("transfers", {**TRANSFER, "quantity": HELD + 3}, "available", HELD, HELD + 3),
    ("transfers", {**TRANSFER, "state": "safety_stock"}, "safety_stock", 0, 1),
    ("receipts", {**RECEIPT, "from_incoming": True}, "incoming", 0, 1),
    ("safety-stock", {**SAFETY, "quantity": HELD + 1}, "available", HELD, HELD + 1),
]


@pytest.mark.parametrize(
    ("kind", "body", "state", "held", "requested"),
    SHORT_CASES,
    ids=[f"{c[0]}-{c[2]}" for c in SHORT_CASES],
)
def test_taking_more_than_a_state_holds_is_409_and_writes_nothing(
    stocked, kind, body, state, held, requested
):
    unwritten(stocked, kind, body, 409)


@pytest.mark.parametrize(
    ("kind", "body", "state", "held", "requested"),
    SHORT_CASES,
    ids=[f"{c[0]}-{c[2]}" for c in SHORT_CASES],
)
def test_a_shortage_names_the_sku_location_state_held_and_requested(
    stocked, kind, body, state, held, requested
):
    detail = stocked.refused(stocked.stock_write(kind, body), 409)

    assert detail == f"SKU {TEE}: {held} {state} at {DAL}, {requested} requested."


def test_a_transfer_shortage_leaves_the_destination_without_incoming(stocked):
    stocked.transfer(TEE, DAL, FBA, HELD + 1)

    assert stocked.stock(TEE)["totals"]["incoming"] == 0
    assert [row["location"] for row in stocked.stock(TEE)["locations"]] == [DAL]


# Unknown fields, invalid names, wrong shapes (422)

SHAPE_CASES = [
    case("receipts", {**RECEIPT, "colour": "red"}, 422, "unknown-field"),
    case("receipts", {"sku": TEE, "location": DAL, "qty": 1}, 422, "misspelt-field"),
    case("receipts", {"sku": TEE, "location": DAL}, 422, "missing-quantity"),
    case("receipts", {**RECEIPT, "state": "damaged"}, 422, "state-not-receivable"),
    case("receipts", {**RECEIPT, "state": "sold"}, 422, "invalid-state"),
    case("receipts", {**RECEIPT, "from_incoming": "maybe"}, 422, "from-incoming-type"),
    case("receipts", {**RECEIPT, "reference": "x" * 201}, 422, "long-reference"),
    case("receipts", {**RECEIPT, "sku": "not a sku"}, 422, "sku-code"),
    case("receipts", {**RECEIPT, "location": ""}, 422, "empty-location"),
    case("adjustments", {**ADJUSTMENT, "reason": "stolen"}, 422, "invalid-reason"),
    case("adjustments", {**ADJUSTMENT, "reason": "received"}, 422, "system-reason"),
    case("adjustments", {**ADJUSTMENT, "reason": None}, 422, "no-reason"),
    case("adjustments", {**ADJUSTMENT, "state": "reserved"}, 422, "invalid-state"),
    case("adjustments", {**ADJUSTMENT, "extra": 1}, 422, "unknown-field"),
    case("moves", {**MOVE, "to_state": "reserved"}, 422, "to-reserved"),
    case("moves", {**MOVE, "to_state": "incoming"}, 422, "to-incoming"),
    case("moves", {**MOVE, "from_state": "committed"}, 422, "from-committed"),
    case("moves", {**MOVE, "to_state": "sold"}, 422, "invalid-state"),
    case("moves", {**MOVE, "to_state": "available"}, 422, "same-state"),
    case("moves", {**MOVE, "reason": "received"}, 422, "system-reason"),
    case("moves", {**MOVE, "reason": "because"}, 422, "invalid-reason"),
    case("moves", {**MOVE, "location_code": DAL}, 422, "unknown-field"),
    case("transfers", {**TRANSFER, "to_location": DAL}, 422, "same-location"),
    case("transfers", {**TRANSFER, "state": "incoming"}, 422, "from-incoming"),
    case("transfers", {**TRANSFER, "location": DAL}, 422, "unknown-field"),
    case("counts", {**COUNT, "lines": [{"sku": MUG, "counted": 1}]}, 422, "both-forms"),
    case("counts", {"location": DAL}, 422, "neither-form"),
    case("counts", {"location": DAL, "sku": TEE}, 422, "sku-without-counted"),
    case("counts", {"location": DAL, "counted": 3}, 422, "counted-without-sku"),
    case("counts", {"location": DAL, "lines": []}, 422, "no-lines"),
    case(
        "counts",
        {"location": DAL, "lines": [{"sku": TEE, "counted": 1}, {"sku": TEE, "counted": 2}]},
        422,
        "sku-twice",
    ),
    case("counts", {"location": DAL, "lines": [{"sku": TEE, "qty": 1}]}, 422, "line-field"),
    case("counts", {**COUNT, "state": "available"}, 422, "unknown-field"),
    case("safety-stock", {**SAFETY, "state": "available"}, 422, "unknown-field"),
]


@pytest.mark.parametrize(("kind", "body", "status"), SHAPE_CASES)
def test_a_malformed_body_is_422_and_writes_nothing(stocked, kind, body, status):
    unwritten(stocked, kind, body, status)


def test_an_unknown_field_is_named_in_the_detail(stocked):
    detail = unwritten(stocked, "receipts", {**RECEIPT, "colour": "red"}, 422)

    assert "colour" in detail


def test_a_count_with_both_forms_says_to_send_one(stocked):
    body = {**COUNT, "lines": [{"sku": MUG, "counted": 1}]}

    detail = unwritten(stocked, "counts", body, 422)

    assert "either" in detail


def test_a_transfer_to_its_own_source_says_so(stocked):
    detail = unwritten(stocked, "transfers", {**TRANSFER, "to_location": DAL}, 422)

    assert DAL in detail


def post_raw(api, kind: str, raw: bytes):
    headers = {**api.operator, "Content-Type": "application/json"}
    return api.client.post(f"/v1/stock/{kind}", content=raw, headers=headers)


@pytest.mark.parametrize("kind", list(VALID))
def test_malformed_json_is_422_and_writes_nothing(stocked, kind):
    before = stocked.snapshot()

    response = post_raw(stocked, kind, json.dumps(VALID[kind]).encode()[:-1])

    stocked.refused(response, 422)
    assert stocked.snapshot() == before


@pytest.mark.parametrize("raw", [b"not json", b"", b"[1, 2]", b'"a string"', b"null"])
def test_a_body_that_is_not_a_json_object_is_422_and_writes_nothing(stocked, raw):
    before = stocked.snapshot()

    stocked.refused(post_raw(stocked, "receipts", raw), 422)
    assert stocked.snapshot() == before


def test_malformed_json_is_described_as_such(stocked):
    response = post_raw(stocked, "receipts", b'{"sku": "TEE-M-BLK",')

    assert "not valid JSON" in stocked.refused(response, 422)


@pytest.mark.both_engines
def test_a_nul_character_in_a_reference_is_422_and_writes_nothing(stocked):
    """PostgreSQL text cannot hold NUL; SQLite would store it. Either way it is bad input."""
    detail = unwritten(stocked, "receipts", {**RECEIPT, "reference": "PO\u00001"}, 422)

    assert "reference" in detail


@pytest.mark.parametrize("key", ["", "k" * 256])
def test_an_invalid_idempotency_key_is_422_and_writes_nothing(stocked, key):
    detail = unwritten(stocked, "receipts", RECEIPT, 422, idempotency_key=key)

    assert "Idempotency-Key" in detail


# Oversize bodies (413)

LIMIT = 2048


@pytest.fixture
def small_app(container, clock, stocked):
    """The app with max_body_bytes=2048, on the same (stocked) database."""
    settings = container.settings.model_copy(update={"max_body_bytes": LIMIT})
    small = bootstrap(settings, clock=clock, engine=container.engine)
    return create_app(small)


def padded(body: dict, size: int) -> bytes:
    """body as JSON, padded with whitespace (still valid JSON) to size bytes."""
    raw = json.dumps(body).encode()
    return raw + b" " * (size - len(raw))


def post_streamed(app, path: str, chunks: list[bytes], headers: dict[str, str]):
    """POST a chunked body (no Content-Length), one ASGI message per chunk."""

    async def body():
        for chunk in chunks:
            yield chunk

    async def go():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.post(path, content=body(), headers=headers)

    return asyncio.run(go())


def test_a_body_over_one_mebibyte_is_413_and_writes_nothing(stocked):
    before = stocked.snapshot()

    response = stocked.client.post(
        "/v1/stock/receipts",
        content=padded(RECEIPT, 1024 * 1024 + 1),
        headers={**stocked.operator, "Content-Type": "application/json"},
    )

    assert "too large" in stocked.refused(response, 413)
    assert stocked.snapshot() == before


def test_a_content_length_over_the_limit_is_413_and_writes_nothing(stocked, small_app):
    before = stocked.snapshot()
    headers = {**stocked.operator, "Content-Type": "application/json"}

    with TestClient(small_app) as client:
        response = client.post(
            "/v1/stock/receipts", content=padded(RECEIPT, LIMIT + 1), headers=headers
        )

    assert response.request.headers["content-length"] == str(LIMIT + 1)
    assert f"{LIMIT:,} bytes" in stocked.refused(response, 413)
    assert stocked.snapshot() == before


def test_a_body_at_the_limit_is_accepted(stocked, small_app):
    headers = {**stocked.operator, "Content-Type": "application/json"}
    with TestClient(small_app) as client:
        response = client.post(
            "/v1/stock/receipts", content=padded(RECEIPT, LIMIT), headers=headers
        )

    assert response.status_code == 201, response.text


def test_a_chunked_body_over_the_limit_is_413_and_writes_nothing(stocked, small_app):
    before = stocked.snapshot()
    raw = padded(RECEIPT, LIMIT + 500)
    chunks = [raw[i : i + 700] for i in range(0, len(raw), 700)]
    headers = {**stocked.operator, "Content-Type": "application/json"}

    response = post_streamed(small_app, "/v1/stock/receipts", chunks, headers)

    assert "content-length" not in response.request.headers
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert "too large" in stocked.refused(response, 413)
    assert stocked.snapshot() == before


def test_a_chunked_body_under_the_limit_is_reassembled_and_accepted(stocked, small_app):
    raw = json.dumps({**RECEIPT, "quantity": 7, "reference": "CHUNKED"}).encode()
    chunks = [raw[i : i + 10] for i in range(0, len(raw), 10)]
    headers = {**stocked.operator, "Content-Type": "application/json"}

    response = post_streamed(small_app, "/v1/stock/receipts", chunks, headers)

    assert response.status_code == 201, response.text
    assert response.json()["movements"][0]["reference"] == "CHUNKED"
    assert stocked.at(TEE, DAL)["available"] == HELD + 7
