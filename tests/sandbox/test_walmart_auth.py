"""Walmart's gateway: the token call, the headers every call needs, expiry, quotas, outages."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from stockpool.sandbox.core import Sandbox
from stockpool.sandbox.walmart import WalmartSandbox
from stockpool.sandbox.walmart.gateway import Quota
from tests.sandbox.timing import Clock
from tests.sandbox.walmart_support import (
    Api,
    ClientFor,
    basic,
    errors_of,
    walmart_headers,
)

pytest_plugins = ["tests.sandbox.walmart_fixtures"]

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def ask_token(
    client: httpx.Client, sandbox: WalmartSandbox, secret: str | None = None, **headers: str
) -> httpx.Response:
    credentials = sandbox.credentials
    authorization = basic(credentials["client_id"], secret or credentials["client_secret"])
    return client.post(
        "/v3/token",
        headers={**walmart_headers(), **FORM, "Authorization": authorization, **headers},
        content=b"grant_type=client_credentials",
    )


def test_client_credentials_give_a_bearer_token_that_opens_the_apis(
    walmart_bare: httpx.Client, walmart: WalmartSandbox
) -> None:
    answer = ask_token(walmart_bare, walmart)
    assert answer.status_code == 200
    token = answer.json()
    assert token["token_type"] == "Bearer" and token["expires_in"] == 900
    assert token["access_token"] != walmart.credentials["access_token"]
    reading = walmart_bare.get(
        "/v3/inventory", params={"sku": "SKU-0001"}, headers=walmart_headers(token["access_token"])
    )
    assert reading.status_code == 200


def test_the_token_comes_as_xml_when_accept_asks_for_it(
    walmart_bare: httpx.Client, walmart: WalmartSandbox
) -> None:
    answer = ask_token(walmart_bare, walmart, Accept="application/xml")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/xml")
    assert "<OAuthTokenDTO" in answer.text and "<expiresIn>900</expiresIn>" in answer.text


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer abc", "Basic not-base64!!", "Basic " + "bm9jb2xvbg==", "Basic"],
    ids=["none", "bearer", "garbage", "no-colon", "empty"],
)
def test_a_bad_authorization_header_is_401_in_the_gateway_shape(
    walmart_bare: httpx.Client, authorization: str
) -> None:
    headers = {**walmart_headers(), **FORM}
    if authorization:
        headers["Authorization"] = authorization
    answer = walmart_bare.post(
        "/v3/token", headers=headers, content=b"grant_type=client_credentials"
    )
    assert answer.status_code == 401
    assert "error" in answer.json()
    assert errors_of(answer)[0]["code"] == "UNAUTHORIZED.GMP_GATEWAY_API"


def test_a_wrong_secret_is_401(walmart_bare: httpx.Client, walmart: WalmartSandbox) -> None:
    answer = ask_token(walmart_bare, walmart, secret="not-the-secret")
    assert answer.status_code == 401
    assert errors_of(answer)[0]["code"] == "UNAUTHORIZED.GMP_GATEWAY_API"


@pytest.mark.parametrize("body", [b"", b"grant_type=password", b"\xff\xfe", b"grant_type="])
def test_a_missing_or_unsupported_grant_type_is_400(
    walmart_bare: httpx.Client, walmart: WalmartSandbox, body: bytes
) -> None:
    credentials = walmart.credentials
    headers = {
        **walmart_headers(),
        **FORM,
        "Authorization": basic(credentials["client_id"], credentials["client_secret"]),
    }
    answer = walmart_bare.post("/v3/token", headers=headers, content=body)
    assert answer.status_code == 400
    assert errors_of(answer)[0]["field"] == "grant_type"


@pytest.mark.parametrize("missing", ["WM_SVC.NAME", "WM_QOS.CORRELATION_ID"])
@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/v3/token"), ("GET", "/v3/inventory?sku=SKU-0001"), ("GET", "/v3/orders")],
)
def test_a_call_without_walmarts_headers_is_400_missing_request_header(
    walmart_bare: httpx.Client, walmart: WalmartSandbox, missing: str, method: str, path: str
) -> None:
    headers = walmart_headers(walmart.credentials["access_token"])
    del headers[missing]
    answer = walmart_bare.request(method, path, headers=headers)
    assert answer.status_code == 400
    item = errors_of(answer)[0]
    assert item["code"] == "MISSING_REQUEST_HEADER" and item["field"] == missing


@pytest.mark.parametrize("token", [None, "", "eyJ-not-issued"], ids=["absent", "blank", "unknown"])
def test_a_call_without_a_live_access_token_is_401(
    walmart_bare: httpx.Client, token: str | None
) -> None:
    answer = walmart_bare.get(
        "/v3/inventory", params={"sku": "SKU-0001"}, headers=walmart_headers(token)
    )
    assert answer.status_code == 401
    assert errors_of(answer)[0]["code"] == "UNAUTHORIZED.GMP_GATEWAY_API"


def test_tokens_expire_after_their_lifetime(
    walmart_client: ClientFor, serve: Callable[[Sandbox], str]
) -> None:
    clock = Clock()
    sandbox = WalmartSandbox(delay_seconds=0, clock=clock)  # tokens live 900 s by default
    sandbox.seed(1)
    with walmart_client(serve(sandbox)) as client:
        clock.advance(100)
        token = ask_token(client, sandbox).json()["access_token"]

        def read(token: str) -> int:
            headers = walmart_headers(token)
            return client.get("/v3/inventory?sku=SKU-0001", headers=headers).status_code

        pre_issued = sandbox.credentials["access_token"]
        assert (read(token), read(pre_issued)) == (200, 200)
        clock.advance(800)  # the pre-issued token, issued at start, has lived 900 s
        assert (read(token), read(pre_issued)) == (200, 401)
        clock.advance(100)
        answer = client.get("/v3/inventory?sku=SKU-0001", headers=walmart_headers(token))
        assert answer.status_code == 401
        assert errors_of(answer)[0]["code"] == "UNAUTHORIZED.GMP_GATEWAY_API"
        assert read(ask_token(client, sandbox).json()["access_token"]) == 200


def test_over_the_quota_is_429_with_walmarts_headers(
    walmart_client: ClientFor, serve: Callable[[Sandbox], str]
) -> None:
    sandbox = WalmartSandbox(
        delay_seconds=0, quotas={"inventory_put": Quota(2, 60), "token": Quota(1, 60)}
    )
    sandbox.seed(1)
    with walmart_client(serve(sandbox)) as client:
        walmart_api = Api(client, sandbox.credentials["access_token"])
        body = {"sku": "SKU-0001", "quantity": {"unit": "EACH", "amount": 1}}
        first = walmart_api.put("/v3/inventory", params={"sku": "SKU-0001"}, json=body)
        assert first.status_code == 200
        assert first.headers["X-Current-Token-Count"] == "1"
        assert (
            walmart_api.put("/v3/inventory", params={"sku": "SKU-0001"}, json=body).status_code
            == 200
        )
        refused = walmart_api.put("/v3/inventory", params={"sku": "SKU-0001"}, json=body)
        assert refused.status_code == 429
        assert "error" in refused.json()
        assert errors_of(refused)[0]["code"] == "REQUEST_THRESHOLD_VIOLATED.GMP_GATEWAY_API"
        assert refused.headers["X-Current-Token-Count"] == "0"
        assert 1 <= int(refused.headers["Retry-After"]) <= 30
        next_at_ms = int(refused.headers["X-Next-Replenishment-Time"])
        assert 0 < next_at_ms / 1000 - time.time() <= 31
        # other endpoints keep their own buckets
        assert walmart_api.get("/v3/inventory", params={"sku": "SKU-0001"}).status_code == 200
        assert ask_token(client, sandbox).status_code == 200
        assert ask_token(client, sandbox).status_code == 429


def test_injected_throttles_and_outages_answer_in_walmarts_shape(
    walmart_api: Api, walmart: WalmartSandbox
) -> None:
    walmart.faults.throttle_rate = 1.0
    throttled = walmart_api.get("/v3/inventory", params={"sku": "SKU-0001"})
    assert throttled.status_code == 429 and "Retry-After" in throttled.headers
    assert errors_of(throttled)[0]["code"] == "REQUEST_THRESHOLD_VIOLATED.GMP_GATEWAY_API"
    walmart.faults.throttle_rate, walmart.faults.error_rate = 0.0, 1.0
    failed = walmart_api.get("/v3/orders")
    assert failed.status_code == 500
    assert errors_of(failed)[0]["code"] == "SYSTEM_ERROR"
    assert errors_of(failed)[0]["category"] == "SYSTEM"
