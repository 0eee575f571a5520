"""Whatever a client sends the Shopify sandbox, it answers as Shopify does, never with a 500."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from stockpool.sandbox.shopify import ShopifySandbox
from tests.sandbox.shopify_support import ADJUST, ITEM_QUERY, PRIMARY, SET

shop = ShopifySandbox(delay_seconds=0, seed=5, bucket_size=10**9, restore_rate=10**9)
shop.seed(3, 5)
client = TestClient(shop.app, raise_server_exceptions=False)
HEADERS = {"X-Shopify-Access-Token": shop.credentials["access_token"]}
URL = "/admin/api/2026-10/graphql.json"
OLD_URL = "/admin/api/2025-10/graphql.json"

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
ids = st.sampled_from(
    [
        "gid://shopify/InventoryItem/1",
        PRIMARY,
        "gid://shopify/Location/1",
        "nope",
        "",
        "gid://x/y/z",
    ]
)
quantity_lines = st.fixed_dictionaries(
    {},
    optional={
        "inventoryItemId": ids | json_values,
        "locationId": ids | json_values,
        "quantity": st.integers(-(2**40), 2**40) | json_values,
        "changeFromQuantity": st.none() | st.integers(-(2**33), 2**33) | json_values,
        "compareQuantity": st.integers(-5, 5),
    },
)
inputs = st.fixed_dictionaries(
    {},
    optional={
        "name": st.sampled_from(["available", "on_hand", "damaged", "bogus"]) | json_values,
        "reason": st.sampled_from(["correction", "restock", "bogus"]) | json_values,
        "referenceDocumentUri": st.sampled_from(["gid://stockpool/SyncJob/1", "x"]) | json_values,
        "quantities": st.lists(quantity_lines, max_size=3) | json_values,
        "changes": st.lists(quantity_lines, max_size=3),
    },
)


def answered_like_shopify(response: Any) -> None:
    assert response.status_code in (200, 400, 401, 404), response.text
    body = response.json()
    assert "errors" in body or "data" in body


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200) | json_values.map(lambda value: json.dumps(value).encode()))
def test_any_body_is_answered_in_shopify_shape(body: bytes) -> None:
    answered_like_shopify(client.post(URL, content=body, headers=HEADERS))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    query=st.sampled_from([SET, ADJUST, ITEM_QUERY]),
    variables=st.fixed_dictionaries(
        {}, optional={"input": inputs | json_values, "key": json_values, "sku": json_values}
    ),
    old=st.booleans(),
)
def test_any_variables_to_the_inventory_mutations_are_answered_in_shopify_shape(
    query: str, variables: dict[str, Any], old: bool
) -> None:
    response = client.post(
        OLD_URL if old else URL, json={"query": query, "variables": variables}, headers=HEADERS
    )
    answered_like_shopify(response)
