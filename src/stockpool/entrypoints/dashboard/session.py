"""The dashboard's session: a signed cookie that holds the key's id and a CSRF token.

The cookie never holds the API key itself, only its id, and every request checks that key is
still active (a revoked key's session stops at its next request). It is HttpOnly and
SameSite=Strict; Secure whenever the page came over https or from anywhere but this machine
(plain http on localhost or 127.0.0.1 is how `stockpool serve` runs by default, and a browser
would drop a Secure cookie there on older engines).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

COOKIE = "stockpool_session"
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]"})


@dataclass(frozen=True, slots=True)
class Session:
    key_id: str
    csrf: str


class Sessions:
    """Issues and reads signed session cookies (itsdangerous, timestamped)."""

    def __init__(self, secret: str, max_age_seconds: int) -> None:
        self._signer = URLSafeTimedSerializer(secret, salt="stockpool-dashboard-session")
        self.max_age_seconds = max_age_seconds

    def issue(self, key_id: str) -> tuple[Session, str]:
        """A new session for the key, and the cookie value that carries it."""
        session = Session(key_id, secrets.token_urlsafe(32))
        return session, self._signer.dumps({"key": key_id, "csrf": session.csrf})

    def read(self, cookie: str | None) -> Session | None:
        """The session a cookie carries, or None when it is missing, forged or expired."""
        if not cookie:
            return None
        try:
            data = self._signer.loads(cookie, max_age=self.max_age_seconds)
        except BadSignature:  # SignatureExpired is one
            return None
        if not isinstance(data, dict):
            return None
        key_id, csrf = data.get("key"), data.get("csrf")
        if not isinstance(key_id, str) or not isinstance(csrf, str):
            return None
        return Session(key_id, csrf)


def csrf_matches(session: Session, sent: str | None) -> bool:
    """Whether a form's (or htmx header's) token is the session's, compared in constant time."""
    return sent is not None and hmac.compare_digest(session.csrf.encode(), sent.encode())


def secure_cookie(request: Request) -> bool:
    """Secure unless the page came over plain http to this machine itself."""
    host = (request.url.hostname or "").lower()
    shown = f"[{host}]" if ":" in host else host
    return request.url.scheme == "https" or shown not in LOCAL_HOSTS


def set_session_cookie(response: Response, request: Request, value: str, max_age: int) -> None:
    response.set_cookie(
        COOKIE,
        value,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=secure_cookie(request),
        path="/",
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        COOKIE, httponly=True, samesite="strict", secure=secure_cookie(request), path="/"
    )
