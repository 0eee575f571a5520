"""Login with Amazon: the access token exchanged for the refresh token, cached, and refreshed a
minute before it expires (or at once when Amazon says it no longer holds).

The SDK has a cache of its own (spapi.auth.AccessTokenCache), but it reads the wall clock, sleeps
2, 4 and 8 seconds between its own retries (even after invalid_grant, which no retry mends),
and posts with `requests` outside our timeouts; this one is handed to the SDK in its place and
fails as a `Retry` for the connector's backoff to handle."""

from __future__ import annotations

import threading
from collections.abc import Mapping

import httpx

from stockpool.channels.resilience import Clock, Retry
from stockpool.domain.errors import PlatformUnavailable

REFRESH_MARGIN = 60.0  # seconds before expiry a token is replaced: a call in flight outlives it


class CredentialsRefused(PlatformUnavailable):
    """Amazon refused the app's credentials: no retry helps; the channel must be connected again."""


class LwaTokens:
    """The access token for `x-amz-access-token`; the SDK calls get_lwa_access_token()."""

    def __init__(
        self, credentials: Mapping[str, str], token_url: str, http: httpx.Client, clock: Clock
    ) -> None:
        self._form = {
            "grant_type": "refresh_token",
            "refresh_token": credentials["refresh_token"],
            "client_id": credentials["client_id"],
            "client_secret": credentials["client_secret"],
        }
        self._url, self._http, self._clock = token_url, http, clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()
        self.refreshed = 0  # how many times a token was fetched (tests read it)

    def fresh(self) -> str:
        """A token valid for at least REFRESH_MARGIN more seconds, fetched if need be."""
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at - REFRESH_MARGIN:
                self._token, lifetime = self._fetch()
                self._expires_at = self._clock() + lifetime
                self.refreshed += 1
            return self._token

    def forget(self) -> None:
        """Amazon refused the token (403 Unauthorized): fetch a new one next time."""
        with self._lock:
            self._token = None

    def get_lwa_access_token(self) -> str:
        """What the SDK asks before each request."""
        return self.fresh()

    def _fetch(self) -> tuple[str, float]:
        try:
            answer = self._http.post(self._url, data=self._form)
        except httpx.TransportError as error:
            raise Retry(f"LWA token endpoint unreachable: {error!r}") from error
        if answer.status_code == 429 or answer.status_code >= 500:
            raise Retry(f"LWA token endpoint answered {answer.status_code}")
        if answer.status_code != 200:
            raise CredentialsRefused(_refusal(answer))
        body = answer.json()
        return str(body["access_token"]), float(body.get("expires_in", 3600))


def _refusal(answer: httpx.Response) -> str:
    try:
        body = answer.json()
        why = f"{body.get('error')}: {body.get('error_description')}"
    except ValueError:
        why = answer.text[:200]
    return (
        f"Amazon (Login with Amazon) refused this channel's credentials ({answer.status_code} "
        f"{why}); connect the channel again with a valid client_id, client_secret and refresh_token."
    )
