"""Dependencies: the wired container, and the caller's API key checked against a role."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Path, Query, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from stockpool.bootstrap import Container
from stockpool.domain.access import ApiKey, Role
from stockpool.domain.errors import InvalidRequest
from stockpool.domain.orders import NewOrder
from stockpool.domain.reservations import NewReservation
from stockpool.entrypoints.api.auth import CHALLENGE, MISSING, forbidden
from stockpool.entrypoints.api.errors import NAME_MAX
from stockpool.entrypoints.api.loop_group_commit import LoopGroupCommit
from stockpool.services.catalog import PAGE_MAX
from stockpool.services.intake import Ingested
from stockpool.services.reservation_batch import Reserved

# The paging parameters of every list route, and a row id in a path (a 64-bit integer).
Cursor = Annotated[str | None, Query(description="next_cursor of the previous page.")]
Limit = Annotated[int, Query(ge=1, le=PAGE_MAX)]
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]

_bearer = HTTPBearer(auto_error=False, description="An API key from `stockpool keys create`.")


# The dependencies below do no I/O, so they are `async def`: FastAPI calls those on the event
# loop, where a plain `def` would cost each request a hop to the thread pool and back.


async def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]

# Single orders: requests committed together, waiting on the event loop (see create_app).
OrderCommitter = LoopGroupCommit[NewOrder, Ingested]


async def get_grouped_orders(request: Request) -> OrderCommitter:
    committer: OrderCommitter = request.app.state.grouped_orders
    return committer


GroupedOrders = Annotated[OrderCommitter, Depends(get_grouped_orders)]

# Reservations the same way: checkouts arriving together share one transaction.
ReservationCommitter = LoopGroupCommit[NewReservation, Reserved]


async def get_grouped_reservations(request: Request) -> ReservationCommitter:
    committer: ReservationCommitter = request.app.state.grouped_reservations
    return committer


GroupedReservations = Annotated[ReservationCommitter, Depends(get_grouped_reservations)]


async def authenticated(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiKey:
    """The key the ApiKeyAuth middleware accepted (credentials only documents the scheme)."""
    key: ApiKey | None = getattr(request.state, "api_key", None)
    if key is None:  # a route outside /v1 asked for a key: the middleware did not check it
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, MISSING, headers=CHALLENGE)
    return key


def require(role: Role) -> Callable[[ApiKey], Awaitable[ApiKey]]:
    """A dependency that lets through keys with role or a higher one."""

    async def check(key: Annotated[ApiKey, Depends(authenticated)]) -> ApiKey:
        reason = forbidden(key, role)
        if reason is not None:
            raise HTTPException(status.HTTP_403_FORBIDDEN, reason)
        return key

    check.required_role = role  # type: ignore[attr-defined]  # read by auth.required_role
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


def declared_query_parameters(route: Any) -> set[str]:
    """The query parameters a route (and its dependencies) reads."""
    names: set[str] = set()
    pending = [getattr(route, "dependant", None)]
    while pending:
        dependant = pending.pop()
        if dependant is not None:
            names.update(field.alias for field in dependant.query_params)
            pending.extend(dependant.dependencies)
    return names


async def known_query_parameters_only(request: Request) -> None:
    """Refuse a query parameter the route does not read: a misspelt filter would otherwise be
    ignored, and a list route would answer with every row."""
    known = declared_query_parameters(request.scope.get("route"))
    unknown = sorted(set(request.query_params) - known)
    if not unknown:
        return
    takes = f"this route takes {', '.join(sorted(known))}" if known else "this route takes none"
    raise RequestValidationError(
        [
            {
                "type": "unknown_query_parameter",
                "loc": ("query", name[:NAME_MAX]),
                "msg": f"unknown query parameter; {takes} (see /docs)",
            }
            for name in unknown
        ]
    )


def actor(key: ApiKey) -> str:
    return f"api:{key.id}"


def replayable(body: Any, *, replayed: bool, status_code: int | None = None) -> Response:
    """A write's answer: a replay is marked Idempotent-Replayed. Without status_code, 201 for
    what was just made and 200 for the same thing received before. A model is serialised once,
    straight to JSON."""
    if status_code is None:
        status_code = status.HTTP_200_OK if replayed else status.HTTP_201_CREATED
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    if isinstance(body, BaseModel):
        return json_response(body, status_code=status_code, headers=headers)
    return JSONResponse(body, status_code=status_code, headers=headers)


def json_response(
    body: BaseModel, *, status_code: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """body serialised once, by pydantic, straight to JSON: a route returning it skips
    FastAPI's validating the response against its model again (built from that model)."""
    return Response(
        body.model_dump_json(),
        status_code=status_code,
        headers=headers,
        media_type="application/json",
    )


def id_cursor(cursor: str | None) -> int | None:
    """A page cursor that is the last id of the previous page."""
    if not cursor:
        return None
    if not (cursor.isascii() and cursor.isdigit() and len(cursor) <= 18):
        raise InvalidRequest("cursor must be the next_cursor of a previous page.")
    return int(cursor)
