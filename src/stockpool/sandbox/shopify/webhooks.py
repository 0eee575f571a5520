"""Webhook subscriptions and their delivery: signed, retried, sometimes doubled or reordered.

Deliveries leave from one background thread with httpx, never while the sandbox lock is held.
A delivery that is not answered 2xx within the timeout is retried on `retry_schedule` (seconds
after the previous attempt), like Shopify's 8 retries over about 4 hours.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import httpx

from stockpool.sandbox.shopify.catalog import gid, now_iso

if TYPE_CHECKING:
    from stockpool.sandbox.shopify.sandbox import ShopifySandbox

SHOPIFY_RETRY_SCHEDULE = (60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 3840.0, 6780.0)  # 4 h
TOPICS = {
    "ORDERS_CREATE": "orders/create",
    "ORDERS_CANCELLED": "orders/cancelled",
    "ORDERS_UPDATED": "orders/updated",
    "ORDERS_FULFILLED": "orders/fulfilled",
    "ORDERS_PARTIALLY_FULFILLED": "orders/partially_fulfilled",
    "REFUNDS_CREATE": "refunds/create",
}


def signature(body: bytes, secret: str) -> str:
    """X-Shopify-Hmac-Sha256: base64 of HMAC-SHA256 over the raw body with the app's secret."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@dataclass(slots=True)
class Subscription:
    number: int
    topic: str  # the GraphQL enum, ORDERS_CREATE
    callback_url: str
    format: str
    api_version: str
    created_at: str = field(default_factory=now_iso)

    def view(self) -> dict[str, Any]:
        return {
            "id": gid("WebhookSubscription", self.number),
            "legacyResourceId": str(self.number),
            "topic": self.topic,
            "callbackUrl": self.callback_url,
            "uri": self.callback_url,
            "endpoint": {"callbackUrl": self.callback_url},
            "format": self.format,
            "apiVersion": {
                "handle": self.api_version,
                "displayName": self.api_version,
                "supported": True,
            },
            "createdAt": self.created_at,
            "updatedAt": self.created_at,
        }


@dataclass(slots=True)
class Delivery:
    webhook_id: str
    event_id: str
    topic: str  # orders/create
    subscription_id: str
    url: str
    body: bytes
    triggered_at: str
    due_at: float
    status: str = "pending"  # pending | held | delivered | failed
    attempts: list[dict[str, Any]] = field(default_factory=list)
    held_since: float = 0.0

    def describe(self) -> dict[str, Any]:
        return {
            "webhook_id": self.webhook_id,
            "event_id": self.event_id,
            "topic": self.topic,
            "subscription_id": self.subscription_id,
            "url": self.url,
            "triggered_at": self.triggered_at,
            "status": self.status,
            "attempts": list(self.attempts),
            "body": json.loads(self.body),
        }


