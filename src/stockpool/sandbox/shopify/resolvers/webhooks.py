"""Webhook subscriptions: read, created and deleted through the Admin API."""

from __future__ import annotations

from typing import Any

from stockpool.sandbox.shopify.catalog import gid_number
from stockpool.sandbox.shopify.resolvers.context import Context, Info, page, sandbox_of


def webhook_subscription(_: Any, info: Info, id: str) -> dict[str, Any] | None:
    number = gid_number(id, "WebhookSubscription")
    found = sandbox_of(info).webhooks.subscriptions.get(number) if number is not None else None
    return found.view() if found else None


def webhook_subscriptions(_: Any, info: Info, **args: Any) -> dict[str, Any]:
    topics = args.get("topics")
    url = args.get("callbackUrl")
    chosen = [
        item.view()
        for item in sandbox_of(info).webhooks.subscriptions.values()
        if (topics is None or item.topic in topics) and (url is None or item.callback_url == url)
    ]
    return page(chosen, lambda view: [int(view["legacyResourceId"])], args)


def webhook_subscription_create(
    _: Any, info: Info, topic: str, webhookSubscription: dict[str, Any]
) -> dict[str, Any]:
    context: Context = info.context
    url = webhookSubscription.get("callbackUrl") or webhookSubscription.get("uri")
    created, errors = context.sandbox.webhooks.subscribe(
        topic,
        url,
        webhookSubscription.get("format") or "JSON",
        context.sandbox.credentials["api_version"],
    )
    return {"webhookSubscription": created.view() if created else None, "userErrors": errors}


def webhook_subscription_delete(_: Any, info: Info, id: str) -> dict[str, Any]:
    if sandbox_of(info).webhooks.unsubscribe(gid_number(id, "WebhookSubscription")):
        return {"deletedWebhookSubscriptionId": id, "userErrors": []}
    return {
        "deletedWebhookSubscriptionId": None,
        "userErrors": [{"field": ["id"], "message": "Webhook subscription does not exist"}],
    }
