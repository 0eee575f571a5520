"""The Shopify sandbox's Admin API: auth, versions, inventory writes, errors, cost, orders."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from stockpool.sandbox.core import Sandbox
from stockpool.sandbox.shopify import ShopifySandbox
from tests.sandbox.shopify_support import (
    ADJUST,
    PRIMARY,
    SET,
    SET_LEGACY,
    WAREHOUSE,
    Admin,
    codes,
    set_input,
    shown,
)
from tests.sandbox.timing import eventually

Serve = Callable[[Sandbox], str]
INVALID = "[API] Invalid API key or access token (unrecognized login or wrong password)"


@pytest.fixture
def shop(serve: Serve) -> Admin:
    sandbox = ShopifySandbox(delay_seconds=0.3, seed=7)
    sandbox.seed(3, quantity=5)
    return Admin(sandbox, serve(sandbox))


def test_shop_locations_and_item_lookup_by_sku(shop: Admin) -> None:
    data = shop.data(
        "{ shop { name myshopifyDomain } locations(first: 1) { nodes { id } pageInfo { hasNextPage endCursor } } }"
    )
    assert data["shop"]["myshopifyDomain"] == "stockpool-sandbox.myshopify.com"
    assert data["locations"]["nodes"] == [{"id": PRIMARY}]
    after = data["locations"]["pageInfo"]["endCursor"]
    assert data["locations"]["pageInfo"]["hasNextPage"]
    rest = shop.data(
        "query($a: String) { locations(first: 5, after: $a) { nodes { id } } }", {"a": after}
    )
    assert rest["locations"]["nodes"] == [{"id": WAREHOUSE}]
    item_id, named = shop.item("SKU-0002")
    assert item_id.startswith("gid://shopify/InventoryItem/")
    assert named == {"available": 5, "on_hand": 5, "committed": 0}
    items = shop.data(
        '{ inventoryItems(first: 5, query: "sku:SKU-0003") { nodes { sku tracked } } }'
    )
    assert items["inventoryItems"]["nodes"] == [{"sku": "SKU-0003", "tracked": True}]


def test_bad_or_missing_token_is_401_with_a_string(shop: Admin) -> None:
    for headers in ({"X-Shopify-Access-Token": "shpat_wrong"}, {"X-Shopify-Access-Token": ""}):
        answer = shop.post("{ shop { name } }", headers=headers)
        assert answer.status_code == 401
        assert answer.json() == {"errors": INVALID}
    bare = httpx.post(
        f"{str(shop.http.base_url).rstrip('/')}/admin/api/2026-10/graphql.json",
        json={"query": "{ shop { name } }"},
    )
    assert bare.status_code == 401 and bare.json() == {"errors": INVALID}


def test_client_credentials_grant_gives_a_token_that_works_and_expires(serve: Serve) -> None:
    now = [0.0]
    sandbox = ShopifySandbox(delay_seconds=0, clock=lambda: now[0], token_lifetime_seconds=60)
    url = serve(sandbox)
    grant = {
        "client_id": sandbox.credentials["client_id"],
        "client_secret": sandbox.credentials["client_secret"],
        "grant_type": "client_credentials",
    }
    answer = httpx.post(f"{url}/admin/oauth/access_token", data=grant)
    assert answer.status_code == 200
    body = answer.json()
    assert (
        body["expires_in"] == 86399 and body["scope"] and body["access_token"].startswith("shpat_")
    )
    graphql = f"{url}/admin/api/2026-10/graphql.json"
    headers = {"X-Shopify-Access-Token": body["access_token"]}
    assert (
        httpx.post(graphql, json={"query": "{ shop { name } }"}, headers=headers).status_code == 200
    )
    now[0] = 61.0
    assert (
        httpx.post(graphql, json={"query": "{ shop { name } }"}, headers=headers).status_code == 401
    )
    wrong = httpx.post(f"{url}/admin/oauth/access_token", json={**grant, "client_secret": "nope"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    missing = httpx.post(
        f"{url}/admin/oauth/access_token", data={"grant_type": "client_credentials"}
    )
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    other = httpx.post(f"{url}/admin/oauth/access_token", data={**grant, "grant_type": "password"})
    assert other.status_code == 400 and other.json()["error"] == "unsupported_grant_type"


def test_version_path_not_a_version_is_404_old_and_future_fall_to_supported(shop: Admin) -> None:
    shop.version = "latest"
    assert shop.post("{ shop { name } }").status_code == 404
    shop.version = "2019-04"
    old = shop.post("{ shop { name } }")
    assert old.status_code == 200 and old.headers["x-shopify-api-version"] == "2025-01"
    shop.version = "2031-01"
    assert shop.post("{ shop { name } }").headers["x-shopify-api-version"] == "2026-10"


def test_malformed_body_and_missing_query_are_400(shop: Admin) -> None:
    url = f"/admin/api/{shop.version}/graphql.json"
    for content in (
        b"{not json",
        b"[1, 2]",
        b'{"variables": {}}',
        b'{"query": 5}',
        b'{"query": "{ shop { name } }", "variables": [1]}',
    ):
        answer = shop.http.post(url, content=content, headers={"Content-Type": "application/json"})
        assert answer.status_code == 400, content
        assert "errors" in answer.json()


def test_syntax_validation_and_variable_errors_are_200_with_codes(shop: Admin) -> None:
    parse = shop.post("{ shop { ").json()
    assert parse["errors"][0]["locations"] and parse["errors"][0]["extensions"]["code"]
    unknown = shop.post("{ shop { nme } }").json()
    assert unknown["errors"][0]["extensions"]["code"] == "undefinedField"
    assert unknown["errors"][0]["locations"] == [{"line": 1, "column": 10}]
    wrong_type = shop.post(
        "query($n: Int) { locations(first: $n) { nodes { id } } }", {"n": "many"}
    )
    assert wrong_type.status_code == 200
    assert wrong_type.json()["errors"][0]["extensions"]["code"] == "INVALID_VARIABLE"
    too_big = shop.post("{ locations(first: 251) { nodes { id } } }").json()
    assert too_big["errors"][0]["extensions"]["code"] in ("BAD_REQUEST", "MAX_COST_EXCEEDED")
    no_size = shop.post("{ locations { nodes { id } } }").json()
    assert "first or last" in no_size["errors"][0]["message"]
    bad_cursor = shop.post('{ orders(first: 2, after: "!!") { nodes { id } } }').json()
    assert bad_cursor["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    names = shop.post(
        '{ inventoryItems(first: 1) { nodes { inventoryLevel(locationId: "LOCATION") { quantities(names: ["bogus"]) { quantity } } } } }'.replace(
            "LOCATION", PRIMARY
        )
    ).json()
    assert "bogus" in names["errors"][0]["message"]
    assert shop.data(
        '{ inventoryItem(id: "not-a-gid") { id } location(id: "gid://shopify/Location/9") { id } }'
    ) == {"inventoryItem": None, "location": None}


def test_pushed_quantity_is_admin_truth_at_once_and_reaches_buyers_after_the_delay(
    shop: Admin,
) -> None:
    item_id, _ = shop.item("SKU-0001")
    payload = shop.set_available(item_id, 12, change_from=5, key="push-1")
    assert payload["userErrors"] == []
    changes = {c["name"]: c for c in payload["inventoryAdjustmentGroup"]["changes"]}
    assert changes["available"]["delta"] == 7 and changes["available"]["quantityAfterChange"] == 12
    assert (
        changes["available"]["location"]["id"] == PRIMARY
        and changes["available"]["item"]["id"] == item_id
    )
    assert shop.item("SKU-0001")[1]["available"] == 12
    assert shown(shop.sandbox, "SKU-0001") == 5  # buyers still see the old number
    eventually(lambda: shown(shop.sandbox, "SKU-0001") == 12)


def test_a_sale_moves_units_from_available_to_committed(shop: Admin) -> None:
    placed = shop.http.post("/_sandbox/orders", json={"sku": "SKU-0002", "quantity": 2})
    assert placed.status_code == 201
    assert shop.item("SKU-0002")[1] == {"available": 3, "on_hand": 5, "committed": 2}
    order_id = placed.json()["id"]
    assert shop.http.post(f"/_sandbox/shopify/orders/{order_id}/cancel").status_code == 200
    assert shop.item("SKU-0002")[1] == {"available": 5, "on_hand": 5, "committed": 0}
    again = shop.http.post(f"/_sandbox/shopify/orders/{order_id}/cancel")
    assert again.status_code == 409


def test_change_from_quantity_stale_on_current_versions(shop: Admin) -> None:
    item_id, _ = shop.item("SKU-0001")
    stale = shop.set_available(item_id, 9, change_from=4, key="stale-1")
    assert (
        codes(stale) == ["CHANGE_FROM_QUANTITY_STALE"] and stale["inventoryAdjustmentGroup"] is None
    )
    assert stale["userErrors"][0]["field"] == ["input", "quantities", "0", "changeFromQuantity"]
    assert shop.set_available(item_id, 9, change_from=None, key="skip-check")["userErrors"] == []
    assert shop.item("SKU-0001")[1]["available"] == 9
    line = {"inventoryItemId": item_id, "locationId": PRIMARY, "quantity": 3}
    omitted = shop.post(SET, {"input": set_input([line]), "key": "omitted"}).json()
    assert omitted["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    legacy_field = shop.post(
        SET, {"input": set_input([{**line, "compareQuantity": 9}]), "key": "legacy"}
    ).json()
    assert legacy_field["errors"][0]["extensions"]["code"] == "INVALID_VARIABLE"


def test_compare_quantity_semantics_up_to_2025_10(shop: Admin) -> None:
    shop.version = "2025-10"
    item_id = shop.data('{ inventoryItems(first: 1, query: "sku:SKU-0001") { nodes { id } } }')[
        "inventoryItems"
    ]["nodes"][0]["id"]
    line = {"inventoryItemId": item_id, "locationId": PRIMARY, "quantity": 8}
    required = shop.data(SET_LEGACY, {"input": set_input([line])})["inventorySetQuantities"]
    assert codes(required) == ["COMPARE_QUANTITY_REQUIRED"]
    stale = shop.data(SET_LEGACY, {"input": set_input([{**line, "compareQuantity": 4}])})[
        "inventorySetQuantities"
    ]
    assert codes(stale) == ["COMPARE_QUANTITY_STALE"]
    fresh = shop.data(SET_LEGACY, {"input": set_input([{**line, "compareQuantity": 5}])})[
        "inventorySetQuantities"
    ]
    assert (
        fresh["userErrors"] == []
        and fresh["inventoryAdjustmentGroup"]["changes"][0]["quantityAfterChange"] == 8
    )
    ignored = shop.data(
        SET_LEGACY, {"input": set_input([{**line, "quantity": 2}], ignoreCompareQuantity=True)}
    )
    assert ignored["inventorySetQuantities"]["userErrors"] == []
    new_field = shop.post(
        SET_LEGACY, {"input": set_input([{**line, "changeFromQuantity": 2}])}
    ).json()
    assert new_field["errors"][0]["extensions"]["code"] == "INVALID_VARIABLE"
    directive = shop.post(
        SET.replace("$key: String!", "").replace("@idempotent(key: $key)", '@idempotent(key: "x")'),
        {"input": set_input([line])},
    ).json()
    assert directive["errors"][0]["extensions"]["code"] == "undefinedDirective"


def test_idempotent_key_required_replayed_and_mismatch(shop: Admin) -> None:
    item_id, _ = shop.item("SKU-0003")
    without = SET.replace(", $key: String!", "").replace(" @idempotent(key: $key)", "")
    line = {
        "inventoryItemId": item_id,
        "locationId": PRIMARY,
        "quantity": 6,
        "changeFromQuantity": None,
    }
    missing = shop.post(without, {"input": set_input([line])}).json()
    assert "@idempotent" in missing["errors"][0]["message"]
    assert missing["data"] == {"inventorySetQuantities": None}
    first = shop.set_available(item_id, 6, change_from=5, key="same")
    replay = shop.set_available(item_id, 6, change_from=5, key="same")
    assert replay == first  # the same group, not a second adjustment (5 is stale by now)
    mismatch = shop.set_available(item_id, 7, change_from=6, key="same")
    assert codes(mismatch) == ["IDEMPOTENCY_KEY_PARAMETER_MISMATCH"]
    assert shop.item("SKU-0003")[1]["available"] == 6


def _set_errors(
    shop: Admin, key: str, *, line: dict[str, Any] | None = None, **header: Any
) -> list[str]:
    item_id, _ = shop.item("SKU-0001")
    base = {
        "inventoryItemId": item_id,
        "locationId": PRIMARY,
        "quantity": 3,
        "changeFromQuantity": None,
    }
    payload = shop.data(SET, {"input": set_input([{**base, **(line or {})}], **header), "key": key})
    return codes(payload["inventorySetQuantities"])


def test_each_set_user_error_code(shop: Admin) -> None:
    assert _set_errors(shop, "a", line={"inventoryItemId": "gid://shopify/InventoryItem/1"}) == [
        "INVALID_INVENTORY_ITEM"
    ]
    assert _set_errors(shop, "b", line={"inventoryItemId": "SKU-0001"}) == [
        "INVALID_INVENTORY_ITEM"
    ]
    assert _set_errors(shop, "c", line={"locationId": "gid://shopify/Location/1"}) == [
        "INVALID_LOCATION"
    ]
    assert _set_errors(shop, "d", line={"locationId": WAREHOUSE}) == [
        "ITEM_NOT_STOCKED_AT_LOCATION"
    ]
    assert _set_errors(shop, "e", name="committed") == ["INVALID_NAME"]
    assert _set_errors(shop, "f", line={"quantity": -1}) == ["INVALID_QUANTITY_NEGATIVE"]
    assert _set_errors(shop, "g", line={"quantity": 1_000_000_001}) == ["INVALID_QUANTITY_TOO_HIGH"]
    assert _set_errors(shop, "h", reason="because") == ["INVALID_REASON"]
    assert _set_errors(shop, "i", referenceDocumentUri="not a uri") == [
        "INVALID_REFERENCE_DOCUMENT"
    ]
    assert shop.item("SKU-0001")[1]["available"] == 5  # nothing applied
    assert _set_errors(shop, "j", name="on_hand", line={"quantity": 4}) == []
    assert shop.item("SKU-0001")[1] == {"available": 4, "on_hand": 4, "committed": 0}


def test_adjust_quantities_and_ledger_document_rules(shop: Admin) -> None:
    item_id, _ = shop.item("SKU-0002")

    def adjust(key: str, name: str, delta: int, ledger: str | None = None) -> dict[str, Any]:
        change = {
            "delta": delta,
            "inventoryItemId": item_id,
            "locationId": PRIMARY,
            "ledgerDocumentUri": ledger,
        }
        variables = {"input": {"name": name, "reason": "received", "changes": [change]}, "key": key}
        payload: dict[str, Any] = shop.data(ADJUST, variables)["inventoryAdjustQuantities"]
        return payload

    assert (
        adjust("1", "available", 3)["inventoryAdjustmentGroup"]["changes"][0]["quantityAfterChange"]
        == 8
    )
    assert codes(adjust("2", "damaged", 1)) == ["INVALID_QUANTITY_DOCUMENT"]
    assert codes(adjust("3", "available", 1, "stockpool://doc/1")) == ["INVALID_AVAILABLE_DOCUMENT"]
    assert codes(adjust("4", "damaged", 1, "gid://shopify/Order/1")) == ["INTERNAL_LEDGER_DOCUMENT"]
    assert codes(adjust("5", "committed", 1, "stockpool://doc/1")) == ["INVALID_QUANTITY_NAME"]
    assert codes(adjust("6", "damaged", -1, "stockpool://doc/1")) == ["INVALID_QUANTITY_NEGATIVE"]
    assert codes(adjust("7", "available", 2_000_000_000)) == ["INVALID_QUANTITY_TOO_HIGH"]
    assert adjust("8", "damaged", 2, "stockpool://doc/1")["userErrors"] == []
    assert shop.item("SKU-0002")[1] == {"available": 8, "on_hand": 10, "committed": 0}


def test_cost_extensions_and_throttle(serve: Serve) -> None:
    sandbox = ShopifySandbox(delay_seconds=0, bucket_size=60, restore_rate=0.001)
    sandbox.seed(2)
    shop = Admin(sandbox, serve(sandbox))
    query = "{ productVariants(first: 10) { nodes { id sku inventoryItem { id } } } }"
    answer = shop.post(query).json()
    cost = answer["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 2 + 10 * 2
    assert cost["actualQueryCost"] == 2 + 2 * 2  # two variants came back
    assert cost["throttleStatus"]["maximumAvailable"] == 60
    assert cost["throttleStatus"]["currentlyAvailable"] == 60 - 6
    answers = [shop.post(query) for _ in range(7)]  # 6 points each: 60 - 7 x 6 = 18 < 22
    assert all("errors" not in answer.json() for answer in answers[:-1])
    throttled = answers[-1].json()
    assert answers[-1].status_code == 200
    assert throttled["errors"][0]["message"] == "Throttled"
    assert throttled["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert throttled["extensions"]["cost"]["requestedQueryCost"] == 22
    huge = shop.post(
        "{ orders(first: 250) { nodes { lineItems(first: 250) { nodes { id } } } } }"
    ).json()
    assert huge["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED"


def test_fault_storm_throttles_and_errors_in_shopify_shapes(shop: Admin) -> None:
    shop.http.put("/_sandbox/faults", json={"throttle_rate": 1.0})
    storm = shop.post("{ shop { name } }")
    assert (
        storm.status_code == 200 and storm.json()["errors"][0]["extensions"]["code"] == "THROTTLED"
    )
    shop.http.put("/_sandbox/faults", json={"throttle_rate": 0.0, "error_rate": 1.0})
    failed = shop.post("{ shop { name } }")
    assert failed.status_code == 500 and failed.json() == {"errors": "Internal Server Error"}


def test_orders_backfill_pages_by_updated_at(shop: Admin) -> None:
    for _ in range(5):
        assert (
            shop.http.post("/_sandbox/orders", json={"sku": "SKU-0001", "quantity": 1}).status_code
            == 201
        )
    query = """query($after: String, $q: String) { orders(first: 2, after: $after, query: $q, sortKey: UPDATED_AT) {
      nodes { id legacyResourceId name createdAt updatedAt cancelledAt displayFinancialStatus displayFulfillmentStatus
              lineItems(first: 5) { nodes { id sku quantity variant { id } } } }
      pageInfo { hasNextPage endCursor } } }"""
    seen: list[str] = []
    after = None
    while True:
        page = shop.data(query, {"after": after, "q": "updated_at:>='2020-01-01T00:00:00Z'"})[
            "orders"
        ]
        seen += [node["name"] for node in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ["#1001", "#1002", "#1003", "#1004", "#1005"]
    first = shop.data(query, {"q": "created_at:>=2020-01-01"})["orders"]["nodes"][0]
    assert (
        first["displayFinancialStatus"] == "PAID"
        and first["lineItems"]["nodes"][0]["sku"] == "SKU-0001"
    )
    assert shop.data(query, {"q": "created_at:>='2999-01-01'"})["orders"]["nodes"] == []
    newest = shop.data("{ orders(first: 1, reverse: true) { nodes { name id } } }")["orders"][
        "nodes"
    ][0]
    assert newest["name"] == "#1005"
    assert shop.data("query($id: ID!) { order(id: $id) { name } }", {"id": newest["id"]})[
        "order"
    ] == {"name": "#1005"}


def test_control_routes_refuse_bad_input(shop: Admin) -> None:
    assert shop.http.post("/_sandbox/shopify/orders/123/cancel").status_code == 404
    assert (
        shop.http.post(
            "/_sandbox/shopify/orders/abc/refund",
            json={"line_items": [{"sku": "x", "quantity": 1}]},
        ).status_code
        == 404
    )
    order = shop.http.post("/_sandbox/orders", json={"sku": "SKU-0001", "quantity": 1}).json()
    refund = f"/_sandbox/shopify/orders/{order['id']}/refund"
    assert shop.http.post(refund, content=b"{oops").status_code == 400
    assert shop.http.post(refund, json={"line_items": []}).status_code == 400
    assert (
        shop.http.post(
            refund, json={"line_items": [{"sku": "SKU-0001", "quantity": 2}]}
        ).status_code
        == 409
    )
    assert (
        shop.http.post(
            refund, json={"line_items": [{"sku": "SKU-0009", "quantity": 1}]}
        ).status_code
        == 404
    )
