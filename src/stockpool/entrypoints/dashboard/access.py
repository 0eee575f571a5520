"""Who is looking: the signed-in key behind a dashboard request, and the checks an action needs
(the operator role and the session's CSRF token)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from stockpool.bootstrap import Container
from stockpool.domain.access import ApiKey, Role, allows
from stockpool.entrypoints.dashboard.session import COOKIE, Session, Sessions, csrf_matches

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


class SignInNeeded(Exception):
    """No session, or its key was revoked: the answer is the sign-in page."""


@dataclass(frozen=True, slots=True)
class Visitor:
    key: ApiKey
    session: Session

    @property
    def can_act(self) -> bool:
        return allows(self.key.role, Role.OPERATOR)

    @property
    def actor(self) -> str:
        return f"dashboard:{self.key.id}"


def container_of(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def sessions_of(request: Request) -> Sessions:
    sessions: Sessions = request.app.state.dashboard_sessions
    return sessions


def visitor(request: Request) -> Visitor:
    """The signed-in key (checked active on every request), or SignInNeeded."""
    session = sessions_of(request).read(request.cookies.get(COOKIE))
    if session is None:
        raise SignInNeeded
    key = container_of(request).keys.active(session.key_id)
    if key is None:
        raise SignInNeeded
    return Visitor(key, session)


VisitorDep = Annotated[Visitor, Depends(visitor)]


async def operator(request: Request, who: VisitorDep) -> Visitor:
    """A visitor allowed to act, whose form (or htmx header) carries the session's CSRF token."""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        field = form.get(CSRF_FIELD)
        sent = field if isinstance(field, str) else None
    if not csrf_matches(who.session, sent):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "The form's CSRF token is missing or wrong: reload the page."
        )
    if not who.can_act:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"This needs the operator role; API key {who.key.id} has the {who.key.role.value} role.",
        )
    return who


OperatorDep = Annotated[Visitor, Depends(operator)]
