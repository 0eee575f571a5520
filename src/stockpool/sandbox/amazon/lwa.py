"""Login with Amazon: the token endpoint and the access tokens it hands out, which expire."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

TOKEN_PATH = "/auth/o2/token"
# Scopes a grantless (client_credentials) token may carry.
GRANTLESS_SCOPES = {
    "sellingpartnerapi::notifications",
    "sellingpartnerapi::client_credential:rotation",
}


@dataclass(slots=True)
class AccessToken:
    expires_at: float  # on the sandbox clock
    grantless: bool


class Tokens:
    """Access tokens issued, each valid for `lifetime_seconds` (LWA: 3600)."""

    def __init__(self, lifetime_seconds: float, clock: Callable[[], float]) -> None:
        self.lifetime_seconds = lifetime_seconds
        self._clock = clock
        self._issued: dict[str, AccessToken] = {}

    def issue(self, *, grantless: bool = False, token: str | None = None) -> str:
        token = token or "Atza|" + secrets.token_urlsafe(48)
        self._issued[token] = AccessToken(self._clock() + self.lifetime_seconds, grantless)
        return token

    def why_refused(self, token: str | None) -> str | None:
        """None when `token` may call a seller operation; else what SP-API says is wrong."""
        if not token:
            return "Access token is missing in the request header."
        found = self._issued.get(token)
        if found is None:
            return "The access token you provided is revoked, malformed or invalid."
        if self._clock() >= found.expires_at:
            return "The access token you provided has expired."
        if found.grantless:
            return "A grantless access token cannot call operations on a selling partner's data."
        return None

    def expire_all(self) -> None:
        for token in self._issued.values():
            token.expires_at = self._clock()


def lwa_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def token_endpoint(
    credentials: dict[str, str], tokens: Tokens, lock: Any
) -> Callable[[Request], Awaitable[Response]]:
    """`POST /auth/o2/token`, form-encoded, as LWA answers it."""

    async def grant(request: Request) -> Response:
        content_type = request.headers.get("content-type", "")
        if "application/x-www-form-urlencoded" not in content_type:
            return lwa_error(
                400,
                "invalid_request",
                "The Content-Type must be application/x-www-form-urlencoded.",
            )
        try:
            form = {
                key: values[0]
                for key, values in parse_qs((await request.body()).decode("utf-8")).items()
            }
        except UnicodeDecodeError:
            return lwa_error(400, "invalid_request", "The request body is not valid form data.")
        with lock:
            return _grant(form, credentials, tokens)

    return grant


def _grant(form: dict[str, str], credentials: dict[str, str], tokens: Tokens) -> Response:
    grant_type = form.get("grant_type")
    if not grant_type:
        return lwa_error(
            400, "invalid_request", "The request is missing a required parameter : grant_type"
        )
    if grant_type not in ("refresh_token", "client_credentials"):
        return lwa_error(400, "unsupported_grant_type", f"Unsupported grant_type : {grant_type}")
    needed = ["client_id", "client_secret"]
    needed.append("refresh_token" if grant_type == "refresh_token" else "scope")
    for name in needed:
        if not form.get(name):
            return lwa_error(
                400, "invalid_request", f"The request is missing a required parameter : {name}"
            )
    if (form["client_id"], form["client_secret"]) != (
        credentials["client_id"],
        credentials["client_secret"],
    ):
        return lwa_error(401, "invalid_client", "Client authentication failed")
    lifetime = int(tokens.lifetime_seconds)
    if grant_type == "client_credentials":
        if form["scope"] not in GRANTLESS_SCOPES:
            return lwa_error(
                400, "invalid_scope", f"An unknown scope was requested : {form['scope']}"
            )
        token = tokens.issue(grantless=True)
        return JSONResponse(
            {
                "access_token": token,
                "scope": form["scope"],
                "token_type": "bearer",
                "expires_in": lifetime,
            }
        )
    if form["refresh_token"] != credentials["refresh_token"]:
        return lwa_error(
            400, "invalid_grant", "The request has an invalid grant parameter : refresh_token"
        )
    return JSONResponse(
        {
            "access_token": tokens.issue(),
            "refresh_token": credentials["refresh_token"],
            "token_type": "bearer",
            "expires_in": lifetime,
        }
    )
