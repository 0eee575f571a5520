"""Admin GraphQL over httpx, paid for from Shopify's cost-based bucket.

Shopify meters a shop's calls in query-cost points, not in calls: one leaky bucket per app and
shop (`extensions.cost.throttleStatus`: maximumAvailable, currentlyAvailable, restoreRate), so
the client keeps one TokenBucket of points for every operation, waits for what a query is expected
to cost before sending it, and believes the bucket each answer reports. A throttled query comes
back as HTTP 200 with a THROTTLED error: it is retried once enough points are back.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from stockpool.channels.resilience import (
    Backoff,
    CircuitBreaker,
    Retry,
    Sleep,
    TokenBucket,
    call,
)
from stockpool.domain.errors import PlatformUnavailable

MAXIMUM_AVAILABLE = 2000.0  # points; corrected from the first answer
RESTORE_RATE = 100.0  # points a second (the Standard plan); corrected from every answer
DEFAULT_COST = 10.0  # what a query is expected to cost before one like it was answered
TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class ShopifyRefused(PlatformUnavailable):
    """Shopify refused the request itself (a bad token, a query its API version does not take):
    trying again will not help until a person fixes the connection."""


@dataclass(frozen=True, slots=True)
class ShopifyCredentials:
    """The credentials `stockpool sandbox --json` prints for Shopify (and a real custom app has)."""

    access_token: str
    api_version: str
    webhook_secret: str
    shop_domain: str = ""

    @classmethod
    def of(cls, credentials: Mapping[str, str]) -> ShopifyCredentials:
        missing = [name for name in ("access_token", "api_version") if not credentials.get(name)]
        secret = credentials.get("webhook_secret") or credentials.get("client_secret")
        if not secret:
            missing.append("webhook_secret (or client_secret)")
        if missing:
            raise ValueError(
                f"Shopify credentials lack {', '.join(missing)}: copy the whole credentials "
                "object (`stockpool sandbox --json` prints it for a sandbox)."
            )
        return cls(
            access_token=credentials["access_token"],
            api_version=credentials["api_version"],
            webhook_secret=str(secret),
            shop_domain=credentials.get("shop_domain", ""),
        )


@dataclass(slots=True)
class Admin:
    """One shop's Admin GraphQL endpoint, with its bucket of points and its circuit breaker."""

    url: str
    credentials: ShopifyCredentials
    transport: httpx.BaseTransport | None = None
    clock: Any = time.monotonic
    sleep: Sleep = time.sleep
    backoff: Backoff = field(default_factory=Backoff)
    breaker: CircuitBreaker = field(init=False)
    bucket: TokenBucket = field(init=False)
    http: httpx.Client = field(init=False)
    _expected: dict[str, float] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.breaker = CircuitBreaker(clock=self.clock)
        self.bucket = TokenBucket(RESTORE_RATE, MAXIMUM_AVAILABLE, clock=self.clock)
        self.http = httpx.Client(
            base_url=self.url.rstrip("/"),
            transport=self.transport,
            timeout=TIMEOUT,
            headers={"X-Shopify-Access-Token": self.credentials.access_token},
        )

    @property
    def path(self) -> str:
        return f"/admin/api/{self.credentials.api_version}/graphql.json"

    def run(self, operation: str, query: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        """The `data` of one query or mutation named `operation`; PlatformUnavailable when it
        cannot be had now, ShopifyRefused when Shopify refuses the request itself."""
        return call(
            lambda: self._attempt(operation, query, variables),
            bucket=self.bucket,
            breaker=self.breaker,
            backoff=self.backoff,
            sleep=self.sleep,
        )

    def _attempt(self, operation: str, query: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        # call() took one point; the rest of what this query is expected to cost is waited for here.
        wait = self.bucket.wait_for(max(self._expected.get(operation, DEFAULT_COST) - 1.0, 0.0))
        if wait:
            self.sleep(wait)
        try:
            response = self.http.post(self.path, json={"query": query, "variables": variables})
        except httpx.TimeoutException as error:
            raise Retry(f"Shopify did not answer {operation} in time ({error})") from None
        except httpx.TransportError as error:
            raise Retry(f"Shopify could not be reached for {operation} ({error})") from None
        return self._answer(operation, response)

    def _answer(self, operation: str, response: httpx.Response) -> dict[str, Any]:
        status = response.status_code
        if status == 429 or status >= 500:
            raise Retry(
                f"Shopify answered {operation} with HTTP {status}",
                after=_retry_after(response),
                throttled=status == 429,
            )
        if status in (401, 403):
            raise ShopifyRefused(
                f"Shopify refused the access token (HTTP {status}): reconnect the channel with "
                "a valid access_token."
            )
        answer = _json(response, operation)
        if status != 200:
            raise ShopifyRefused(f"Shopify refused {operation} (HTTP {status}): {answer}")
        cost = answer.get("extensions", {}).get("cost", {})
        self._follow(operation, cost)
        errors = answer.get("errors")
        if errors:
            if _throttled(errors):
                raise Retry(
                    f"Shopify throttled {operation}", after=self._refill_time(cost), throttled=True
                )
            raise ShopifyRefused(f"Shopify refused {operation}: {_messages(errors)}")
        data: dict[str, Any] = answer.get("data") or {}
        return data

    def _follow(self, operation: str, cost: Mapping[str, Any]) -> None:
        """Believe the bucket Shopify reports, and remember what this operation costs."""
        requested = cost.get("requestedQueryCost")
        if isinstance(requested, int | float):
            self._expected[operation] = float(requested)
        status = cost.get("throttleStatus") or {}
        available, rate = status.get("currentlyAvailable"), status.get("restoreRate")
        maximum = status.get("maximumAvailable")
        if isinstance(maximum, int | float) and maximum > 0:
            self.bucket.burst = float(maximum)
        if isinstance(available, int | float):
            self.bucket.seen(float(available), float(rate) if rate else None)

    def _refill_time(self, cost: Mapping[str, Any]) -> float | None:
        """Seconds until the bucket holds what the throttled query asked for (None: unknown)."""
        status = cost.get("throttleStatus") or {}
        requested, available = cost.get("requestedQueryCost"), status.get("currentlyAvailable")
        rate = status.get("restoreRate") or self.bucket.rate
        if not isinstance(requested, int | float) or not isinstance(available, int | float):
            return None
        return max(float(requested) - float(available), 0.0) / float(rate)

    def close(self) -> None:
        self.http.close()


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(float(response.headers["Retry-After"]), 0.0)
    except (KeyError, ValueError):
        return None


def _json(response: httpx.Response, operation: str) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        raise Retry(f"Shopify answered {operation} with something not JSON") from None
    if not isinstance(answer, dict):
        raise ShopifyRefused(f"Shopify answered {operation} with {answer!r}, not an object")
    return answer


def _throttled(errors: Any) -> bool:
    return isinstance(errors, list) and any(
        isinstance(error, dict) and (error.get("extensions") or {}).get("code") == "THROTTLED"
        for error in errors
    )


def _messages(errors: Any) -> str:
    if isinstance(errors, list):
        return "; ".join(
            str(error.get("message", error)) if isinstance(error, dict) else str(error)
            for error in errors
        )
    return str(errors)
