"""Connecting a channel through HTTP: the credentials go in once and never come out."""

import logging

SHOPIFY = {
    "shop_domain": "stockpool-sandbox.myshopify.com",
    "access_token": "shpat_very_secret",
    "client_id": "cid",
    "client_secret": "hook-very-secret",
    "webhook_secret": "hook-very-secret",
    "api_version": "2026-10",
}
BODY = {
    "platform": "shopify",
    "connection": {"url": "http://127.0.0.1:8101", "credentials": SHOPIFY},
}


def test_a_channel_connected_shows_which_credentials_are_set_never_their_values(api, caplog):
    with caplog.at_level(logging.DEBUG):
        put = api.client.put("/v1/channels/shop-us", json=BODY, headers=api.admin)
        got = api.get("/v1/channels/shop-us")
        listed = api.get("/v1/channels")
    assert put.status_code == 201, put.text
    for response in (put, got, listed):
        assert "very_secret" not in response.text and "very-secret" not in response.text
    assert "very_secret" not in caplog.text and "very-secret" not in caplog.text
    connection = got.json()["connection"]
    assert connection["url"] == "http://127.0.0.1:8101"
    assert connection["credentials_set"] == sorted(SHOPIFY)
    again = api.client.put("/v1/channels/shop-us", json={"platform": "shopify"}, headers=api.admin)
    assert again.json()["connection"] is not None  # left out: kept
    gone = api.client.put(
        "/v1/channels/shop-us", json={"platform": "shopify", "connection": None}, headers=api.admin
    )
    assert gone.json()["connection"] is None  # null: disconnected


def test_a_connection_missing_what_the_platform_needs_is_422_and_writes_nothing(api):
    before = api.snapshot()
    body = {"platform": "amazon", "connection": {"url": "https://sp", "credentials": {"a": "b"}}}
    refused = api.client.put("/v1/channels/amazon-us", json=body, headers=api.admin)
    assert refused.status_code == 422
    assert "client_id" in refused.json()["detail"]
    assert api.snapshot() == before
