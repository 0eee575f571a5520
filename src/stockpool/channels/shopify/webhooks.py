"""Shopify webhooks: subscribing stockpool's address to the order topics, and taking a delivery
only when Shopify signed it (HMAC-SHA256 of the raw body with the app's secret, base64)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from stockpool.channels.shopify import returns
from stockpool.channels.shopify.client import Admin, ShopifyRefused
from stockpool.channels.shopify.orders import from_rest
from stockpool.domain.errors import WebhookRefused
from stockpool.domain.platforms import Delivered

TOPICS = ("ORDERS_CREATE", "ORDERS_UPDATED", "ORDERS_CANCELLED", "REFUNDS_CREATE")
# Every topic whose body is an order (stockpool subscribes to the first three; orders/updated
# also follows each fulfilment).
ORDER_TOPICS = frozenset(
    {
        "orders/create",
        "orders/updated",
        "orders/cancelled",
        "orders/fulfilled",
        "orders/partially_fulfilled",
    }
)
REFUND_TOPIC = "refunds/create"
_TAKEN = "already been taken"

_EXISTING = """
query Subscriptions($url: URL!) {
  webhookSubscriptions(first: 50, callbackUrl: $url) { nodes { id topic } }
}
"""
_CREATE = """
mutation Subscribe($topic: WebhookSubscriptionTopic!, $url: URL!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: {callbackUrl: $url, format: JSON}) {
    webhookSubscription { id topic }
    userErrors { field message }
  }
}
"""


def register(admin: Admin, callback_url: str) -> dict[str, str]:
    """Subscribe `callback_url` to every order topic it is not subscribed to yet; the
    subscription id of each topic. Running it again changes nothing."""
    existing = admin.run("Subscriptions", _EXISTING, {"url": callback_url})
    ids = {node["topic"]: node["id"] for node in existing["webhookSubscriptions"]["nodes"]}
    for topic in TOPICS:
        if topic in ids:
            continue
        created = admin.run("Subscribe", _CREATE, {"topic": topic, "url": callback_url})
        payload = created["webhookSubscriptionCreate"]
        errors = payload.get("userErrors") or []
        if errors and not all(_TAKEN in str(error.get("message")) for error in errors):
            messages = "; ".join(str(error.get("message")) for error in errors)
            raise ShopifyRefused(
                f"Shopify refused the {topic} webhook to {callback_url}: {messages}. Give an "
                "address Shopify can reach (https, public)."
            )
        if payload.get("webhookSubscription"):
            ids[topic] = payload["webhookSubscription"]["id"]
    return ids


def signed(body: bytes, signature: str, secret: str) -> bool:
    """The body is what Shopify signed with `secret` (compared in constant time)."""
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
    return hmac.compare_digest(expected, signature.strip().encode("ascii", "replace"))


def delivery(headers: Mapping[str, str], body: bytes, secret: str) -> Delivered:
    """The event id of a signed delivery and the order or the return it carries (a refund
    that restocked no fulfilled unit carries neither: the orders/updated Shopify sends with it
    carries the order's change). WebhookRefused when unsigned, or signed yet not what its topic
    says."""
    named = {key.lower(): value for key, value in headers.items()}
    signature = named.get("x-shopify-hmac-sha256")
    if not signature:
        raise WebhookRefused(
            "This delivery has no X-Shopify-Hmac-Sha256 header: Shopify signs every webhook, "
            "so it was not sent by Shopify; nothing was taken."
        )
    if not signed(body, signature, secret):
        raise WebhookRefused(
            "This delivery's X-Shopify-Hmac-Sha256 does not match its body: it was forged, "
            "altered, or signed with another secret (check the channel's webhook_secret)."
        )
    event_id = named.get("x-shopify-event-id") or named.get("x-shopify-webhook-id")
    if not event_id:  # a signed delivery without ids: its body names it
        event_id = "sha256:" + hashlib.sha256(body).hexdigest()
    topic = named.get("x-shopify-topic", "")
    if topic in ORDER_TOPICS:
        try:
            return Delivered(event_id, orders=(from_rest(_object(body, "an order")),))
        except (KeyError, TypeError, ValueError) as error:
            raise _not_a(topic, "an order", error) from None
    if topic == REFUND_TOPIC:
        try:
            returned = returns.from_rest(_object(body, "a refund"))
        except (KeyError, TypeError, ValueError) as error:
            raise _not_a(topic, "a refund", error) from None
        return Delivered(event_id, returns=(returned,) if returned else ())
    return Delivered(event_id)


def _not_a(topic: str, what: str, error: Exception) -> WebhookRefused:
    reason = f"no {error}" if isinstance(error, KeyError) else str(error)
    return WebhookRefused(
        f"A signed {topic} delivery that is not {what} as Shopify sends it ({reason}): "
        "nothing was taken."
    )


def _object(body: bytes, what: str) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except ValueError:
        raise WebhookRefused(
            "A signed delivery whose body is not JSON: nothing was taken."
        ) from None
    if not isinstance(payload, dict) or "id" not in payload:
        raise WebhookRefused(f"A signed delivery that is not {what} (no id): nothing was taken.")
    return payload
