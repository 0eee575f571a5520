"""Calling Walmart Marketplace: an access token fetched with the client credentials and renewed
before it expires, Walmart's headers on every call, a token bucket per operation corrected from
`X-Current-Token-Count`, and retries on 429 (Retry-After), 5xx, timeouts and a lapsed token."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from stockpool.channels.resilience import (
    Backoff,
    CircuitBreaker,
    Clock,
    Retry,
    Sleep,
    TokenBucket,
    call,
)
from stockpool.domain.errors import PlatformUnavailable

SERVICE_NAME = "Walmart Marketplace"
REFRESH_MARGIN = 60.0  # seconds before expiry a token is renewed: a call never carries a dead one
Wall = Callable[[], datetime]

# Walmart's published US limits (calls per minute; MARKETPLACES.md, UNCONFIRMED there), the
# rest as generous as the nearest documented one. Feeds: about 10 an hour.
RATES_PER_MINUTE: dict[str, float] = {
    "token": 30,
    "inventory_put": 200,
    "inventory_get": 200,
    "feed_submit": 10 / 60,
    "feed_status": 100,
    "items": 100,
    "orders_list": 5000,
    "order_get": 5000,
    "acknowledge": 60,
    "cancel": 60,
    "returns": 100,  # returns and WFS inventory: no published limit found, our pick
    "wfs_inventory": 100,
}
BURSTS: dict[str, float] = {"feed_submit": 10}


class WalmartRefused(Exception):
    """Walmart refused a call for good (4xx): sending it again will not help; the message says
    what Walmart said."""


def buckets_for(clock: Clock) -> dict[str, TokenBucket]:
    """A bucket per operation at its published rate, a minute's worth of burst."""
    return {
        name: TokenBucket(rate / 60, BURSTS.get(name, rate), clock)
        for name, rate in RATES_PER_MINUTE.items()
    }


def problems(response: httpx.Response) -> str:
    """What Walmart said was wrong, from either of its error wrappers (`errors` or `error`)."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    items = body.get("errors") or body.get("error") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        return f"HTTP {response.status_code}: {str(body)[:200]}"
    said = []
    for item in items:
        if isinstance(item, dict):
            text = item.get("description") or item.get("message") or item.get("info") or ""
            field = f" ({item['field']})" if item.get("field") else ""
            said.append(f"{item.get('code', 'ERROR')}: {text}{field}")
    return f"HTTP {response.status_code}: " + "; ".join(said)


@dataclass(slots=True)
class AccessToken:
    value: str
    renew_at: float  # client clock


class WalmartClient:
    """One seller's account on one Walmart base URL; every call passes its circuit breaker."""

    def __init__(
        self,
        url: str,
        credentials: Mapping[str, str],
        *,
        wall: Wall,
        transport: httpx.BaseTransport | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        backoff: Backoff | None = None,
        breaker: CircuitBreaker | None = None,
        timeout: float = 30.0,
    ) -> None:
        missing = [key for key in ("client_id", "client_secret") if not credentials.get(key)]
        if missing:
            raise ValueError(
                f"Walmart credentials need {' and '.join(missing)} (the seller's API key pair "
                "from Walmart's developer portal, or the sandbox's `stockpool sandbox --json`)."
            )
        self._id, self._secret = credentials["client_id"], credentials["client_secret"]
        self.http = httpx.Client(base_url=url, transport=transport, timeout=timeout)
        self.clock, self.sleep, self.wall = clock, sleep, wall
        self.backoff = backoff or Backoff()
        self.breaker = breaker or CircuitBreaker(clock=clock)
        self.buckets = buckets_for(clock)
        self._token: AccessToken | None = None
        self._token_lock = threading.Lock()

    def close(self) -> None:
        self.http.close()

    def headers(self, **more: str) -> dict[str, str]:
        return {
            "WM_SVC.NAME": SERVICE_NAME,
            "WM_QOS.CORRELATION_ID": str(uuid.uuid4()),
            "Accept": "application/json",
            **more,
        }

    def request(self, operation: str, method: str, path: str, **options: Any) -> httpx.Response:
        """The answer to one call (any status below 500 but 401 and 429); PlatformUnavailable
        once the retries are used up or the circuit is open."""
        return call(
            lambda: self._attempt(operation, method, path, options),
            bucket=self.buckets[operation],
            breaker=self.breaker,
            backoff=self.backoff,
            sleep=self.sleep,
        )

    def _attempt(
        self, operation: str, method: str, path: str, options: dict[str, Any]
    ) -> httpx.Response:
        token = self.access_token()
        headers = self.headers(**{"WM_SEC.ACCESS_TOKEN": token})
        response = self._send(method, path, headers=headers, **options)
        self._observe(operation, response)
        if response.status_code == 401:
            self._token = None  # revoked or lapsed early: the next attempt fetches a new one
            raise Retry(f"access token refused: {problems(response)}", after=0.0)
        return response

    def _send(self, method: str, path: str, **options: Any) -> httpx.Response:
        try:
            response = self.http.request(method, path, **options)
        except httpx.TimeoutException as error:
            raise Retry(f"{method} {path} timed out ({type(error).__name__})") from error
        except httpx.TransportError as error:
            raise Retry(f"{method} {path} could not connect: {error}") from error
        if response.status_code == 429:
            raise Retry(
                f"throttled: {problems(response)}",
                after=self._retry_after(response),
                throttled=True,
            )
        if response.status_code >= 500:
            raise Retry(f"{method} {path}: {problems(response)}")
        return response

    def _observe(self, operation: str, response: httpx.Response) -> None:
        """Believe Walmart about how many calls are left (it counts what others spent too)."""
        count = response.headers.get("X-Current-Token-Count")
        if count is not None and count.isdigit():
            self.buckets[operation].seen(float(count))

    def _retry_after(self, response: httpx.Response) -> float | None:
        after = response.headers.get("Retry-After", "")
        try:
            return max(float(after), 0.0)
        except ValueError:
            pass
        replenished = response.headers.get("X-Next-Replenishment-Time", "")
        if replenished.isdigit():
            return max(int(replenished) / 1000 - self.wall().timestamp(), 0.0)
        return None  # the backoff's own delay

    # -- the access token --------------------------------------------------------------------

    def access_token(self) -> str:
        """A token good for REFRESH_MARGIN seconds more at least, fetched when need be."""
        with self._token_lock:
            token = self._token
            if token is None or self.clock() >= token.renew_at:
                token = self._token = self._fetch_token()
            return token.value

    def _fetch_token(self) -> AccessToken:
        response = call(
            self._token_attempt,
            bucket=self.buckets["token"],
            breaker=self.breaker,
            backoff=self.backoff,
            sleep=self.sleep,
        )
        if response.status_code != 200:
            raise PlatformUnavailable(
                f"Walmart refused the client credentials ({problems(response)}): check "
                "client_id and client_secret in the channel's connection."
            )
        body = response.json()
        expires_in = float(body.get("expires_in", 900))
        return AccessToken(
            body["access_token"], self.clock() + max(expires_in - REFRESH_MARGIN, 0.0)
        )

    def _token_attempt(self) -> httpx.Response:
        response = self._send(
            "POST",
            "/v3/token",
            headers=self.headers(),
            auth=(self._id, self._secret),
            data={"grant_type": "client_credentials"},
        )
        self._observe("token", response)
        return response
