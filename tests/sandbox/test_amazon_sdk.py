"""Amazon's own Python SDK (`spapi`, PyPI amzn-sp-api) against the sandbox over real HTTP.

The SDK takes its endpoint and its LWA token endpoint as arguments (`SPAPIClient(config,
oauth_endpoint=…, endpoint=…)`), and neither is forced to https, so nothing is patched.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.sandbox.amazon_support import MARKETPLACE, Serve, open_seller

spapi = pytest.importorskip("spapi", reason="amzn-sp-api is a dev dependency")

from spapi.api.listings_items_v2021_08_01.listings_api import ListingsApi  # noqa: E402
from spapi.api.orders_v2026_01_01.search_orders_api import SearchOrdersApi  # noqa: E402
from spapi.models.listings_items_v2021_08_01.listings_item_patch_request import (  # noqa: E402
    ListingsItemPatchRequest,
)
from spapi.models.listings_items_v2021_08_01.patch_operation import PatchOperation  # noqa: E402


def test_the_sdk_exchanges_a_refresh_token_patches_and_pages_orders(serve: Serve) -> None:
    with open_seller(serve, skus=2, shown=30) as seller:
        credentials = seller.sandbox.credentials
        config = spapi.SPAPIConfig(
            client_id=credentials["client_id"],
            client_secret=credentials["client_secret"],
            refresh_token=credentials["refresh_token"],
            region="NA",
        )
        client = spapi.SPAPIClient(
            config, oauth_endpoint=f"{seller.url}/auth/o2/token", endpoint=seller.url
        )
        # The SDK fetched its own token: it is not the pre-issued one.
        token = client.api_client.default_headers["x-amz-access-token"]
        assert token.startswith("Atza|")
        assert token != credentials["access_token"]

        body = ListingsItemPatchRequest(
            product_type="PRODUCT",
            patches=[
                PatchOperation(
                    op="replace",
                    path="/attributes/fulfillment_availability",
                    value=[{"fulfillment_channel_code": "DEFAULT", "quantity": 12}],
                )
            ],
        )
        listings = ListingsApi(client.api_client)
        submitted = listings.patch_listings_item(seller.seller_id, "SKU-0001", [MARKETPLACE], body)
        assert submitted.status == "ACCEPTED"
        seller.clock.advance(60)
        item = listings.get_listings_item(
            seller.seller_id, "SKU-0001", [MARKETPLACE], included_data=["fulfillmentAvailability"]
        )
        assert item.fulfillment_availability[0].quantity == 12

        with seller.sandbox.lock:
            placed = [seller.sandbox.place_order("SKU-0002", 1)["orderId"] for _ in range(5)]  # type: ignore[index]
        orders = SearchOrdersApi(client.api_client)
        seen: list[str] = []
        token_seen = 0
        page = orders.search_orders(
            created_after=datetime(2020, 1, 1, tzinfo=UTC),
            marketplace_ids=[MARKETPLACE],
            max_results_per_page=2,
        )
        while True:
            seen += [order.order_id for order in page.orders]
            if page.pagination is None or not page.pagination.next_token:
                break
            token_seen += 1
            page = orders.search_orders(
                created_after=datetime(2020, 1, 1, tzinfo=UTC),
                marketplace_ids=[MARKETPLACE],
                max_results_per_page=2,
                pagination_token=page.pagination.next_token,
            )
        assert seen == placed
        assert token_seen == 2
        assert page.orders[0].order_items[0].product.seller_sku == "SKU-0002"

        # What the SDK sent is what the sandbox logged: the token header and its user agent.
        logged = seller.sandbox.requests.since(0, "/orders/2026-01-01/orders")
        assert len(logged) == 3
        assert all(entry["headers"]["x-amz-access-token"] == token for entry in logged)
        assert logged[0]["headers"]["user-agent"].startswith("amazon-selling-partner-api-sdk/")