class Webhooks:
    """Subscriptions, the delivery log and the thread that delivers (all guarded by the sandbox
    lock, which the thread releases before every HTTP call)."""

    def __init__(
        self,
        sandbox: ShopifySandbox,
        retry_schedule: tuple[float, ...],
        timeout_seconds: float,
        reorder_hold_seconds: float,
    ) -> None:
        self._sandbox = sandbox
        self.retry_schedule = retry_schedule
        self.timeout_seconds = timeout_seconds
        self.reorder_hold_seconds = reorder_hold_seconds
        self.subscriptions: dict[int, Subscription] = {}
        self.deliveries: list[Delivery] = []
        self._queue: list[Delivery] = []  # due order: earliest first, ties in list order
        self._held: list[Delivery] = []
        self._next = 1
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None

    # -- subscriptions (lock held) --------------------------------------------------------

    def subscribe(
        self, topic: str, url: str | None, format: str, api_version: str
    ) -> tuple[Subscription | None, list[dict[str, Any]]]:
        where = ["webhookSubscription", "callbackUrl"]
        if not url:
            return None, [{"field": where, "message": "Address can't be blank"}]
        parsed = urlparse(url)
        # Shopify insists on https; the sandbox lets http through so local receivers work.
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            return None, [{"field": where, "message": "Address is invalid"}]
        if format != "JSON":
            return None, [
                {
                    "field": ["webhookSubscription", "format"],
                    "message": "Format is not supported by this sandbox (JSON only)",
                }
            ]
        if any(
            item.topic == topic and item.callback_url == url for item in self.subscriptions.values()
        ):
            return None, [
                {"field": where, "message": "Address for this topic has already been taken"}
            ]
        subscription = Subscription(1_100_000_000 + self._next, topic, url, format, api_version)
        self._next += 1
        self.subscriptions[subscription.number] = subscription
        return subscription, []

    def unsubscribe(self, number: int | None) -> bool:
        return number is not None and self.subscriptions.pop(number, None) is not None

    # -- events (lock held) -------------------------------------------------------------------

    def emit(self, topic: str, payload: dict[str, Any]) -> None:
        """One event of `topic` (orders/create): a delivery to every subscriber of it."""
        body = json.dumps(payload, separators=(",", ":")).encode()
        event_id = str(uuid.uuid4())
        triggered_at = now_iso()
        for subscription in list(self.subscriptions.values()):
            if TOPICS[subscription.topic] != topic:
                continue
            copies = 2 if self._sandbox.dice.hit(self._sandbox.faults.webhook_duplicate_rate) else 1
            for _ in range(copies):
                self._enqueue(
                    Delivery(
                        webhook_id=str(uuid.uuid4()),
                        event_id=event_id,
                        topic=topic,
                        subscription_id=gid("WebhookSubscription", subscription.number),
                        url=subscription.callback_url,
                        body=body,
                        triggered_at=triggered_at,
                        due_at=self._sandbox.clock(),
                    )
                )

    def _enqueue(self, delivery: Delivery) -> None:
        self.deliveries.append(delivery)
        if self._sandbox.faults.webhook_reorder:
            delivery.status, delivery.held_since = "held", self._sandbox.clock()
            self._held.append(delivery)
            if len(self._held) >= 2:
                self._release_held()
        else:
            self._queue.append(delivery)
        self._start()
        self._wake.set()

    def _release_held(self) -> None:
        """Held deliveries go out newest first."""
        now = self._sandbox.clock()
        for delivery in reversed(self._held):
            delivery.status, delivery.due_at = "pending", now
            self._queue.append(delivery)
        self._held.clear()

    def describe(self) -> list[dict[str, Any]]:
        return [delivery.describe() for delivery in self.deliveries]

    # -- the delivery thread ------------------------------------------------------------------

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name="shopify-webhooks", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout_seconds + 5)

    def _run(self) -> None:
        with httpx.Client(timeout=self.timeout_seconds) as client:
            while not self._stopping:
                delivery, wait = self._next_due()
                if delivery is None:
                    self._wake.wait(wait)
                    self._wake.clear()
                    continue
                self._attempt(client, delivery)

    def _next_due(self) -> tuple[Delivery | None, float]:
        sandbox = self._sandbox
        with sandbox.lock:
            now = sandbox.clock()
            if self._held and (
                not sandbox.faults.webhook_reorder
                or now - self._held[0].held_since >= self.reorder_hold_seconds
            ):
                self._release_held()  # a lone held delivery goes late rather than never
            due = [item for item in self._queue if item.due_at <= now]
            if due:
                delivery = due[0]
                self._queue.remove(delivery)
                return delivery, 0.0
            waits = [item.due_at - now for item in self._queue]
            if self._held:
                waits.append(self._held[0].held_since + self.reorder_hold_seconds - now)
            return None, min([*waits, 1.0])

    def _attempt(self, client: httpx.Client, delivery: Delivery) -> None:
        sandbox = self._sandbox
        with sandbox.lock:
            headers = {
                "Content-Type": "application/json",
                "User-Agent": "Shopify-Captain-Hook",
                "X-Shopify-Topic": delivery.topic,
                "X-Shopify-Hmac-Sha256": signature(
                    delivery.body, sandbox.credentials["webhook_secret"]
                ),
                "X-Shopify-Shop-Domain": sandbox.credentials["shop_domain"],
                "X-Shopify-API-Version": sandbox.credentials["api_version"],
                "X-Shopify-Webhook-Id": delivery.webhook_id,
                "X-Shopify-Event-Id": delivery.event_id,
                "X-Shopify-Triggered-At": delivery.triggered_at,
            }
        started = sandbox.clock()
        status: int | None = None
        error: str | None = None
        try:
            response = client.post(delivery.url, content=delivery.body, headers=headers)
            status = response.status_code
        except httpx.HTTPError as failure:
            error = f"{type(failure).__name__}: {failure}"
        seconds = sandbox.clock() - started
        ok = status is not None and 200 <= status < 300 and seconds <= self.timeout_seconds
        with sandbox.lock:
            delivery.attempts.append(
                {"at": now_iso(), "status": status, "error": error, "seconds": round(seconds, 3)}
            )
            retries_done = len(delivery.attempts) - 1
            if ok:
                delivery.status = "delivered"
            elif retries_done < len(self.retry_schedule):
                delivery.due_at = sandbox.clock() + self.retry_schedule[retries_done]
                self._queue.append(delivery)
            else:
                delivery.status = "failed"
