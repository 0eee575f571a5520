"""Dependencies: the wired container, and the caller's API key checked against a role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from stockpool.bootstrap import Container
from stockpool.domain.access import Role, allows
from stockpool.store.repositories.keys import ApiKey

_bearer = HTTPBearer(auto_error=False, description="An API key from `stockpool keys create`.")


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def authenticated(
    container: ContainerDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiKey:
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Missing API key: send 'Authorization: Bearer <key>' "
            "(an admin creates one with `stockpool keys create --role operator`).",
            headers=challenge,
        )
    key = container.keys.authenticate(credentials.credentials)
    if key is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "Unknown or revoked API key.", headers=challenge
        )
    return key


def require(role: Role) -> Callable[[ApiKey], ApiKey]:
    """A dependency that lets through keys with role or a higher one."""

    def check(key: Annotated[ApiKey, Depends(authenticated)]) -> ApiKey:
        if not allows(key.role, role):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"This needs the {role.value} role; API key {key.id} has the {key.role.value} role.",
            )
        return key

    return check


Viewer = Annotated[ApiKey, Depends(require(Role.VIEWER))]
Operator = Annotated[ApiKey, Depends(require(Role.OPERATOR))]
Admin = Annotated[ApiKey, Depends(require(Role.ADMIN))]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Send the same key to retry safely: a replay returns the first answer and "
        "writes nothing.",
    ),
]


def actor(key: ApiKey) -> str:
    return f"api:{key.id}"
