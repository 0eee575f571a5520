"""How refusals read: a JSON detail for any input (never echoing what cannot be encoded), the
content type to send, unknown query parameters named, and /health keeping the database's secrets.

test_api_fuzz.py sends generated bodies to every write route; these are the cases spelt out.
"""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.exc import OperationalError

TEE, DAL = "TEE-M-BLK", "DAL-1"
RECEIPT = b'{"sku": "TEE-M-BLK", "location": "DAL-1", "quantity": 1}'
FORM = "application/x-www-form-urlencoded"


def send(api, method, path, raw: bytes, content_type: str | None = "application/json", **kw):
    headers = dict(kw.get("headers", api.admin))
    if content_type is not None:
        headers["Content-Type"] = content_type
    return api.client.request(method, path, content=raw, headers=headers)


# Values JSON can carry and a response cannot: lone surrogates, NaN, Infinity (422, not 500)

UNENCODABLE = [
    pytest.param("PUT", "/v1/skus/NEW-1", rb'{"name": "a\ud800b"}', "name", id="name"),
    pytest.param(
        "POST",
        "/v1/stock/receipts",
        rb'{"sku": "TEE-M-BLK", "location": "DAL-1", "quantity": 1, "reference": "PO\udc00"}',
        "reference",
        id="reference",
    ),
    pytest.param(
        "POST",
        "/v1/stock/receipts",
        b'{"sku": "TEE-M-BLK", "location": "DAL-1", "quantity": NaN}',
        "quantity",
        id="nan",
    ),
    pytest.param(
        "POST",
        "/v1/stock/counts",
        b'{"location": "DAL-1", "sku": "TEE-M-BLK", "counted": -Infinity}',
        "counted",
        id="infinity",
    ),
    pytest.param(
        "POST",
        "/v1/orders",
        rb'{"channel": "shopify", "external_id": "S\udbff", "placed_at": "2026-11-28T09:00:00Z", '
        rb'"lines": [{"sku": "TEE-M-BLK", "quantity": 1}]}',
        "external_id",
        id="order",
    ),
    pytest.param(
        "PUT",
        "/v1/channels/amazon/policy",
        rb'{"cap": "\ud800", "floor": Infinity}',
        "cap",
        id="policy",
    ),
    pytest.param(
        "POST", "/v1/stock/receipts", rb'{"\ud800": 1}', "unpaired surrogate", id="field-name"
    ),
]


@pytest.mark.parametrize(("method", "path", "raw", "named"), UNENCODABLE)
def test_a_value_that_cannot_be_sent_back_is_422_named_and_not_echoed(
    api, method, path, raw, named
):
    before = api.snapshot()

    response = send(api, method, path, raw)

    assert named in api.refused(response, 422)
    assert all("input" not in error for error in response.json()["errors"])
    assert api.snapshot() == before


def test_a_short_plain_rejected_value_is_echoed(api):
    response = send(api, "POST", "/v1/stock/receipts", RECEIPT.replace(b"1}", b'"3"}'))

    api.refused(response, 422)
    assert [error["input"] for error in response.json()["errors"]] == ["3"]


def test_a_long_rejected_value_is_not_echoed(api):
    body = RECEIPT.replace(b"1}", b'1, "reference": "' + b"x" * 201 + b'"}')

    response = send(api, "POST", "/v1/stock/receipts", body)

    assert "reference" in api.refused(response, 422)
    assert all("input" not in error for error in response.json()["errors"])


def test_a_long_unknown_field_name_is_cut_in_the_detail(api):
    body = RECEIPT.replace(b"1}", b'1, "' + b"x" * 5000 + b'": 1}')

    detail = api.refused(send(api, "POST", "/v1/stock/receipts", body), 422)

    assert "unknown field" in detail
    assert len(detail) < 200


@pytest.mark.parametrize(
    ("raw", "said"),
    [
        (b"[" * 5000 + b"]" * 5000, "nested too deeply"),
        (b'{"quantity": ' + b"9" * 5000 + b"}", "too many digits"),
    ],
    ids=["deep", "digits"],
)
def test_a_body_json_cannot_read_says_which_limit_it_broke(api, raw, said):
    before = api.snapshot()

    assert said in api.refused(send(api, "POST", "/v1/stock/receipts", raw), 400)
    assert api.snapshot() == before


