"""`POST /v3/token`: client credentials (HTTP Basic) for a short-lived access token."""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from stockpool.sandbox.walmart import errors

if TYPE_CHECKING:
    from stockpool.sandbox.walmart.sandbox import WalmartSandbox

BASIC_FORMAT = (
    "Unauthorized token or incorrect authorization header. Please verify correct format: "
    '"Authorization: Basic Base64Encode(clientId:clientSecret)"'
)


def new_access_token() -> str:
    # Walmart's tokens are opaque JWT-looking strings; only their being issued matters here.
    return "eyJraWQiOiJzYW5kYm94In0." + secrets.token_urlsafe(48)


class AccessTokens:
    """Issued access tokens and when each stops working (on the sandbox clock)."""

    def __init__(self, ttl_seconds: float, clock: Callable[[], float]) -> None:
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._expires_at: dict[str, float] = {}

    def issue(self, token: str | None = None) -> str:
        token = token or new_access_token()
        now = self._clock()
        self._expires_at = {key: at for key, at in self._expires_at.items() if at > now}
        self._expires_at[token] = now + self.ttl_seconds
        return token

    def valid(self, token: str) -> bool:
        expires_at = self._expires_at.get(token)
        return expires_at is not None and expires_at > self._clock()


def basic_credentials_match(header: str, client_id: str, client_secret: str) -> bool:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        return False
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    given_id, sep, given_secret = decoded.partition(":")
    return bool(sep) and (
        hmac.compare_digest(given_id.encode(), client_id.encode())
        & hmac.compare_digest(given_secret.encode(), client_secret.encode())
    )


def token_xml(token: str, expires_in: int) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<OAuthTokenDTO xmlns:ns2="http://walmart.com/">'
        f"<accessToken>{escape(token)}</accessToken>"
        "<tokenType>Bearer</tokenType>"
        f"<expiresIn>{expires_in}</expiresIn>"
        "</OAuthTokenDTO>"
    )


async def issue_token(sandbox: WalmartSandbox, request: Request) -> Response:
    credentials = sandbox.credentials
    authorization = request.headers.get("authorization", "")
    if not basic_credentials_match(
        authorization, credentials["client_id"], credentials["client_secret"]
    ):
        return errors.unauthorized(BASIC_FORMAT)
    body = (await request.body()).decode("utf-8", errors="replace")
    grant_types = parse_qs(body).get("grant_type", [])
    if not grant_types:
        return errors.gateway_error(
            400,
            errors.INVALID_REQUEST_PARAM,
            "grant_type",
            "grant_type is required (form field grant_type=client_credentials)",
        )
    if grant_types[0] != "client_credentials":
        return errors.gateway_error(
            400,
            errors.INVALID_REQUEST_PARAM,
            "grant_type",
            f"grant_type {grant_types[0]!r} is not supported here; use client_credentials",
        )
    with sandbox.lock:
        token = sandbox.tokens.issue()
        expires_in = int(sandbox.tokens.ttl_seconds)
    accept = request.headers.get("accept", "")
    if "xml" in accept and "json" not in accept:
        return Response(token_xml(token, expires_in), media_type="application/xml")
    return JSONResponse({"access_token": token, "token_type": "Bearer", "expires_in": expires_in})
