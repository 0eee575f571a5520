"""Every SP-API call goes through `Calls.run`: a token from the operation's bucket (the published
default rate, corrected by `x-amzn-RateLimit-Limit`), a fresh LWA token, and the answer sorted
into success, `Retry` (429 QuotaExceeded, 5xx, timeouts, an expired access token) or `Refused`
(any other 4xx: the request itself is wrong, and sending it again will not help)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from spapi import rest  # type: ignore[import-untyped]

from stockpool.channels.amazon.auth import LwaTokens
from stockpool.channels.resilience import Backoff, CircuitBreaker, Clock, Retry, Sleep, TokenBucket
from stockpool.channels.resilience import call as resilient_call

T = TypeVar("T")

# (rate per second, burst) per operation: the models' default usage plans (MARKETPLACES.md).
DEFAULT_RATE_LIMITS: dict[str, tuple[float, float]] = {
    "patchListingsItem": (5.0, 5),
    "getListingsItem": (5.0, 10),
    "searchListingsItems": (5.0, 5),
    "createFeedDocument": (0.5, 15),
    "uploadFeedDocument": (10.0, 10),  # the pre-signed URL: storage, not an SP-API quota
    "createFeed": (0.0083, 15),
    "getFeed": (2.0, 15),
    "getFeedDocument": (0.0222, 10),
    "downloadFeedDocument": (10.0, 10),
    "searchOrders": (0.0056, 20),
    "createReport": (0.0167, 15),
    "getReport": (2.0, 15),
    "getReportDocument": (0.0167, 15),
    "downloadReportDocument": (10.0, 10),
    "getInventorySummaries": (2.0, 2),
}
RATE_HEADER = "x-amzn-RateLimit-Limit"


class Refused(Exception):
    """Amazon answered 4xx (not 429): what it said, for the caller to turn into an outcome."""

    def __init__(self, status: int, errors: list[dict[str, Any]]) -> None:
        self.status, self.errors = status, errors
        said = "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors) or "no detail"
        super().__init__(f"Amazon answered {status} ({said})")

    @property
    def codes(self) -> set[str]:
        return {str(error.get("code")) for error in self.errors}


@dataclass
class Calls:
    tokens: LwaTokens
    clock: Clock
    sleep: Sleep
    backoff: Backoff
    breaker: CircuitBreaker

    def __post_init__(self) -> None:
        self.buckets = {
            name: TokenBucket(rate, burst, self.clock)
            for name, (rate, burst) in DEFAULT_RATE_LIMITS.items()
        }

    def run(self, operation: str, attempt: Callable[[], T]) -> T:
        """attempt() as `operation`, with its rate limit, retries and the circuit breaker.
        attempt returns an SDK `*_with_http_info` triple (data, status, headers) or a plain value."""
        bucket = self.buckets[operation]

        def once() -> T:
            self.tokens.fresh()
            try:
                result = attempt()
            except rest.ApiException as error:
                raise self._sorted(bucket, error) from error
            except httpx.TimeoutException as error:
                raise Retry(f"{operation} timed out: {error!r}") from error
            except httpx.TransportError as error:
                raise Retry(f"{operation}: Amazon unreachable: {error!r}") from error
            if isinstance(result, tuple) and len(result) == 3:
                self._corrected(bucket, result[2])
                return result[0]  # type: ignore[no-any-return]
            return result

        return resilient_call(
            once, bucket=bucket, breaker=self.breaker, backoff=self.backoff, sleep=self.sleep
        )

    def _sorted(self, bucket: TokenBucket, error: Any) -> Exception:
        status, headers = int(error.status or 0), error.headers or {}
        errors = _errors(error.body)
        if status == 429:
            bucket.seen(0)  # Amazon's bucket is empty: ours should be too
            return Retry(
                "429 QuotaExceeded", after=_seconds(headers.get("Retry-After")), throttled=True
            )
        if status >= 500 or status == 0:
            return Retry(f"Amazon answered {status}")
        self._corrected(bucket, headers)
        refused = Refused(status, errors)
        if status == 403 and "Unauthorized" in refused.codes:
            self.tokens.forget()  # expired or revoked early: a new token may well be let in
            return Retry(str(refused))
        return refused

    @staticmethod
    def _corrected(bucket: TokenBucket, headers: Mapping[str, str]) -> None:
        rate = _seconds(headers.get(RATE_HEADER))
        if rate:
            bucket.wait_for(0)  # count the tokens earned at the old rate before changing it
            bucket.rate = rate


def _errors(body: Any) -> list[dict[str, Any]]:
    try:
        found = json.loads(body or "{}").get("errors", [])
    except (ValueError, AttributeError):
        return []
    return [error for error in found if isinstance(error, dict)]


def _seconds(raw: str | None) -> float | None:
    try:
        return float(raw) if raw else None
    except ValueError:
        return None
