"""API-key authentication, done before anything reads the request body.

FastAPI parses a body before it runs route dependencies, so a check there would answer an
anonymous caller's malformed JSON with 422 instead of 401. This middleware answers 401 first
and leaves the key on request.state; the route's role check (deps.require) answers 403, and the
validation error handler asks the same role check before it reports a body error.
"""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from fastapi import status
from fastapi.responses import JSONResponse
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from stockpool.domain.access import ApiKey, Role, allows
from stockpool.services.keys import KeyService

PROTECTED_PREFIX = "/v1/"
CHALLENGE = {"WWW-Authenticate": "Bearer"}
MISSING = (
    "Missing API key: send 'Authorization: Bearer <key>' "
    "(an admin creates one with `stockpool keys create --role operator`)."
)
UNKNOWN = "Unknown or revoked API key."


class ApiKeyAuth:
    def __init__(self, app: ASGIApp, keys: KeyService) -> None:
        self.app = app
        self.keys = keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PROTECTED_PREFIX):
            await self.app(scope, receive, send)
            return
        header = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            await _unauthorised(MISSING, scope, receive, send)
            return
        # A key checked lately is remembered (services/keys.py): no thread, no transaction.
        key = self.keys.remembered(secret.strip()) or await to_thread.run_sync(
            self.keys.authenticate, secret.strip()
        )
        if key is None:
            await _unauthorised(UNKNOWN, scope, receive, send)
            return
        scope.setdefault("state", {})["api_key"] = key
        await self.app(scope, receive, send)


async def _unauthorised(detail: str, scope: Scope, receive: Receive, send: Send) -> None:
    response = JSONResponse(
        {"detail": detail}, status_code=status.HTTP_401_UNAUTHORIZED, headers=CHALLENGE
    )
    await response(scope, receive, send)


def forbidden(key: ApiKey, role: Role) -> str | None:
    """Why key may not do what needs role, or None when it may."""
    if allows(key.role, role):
        return None
    return f"This needs the {role.value} role; API key {key.id} has the {key.role.value} role."


def required_role(route: BaseRoute | None) -> Role | None:
    """The role a route's dependencies demand (see deps.require), if any."""
    pending: list[Any] = [getattr(route, "dependant", None)]
    while pending:
        dependant = pending.pop()
        if dependant is None:
            continue
        role = getattr(dependant.call, "required_role", None)
        if role is not None:
            return role  # type: ignore[no-any-return]
        pending.extend(dependant.dependencies)
    return None
