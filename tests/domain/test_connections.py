"""A channel's connection: checked against its platform, and never showing its secrets."""

import pytest

from stockpool.domain.channels import Platform
from stockpool.domain.connections import Connection
from stockpool.domain.errors import InvalidRequest

SHOPIFY = {
    "access_token": "shpat_secret",
    "webhook_secret": "hook-secret",
    "api_version": "2026-10",
}


def test_a_connection_never_shows_its_credentials_in_its_repr():
    connection = Connection("https://shop.example.com/", SHOPIFY)
    assert connection.url == "https://shop.example.com"
    assert "shpat_secret" not in repr(connection) and "hook-secret" not in repr(connection)
    assert "access_token" in repr(connection)


@pytest.mark.parametrize(
    ("url", "credentials", "token_url", "platform", "said"),
    [
        ("ftp://shop", SHOPIFY, None, Platform.SHOPIFY, "http or https URL"),
        ("https://shop", {}, None, Platform.SHOPIFY, "object of the platform's keys"),
        ("https://shop", {"bad key": "x"}, None, Platform.SHOPIFY, "names like access_token"),
        ("https://shop", {"access_token": 1}, None, Platform.SHOPIFY, "must be text"),
        ("https://shop", {"access_token": "x"}, None, Platform.SHOPIFY, "webhook_secret"),
        ("https://sp", {"client_id": "x"}, None, Platform.AMAZON, "client_secret"),
        ("https://shop", SHOPIFY, "https://token", Platform.SHOPIFY, "token_url is for amazon"),
        ("https://shop", SHOPIFY, None, Platform.MANUAL, "no platform to connect"),
    ],
)
def test_a_connection_its_platform_cannot_use_is_refused_saying_why(
    url, credentials, token_url, platform, said
):
    with pytest.raises(InvalidRequest, match=said):
        Connection(url, credentials, token_url).for_platform(platform)


def test_amazon_needs_its_token_url():
    amazon = {
        "client_id": "c",
        "client_secret": "s",
        "refresh_token": "r",
        "seller_id": "A1",
        "marketplace_id": "ATVPDKIKX0DER",
    }
    with pytest.raises(InvalidRequest, match="token_url"):
        Connection("https://sp", amazon).for_platform(Platform.AMAZON)
    assert Connection("https://sp", amazon, "https://sp/auth/o2/token").for_platform(
        Platform.AMAZON
    )
