"""The Amazon sandbox's LWA tokens, Listings Items API, quotas and error shapes, over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from stockpool.sandbox.amazon import AmazonSandbox
from tests.sandbox.amazon_support import (
    FULFILLMENT,
    MARKETPLACE,
    Seller,
    Serve,
    error_of,
    open_seller,
    quantity_patch,
)


@pytest.fixture
def seller(serve: Serve) -> Iterator[Seller]:
    with open_seller(serve) as found:
        yield found


def token_request(seller: Seller, **form: str) -> httpx.Response:
    return httpx.post(f"{seller.url}/auth/o2/token", data=form)


def refresh_form(seller: Seller, **changes: str) -> dict[str, str]:
    credentials = seller.sandbox.credentials
    return {
        "grant_type": "refresh_token",
        "refresh_token": credentials["refresh_token"],
        "client_id": credentials["client_id"],
        "client_secret": credentials["client_secret"],
        **changes,
    }


# -- Login with Amazon ------------------------------------------------------------------------------


def test_credentials_look_like_amazons_and_the_token_url_is_described(seller: Seller) -> None:
    credentials = seller.sandbox.credentials
    assert credentials["client_id"].startswith("amzn1.application-oa2-client.")
    assert credentials["refresh_token"].startswith("Atzr|")
    assert credentials["access_token"].startswith("Atza|")
    assert credentials["marketplace_id"] == MARKETPLACE
    summary = httpx.get(f"{seller.url}/_sandbox").json()
    assert summary["token_url"] == f"{seller.url}/auth/o2/token"
    # The pre-issued token works at once, for a quick curl.
    assert seller.get_listing("SKU-0001").status_code == 200


def test_a_refresh_token_buys_an_access_token_that_works(serve: Serve) -> None:
    with open_seller(serve, token_lifetime_seconds=3600) as seller:
        _buys_a_token(seller)


def _buys_a_token(seller: Seller) -> None:
    answer = token_request(seller, **refresh_form(seller))
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert body["access_token"].startswith("Atza|")
    assert body["refresh_token"] == seller.sandbox.credentials["refresh_token"]
    listing = httpx.get(
        f"{seller.url}{seller.listing_path('SKU-0001')}",
        params={"marketplaceIds": MARKETPLACE},
        headers={"x-amz-access-token": body["access_token"]},
    )
    assert listing.status_code == 200


@pytest.mark.parametrize(
    ("changes", "status", "error"),
    [
        ({"refresh_token": "Atzr|stolen"}, 400, "invalid_grant"),
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "amzn1.application-oa2-client.other"}, 401, "invalid_client"),
        ({"refresh_token": ""}, 400, "invalid_request"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"grant_type": ""}, 400, "invalid_request"),
    ],
)
def test_bad_grants_are_refused_as_lwa_does(
    seller: Seller, changes: dict[str, str], status: int, error: str
) -> None:
    answer = token_request(seller, **refresh_form(seller, **changes))
    assert answer.status_code == status
    assert answer.json()["error"] == error
    assert answer.json()["error_description"]


def test_the_token_endpoint_wants_a_form(seller: Seller) -> None:
    answer = httpx.post(f"{seller.url}/auth/o2/token", json=refresh_form(seller))
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"


def test_client_credentials_give_a_grantless_token_that_cannot_touch_seller_data(
    seller: Seller,
) -> None:
    credentials = seller.sandbox.credentials
    form = {
        "grant_type": "client_credentials",
        "client_id": credentials["client_id"],
        "client_secret": credentials["client_secret"],
        "scope": "sellingpartnerapi::notifications",
    }
    answer = token_request(seller, **form)
    assert answer.status_code == 200
    assert "refresh_token" not in answer.json()
    assert answer.json()["scope"] == "sellingpartnerapi::notifications"
    refused = httpx.get(
        f"{seller.url}{seller.listing_path('SKU-0001')}",
        params={"marketplaceIds": MARKETPLACE},
        headers={"x-amz-access-token": answer.json()["access_token"]},
    )
    assert refused.status_code == 403
    assert token_request(seller, **{**form, "scope": "sellingpartnerapi::everything"}).json()[
        "error"
    ] == ("invalid_scope")
    assert token_request(seller, **{**form, "scope": ""}).json()["error"] == "invalid_request"


def test_access_tokens_expire_after_their_lifetime(serve: Serve) -> None:
    with open_seller(serve, token_lifetime_seconds=120) as seller:
        body = token_request(seller, **refresh_form(seller)).json()
        assert body["expires_in"] == 120
        headers = {"x-amz-access-token": body["access_token"]}
        path = f"{seller.url}{seller.listing_path('SKU-0001')}?marketplaceIds={MARKETPLACE}"
        seller.clock.advance(119)
        assert httpx.get(path, headers=headers).status_code == 200
        seller.clock.advance(1)
        expired = httpx.get(path, headers=headers)
        assert expired.status_code == 403
        assert error_of(expired)["details"] == "The access token you provided has expired."
        fresh = token_request(seller, **refresh_form(seller)).json()["access_token"]
        assert httpx.get(path, headers={"x-amz-access-token": fresh}).status_code == 200


@pytest.mark.parametrize("token", [None, "", "Atza|forged"])
def test_calls_without_a_valid_token_are_denied(seller: Seller, token: str | None) -> None:
    headers = {} if token is None else {"x-amz-access-token": token}
    for path in (
        f"{seller.listing_path('SKU-0001')}?marketplaceIds={MARKETPLACE}",
        "/orders/2026-01-01/orders?createdAfter=2026-01-01T00:00:00Z",
        "/feeds/2021-06-30/feeds?feedTypes=JSON_LISTINGS_FEED",
    ):
        answer = httpx.get(seller.url + path, headers=headers)
        assert answer.status_code == 403
        error = error_of(answer)
        assert error["code"] == "Unauthorized"
        assert error["message"] == "Access to requested resource is denied."
        assert answer.headers["x-amzn-ErrorType"] == "AccessDeniedException"
        assert "x-amzn-RateLimit-Limit" not in answer.headers


# -- Listings Items -------------------------------------------------------------------------------


def test_an_accepted_patch_shows_only_after_the_delay(seller: Seller) -> None:
    answer = seller.set_quantity("SKU-0001", 7)
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ACCEPTED"
    assert body["sku"] == "SKU-0001"
    assert body["submissionId"]
    assert body["issues"] == []
    assert seller.shown("SKU-0001") == 5
    seller.clock.advance(59.9)
    assert seller.shown("SKU-0001") == 5
    seller.clock.advance(0.1)
    assert seller.shown("SKU-0001") == 7
    assert seller.sandbox.shelf.get("SKU-0001").shown == 7  # type: ignore[union-attr]


def test_get_listing_returns_the_data_sets_asked_for(seller: Seller) -> None:
    everything = "summaries,attributes,issues,offers,fulfillmentAvailability,productTypes"
    item = seller.get_listing("SKU-0002", everything).json()
    assert item["sku"] == "SKU-0002"
    assert item["fulfillmentAvailability"] == [{"fulfillmentChannelCode": "DEFAULT", "quantity": 5}]
    assert item["attributes"]["fulfillment_availability"] == [
        {"fulfillment_channel_code": "DEFAULT", "quantity": 5}
    ]
    summary = item["summaries"][0]
    assert summary["marketplaceId"] == MARKETPLACE
    assert summary["asin"].startswith("B0")
    assert "BUYABLE" in summary["status"]
    assert item["productTypes"] == [{"marketplaceId": MARKETPLACE, "productType": "PRODUCT"}]
    default = seller.http.get(
        seller.listing_path("SKU-0002"), params={"marketplaceIds": MARKETPLACE}
    )
    assert set(default.json()) == {"sku", "summaries"}


def test_validation_preview_checks_without_applying(seller: Seller) -> None:
    answer = seller.set_quantity("SKU-0001", 9, mode="VALIDATION_PREVIEW")
    assert answer.json()["status"] == "VALID"
    seller.clock.advance(3600)
    assert seller.shown("SKU-0001") == 5
    invalid = seller.set_quantity("SKU-0001", -1, mode="VALIDATION_PREVIEW")
    assert invalid.json()["status"] == "INVALID"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (quantity_patch(-1), "INVALID_QUANTITY"),
        (quantity_patch(2.5), "INVALID_QUANTITY"),
        (quantity_patch("7"), "INVALID_QUANTITY"),
        (quantity_patch(True), "INVALID_QUANTITY"),
        (
            {
                "productType": "PRODUCT",
                "patches": [{"op": "replace", "path": FULFILLMENT, "value": [{"quantity": 3}]}],
            },
            "MISSING_FULFILLMENT_CHANNEL_CODE",
        ),
        (
            {
                "productType": "PRODUCT",
                "patches": [{"op": "replace", "path": "/attributes/colour", "value": [{"v": 1}]}],
            },
            "UNSUPPORTED_ATTRIBUTE",
        ),
        (
            {"productType": "PRODUCT", "patches": [{"op": "replace", "path": FULFILLMENT}]},
            "MISSING_VALUE",
        ),
        (
            quantity_patch(3, fulfillment_channel_code="AMAZON_NA"),
            "UNSUPPORTED_FULFILLMENT_CHANNEL",
        ),
        ({**quantity_patch(3), "productType": "LUGGAGE"}, "PRODUCT_TYPE_MISMATCH"),
    ],
)
def test_invalid_patches_answer_200_invalid_with_issues_and_change_nothing(
    seller: Seller, body: dict[str, object], code: str
) -> None:
    answer = seller.patch("SKU-0001", body)
    assert answer.status_code == 200
    found = answer.json()
    assert found["status"] == "INVALID"
    assert code in [issue["code"] for issue in found["issues"]]
    issue = found["issues"][0]
    assert issue["severity"] == "ERROR"
    assert issue["categories"]
    seller.clock.advance(3600)
    assert seller.shown("SKU-0001") == 5
    assert seller.sandbox.shelf.get("SKU-0001").pushes == 0  # type: ignore[union-attr]


def test_merge_sets_the_quantity_and_delete_empties_the_listing(seller: Seller) -> None:
    assert seller.patch("SKU-0001", quantity_patch(4, op="merge")).json()["status"] == "ACCEPTED"
    deleted = {"productType": "PRODUCT", "patches": [{"op": "delete", "path": FULFILLMENT}]}
    assert seller.patch("SKU-0002", deleted).json()["status"] == "ACCEPTED"
    seller.clock.advance(60)
    assert seller.shown("SKU-0001") == 4
    assert seller.shown("SKU-0002") == 0


def test_a_patch_of_an_unknown_sku_is_invalid_and_a_get_is_404(seller: Seller) -> None:
    # The model gives patchListingsItem no 404, so the answer is INVALID with an issue.
    patched = seller.set_quantity("NO-SUCH-SKU", 3)
    assert patched.status_code == 200
    assert patched.json()["status"] == "INVALID"
    assert patched.json()["issues"][0]["code"] == "NOT_FOUND"
    assert "NO-SUCH-SKU" not in seller.sandbox.shelf
    read = seller.get_listing("NO-SUCH-SKU")
    assert read.status_code == 404
    assert error_of(read)["code"] == "NOT_FOUND"
    assert "x-amzn-RateLimit-Limit" in read.headers


def test_another_sellers_listings_are_forbidden(seller: Seller) -> None:
    answer = seller.http.patch(
        seller.listing_path("SKU-0001", seller_id="A0THERSELLER00"),
        params={"marketplaceIds": MARKETPLACE},
        json=quantity_patch(1),
    )
    assert answer.status_code == 403
    assert error_of(answer)["code"] == "Unauthorized"


@pytest.mark.parametrize(
    ("params", "content", "headers", "status"),
    [
        ({}, b'{"productType":"PRODUCT","patches":[]}', {}, 400),  # no marketplaceIds
        ({"marketplaceIds": "A1PA6795UKMFR9"}, None, {}, 400),  # not this seller's marketplace
        ({"marketplaceIds": MARKETPLACE}, b"{not json", {}, 400),
        ({"marketplaceIds": MARKETPLACE}, b"[1, 2]", {}, 400),
        ({"marketplaceIds": MARKETPLACE}, b'{"productType":"PRODUCT","patches":[]}', {}, 400),
        ({"marketplaceIds": MARKETPLACE}, b'{"patches":[{"op":"replace","path":"/x"}]}', {}, 400),
        (
            {"marketplaceIds": MARKETPLACE},
            b'{"productType":"PRODUCT","patches":[{"op":"move","path":"/x"}]}',
            {},
            400,
        ),
        (
            {"marketplaceIds": MARKETPLACE},
            b'{"productType":"PRODUCT","patches":[{"op":"replace","path":"/x","value":3}]}',
            {},
            400,
        ),
        ({"marketplaceIds": MARKETPLACE, "mode": "LIVE"}, None, {}, 400),
        ({"marketplaceIds": MARKETPLACE, "includedData": "everything"}, None, {}, 400),
        ({"marketplaceIds": MARKETPLACE}, b"quantity=3", {"content-type": "text/plain"}, 415),
    ],
)
def test_malformed_patches_are_refused_in_sp_apis_shape(
    seller: Seller,
    params: dict[str, str],
    content: bytes | None,
    headers: dict[str, str],
    status: int,
) -> None:
    import json

    body = content if content is not None else json.dumps(quantity_patch(1)).encode()
    answer = seller.http.patch(
        seller.listing_path("SKU-0001"),
        params=params,
        content=body,
        headers={"content-type": "application/json", **headers},
    )
    assert answer.status_code == status, answer.text
    error = error_of(answer)
    assert error["code"] in ("InvalidInput", "UnsupportedMediaType")
    assert error["details"]
    assert seller.sandbox.shelf.get("SKU-0001").pushes == 0  # type: ignore[union-attr]


def test_a_sku_with_a_slash_is_found_url_encoded(seller: Seller) -> None:
    seller.sandbox.add_listing("TEE/M/BLK", 2)
    answer = seller.http.get(
        "/listings/2021-08-01/items/" + seller.seller_id + "/TEE%2FM%2FBLK",
        params={"marketplaceIds": MARKETPLACE, "includedData": "fulfillmentAvailability"},
    )
    assert answer.status_code == 200
    assert answer.json()["sku"] == "TEE/M/BLK"


def test_head_is_answered_like_get(seller: Seller) -> None:
    answer = seller.http.head(
        seller.listing_path("SKU-0001"), params={"marketplaceIds": MARKETPLACE}
    )
    assert answer.status_code == 200


def test_unknown_paths_answer_in_sp_apis_shape(seller: Seller) -> None:
    answer = seller.http.get("/catalog/2022-04-01/items")
    assert answer.status_code == 404
    assert error_of(answer)["code"] == "NotFound"


# -- quotas and faults ----------------------------------------------------------------------------


def test_each_operation_has_its_own_bucket_and_429_when_empty(serve: Serve) -> None:
    with open_seller(serve, rate_limits={"patchListingsItem": (1.0, 2)}) as seller:
        assert seller.set_quantity("SKU-0001", 1).headers["x-amzn-RateLimit-Limit"] == "1.0"
        assert seller.set_quantity("SKU-0001", 2).status_code == 200
        throttled = seller.set_quantity("SKU-0001", 3)
        assert throttled.status_code == 429
        assert throttled.json() == {
            "errors": [
                {
                    "code": "QuotaExceeded",
                    "message": "You exceeded your quota for the requested resource.",
                    "details": "",
                }
            ]
        }
        assert "x-amzn-RateLimit-Limit" not in throttled.headers
        assert throttled.headers["x-amzn-ErrorType"] == "QuotaExceededException"
        # getListingsItem draws from its own bucket (5/s burst 10 by default).
        assert seller.get_listing("SKU-0001").headers["x-amzn-RateLimit-Limit"] == "5.0"
        seller.clock.advance(1)
        assert seller.set_quantity("SKU-0001", 4).status_code == 200


def test_default_quotas_are_the_models() -> None:
    sandbox = AmazonSandbox()
    assert (sandbox.limits["searchOrders"].rate, sandbox.limits["searchOrders"].burst) == (
        0.0056,
        20,
    )
    assert sandbox.limits["patchListingsItem"].burst == 5
    assert sandbox.limits["getOrdersV0"].rate == 0.0167
    assert sandbox.shelf.delay_seconds == 900
    with pytest.raises(ValueError, match="Unknown operations"):
        AmazonSandbox(rate_limits={"putEverything": (1, 1)})


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        ({"throttle_rate": 1.0}, 429, "QuotaExceeded"),
        ({"error_rate": 1.0}, 500, "InternalFailure"),
        ({"timeout_rate": 1.0, "timeout_seconds": 0}, 504, "InternalFailure"),
    ],
)
def test_injected_faults_answer_in_sp_apis_shape(
    seller: Seller, fault: dict[str, float], status: int, code: str
) -> None:
    assert httpx.put(f"{seller.url}/_sandbox/faults", json=fault).status_code == 200
    answer = seller.set_quantity("SKU-0001", 3)
    assert answer.status_code == status
    assert error_of(answer)["code"] == code
    assert seller.sandbox.server_error(503).status_code == 503


def test_service_unavailable_says_so() -> None:
    import json

    answer = AmazonSandbox().server_error(503)
    assert json.loads(bytes(answer.body))["errors"][0]["code"] == "ServiceUnavailable"