# A JSON body sent as something else (curl -d sends a form): 415, naming the header to send


@pytest.mark.parametrize(
    ("content_type", "got"),
    [(FORM, FORM), ("text/plain", "text/plain"), (None, "no Content-Type header")],
)
def test_a_json_body_sent_as_another_content_type_is_415_naming_the_header(api, content_type, got):
    before = api.snapshot()

    response = send(api, "POST", "/v1/stock/receipts", RECEIPT, content_type)

    assert api.refused(response, 415) == (
        "This route takes a JSON body: send the header 'Content-Type: application/json' "
        f"(got {got})."
    )
    assert api.snapshot() == before


def test_an_optional_body_sent_as_a_form_is_415_too(api):
    response = send(api, "POST", "/v1/orders/1/cancel", b"lines=1", FORM)

    assert "application/json" in api.refused(response, 415)


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "application/x+json"])
def test_json_content_types_with_parameters_or_suffixes_are_read(api, content_type):
    response = send(api, "POST", "/v1/stock/receipts", RECEIPT, content_type)

    assert response.status_code == 201, response.text


def test_no_body_and_no_content_type_says_a_body_is_required(api):
    response = send(api, "POST", "/v1/stock/receipts", b"", None)

    assert api.refused(response, 422) == "a JSON body is required"


def test_a_role_that_may_not_write_hears_403_before_the_content_type(api):
    response = send(api, "POST", "/v1/stock/receipts", RECEIPT, FORM, headers=api.viewer)

    api.refused(response, 403)


# Query parameters a route does not read: 422, naming them and the ones it reads

LIST_ROUTES = [
    ("/v1/ledger", "actor"),
    ("/v1/skus", "q"),
    ("/v1/locations", None),
    ("/v1/orders", "status"),
    ("/v1/conflicts", "status"),
    ("/v1/reservations", "channel"),
    ("/v1/channels/amazon/listings", "sku"),
    ("/v1/channels/amazon/outbox", "cursor"),
    ("/v1/channels/amazon/unmapped", "limit"),
    (f"/v1/skus/{TEE}/availability", "channel"),
]


@pytest.mark.parametrize(("path", "known"), LIST_ROUTES)
def test_an_unknown_query_parameter_is_422_naming_it_and_the_known_ones(api, path, known):
    response = api.client.get(path, params={"colour": "red"}, headers=api.viewer)

    detail = api.refused(response, 422)
    assert detail.startswith("query.colour: unknown query parameter; this route takes ")
    assert known is None or known in detail
    assert known is not None or "takes none" in detail


def test_an_unknown_query_parameter_on_a_write_is_422_and_writes_nothing(api):
    before = api.snapshot()

    response = send(api, "POST", "/v1/stock/receipts?dry_run=1", RECEIPT)

    assert "query.dry_run: unknown query parameter; this route takes none" in api.refused(
        response, 422
    )
    assert api.snapshot() == before


def test_every_unknown_query_parameter_is_named(api):
    detail = api.refused(api.get("/v1/skus", colour="red", size="M", q="TEE"), 422)

    assert "query.colour" in detail
    assert "query.size" in detail


def test_a_role_that_may_not_call_hears_403_before_the_query_parameters(api):
    api.refused(api.client.get("/v1/keys", params={"colour": "red"}, headers=api.viewer), 403)


# /health


def test_an_unreachable_database_is_503_with_a_fixed_detail_and_the_cause_logged(
    api, container, monkeypatch, caplog
):
    secret = "could not connect to db.internal.example as stockpool_admin"

    def unreachable(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception(secret))

    monkeypatch.setattr(container.engine, "connect", unreachable)
    with caplog.at_level(logging.ERROR, logger="stockpool.api"):
        response = api.client.get("/health")

    assert api.refused(response, 503) == "Database unreachable; the cause is in the server's log."
    assert "db.internal" not in response.text
    assert secret in caplog.text
