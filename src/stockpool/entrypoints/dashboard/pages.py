"""Sign-in and sign-out, the overview and the SKU pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from stockpool.domain.access import ApiKey
from stockpool.domain.errors import StockpoolError
from stockpool.entrypoints.availability_view import why
from stockpool.entrypoints.dashboard.access import (
    CSRF_FIELD,
    SignInNeeded,
    VisitorDep,
    container_of,
    sessions_of,
    visitor,
)
from stockpool.entrypoints.dashboard.charts import on_hand_timeline
from stockpool.entrypoints.dashboard.render import page
from stockpool.entrypoints.dashboard.session import (
    clear_session_cookie,
    csrf_matches,
    set_session_cookie,
)
from stockpool.entrypoints.dashboard.views import (
    overview_numbers,
    pool_numbers,
    sku_numbers,
    status_numbers,
)

router = APIRouter(include_in_schema=False)
TIMELINE_MOVEMENTS = 60
SEARCH_PAGE = 50


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    return page(request, "login.html", None, error=None)


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, api_key: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Sign in with an API key: the session keeps the key's id, never the key."""
    key: ApiKey | None = container_of(request).keys.authenticate(api_key.strip())
    if key is None:
        return page(request, "login.html", None, 401, error="Unknown or revoked API key.")
    sessions = sessions_of(request)
    _, cookie = sessions.issue(key.id)
    response = RedirectResponse("/", status_code=303)
    set_session_cookie(response, request, cookie, sessions.max_age_seconds)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """Sign out (the form carries the CSRF token, so another site cannot sign you out)."""
    try:
        who = visitor(request)
    except SignInNeeded:
        who = None
    if who is not None:
        field = (await request.form()).get(CSRF_FIELD)
        if not csrf_matches(who.session, field if isinstance(field, str) else None):
            return Response("The form's CSRF token is missing or wrong.", status_code=403)
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response, request)
    return response


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, who: VisitorDep) -> Response:
    return page(request, "overview.html", who, **overview_numbers(container_of(request)))


@router.get("/fragments/pool", response_class=HTMLResponse)
def pool_fragment(request: Request, who: VisitorDep) -> Response:
    return page(request, "_pool.html", who, **pool_numbers(container_of(request)))


@router.get("/fragments/status", response_class=HTMLResponse)
def status_fragment(request: Request, who: VisitorDep) -> Response:
    return page(request, "_status.html", who, **status_numbers(container_of(request)))


@router.get("/skus", response_class=HTMLResponse)
def search(
    request: Request,
    who: VisitorDep,
    q: Annotated[str, Query(max_length=100)] = "",
    after: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """SKUs whose code or name contains q, in code order, a page at a time (the catalog's search)."""
    catalog = container_of(request).catalog
    try:
        found = catalog.list_skus(search=q.strip() or None, after=after, limit=SEARCH_PAGE)
    except StockpoolError as error:
        return page(request, "skus.html", who, 422, q=q, skus=[], more=None, error=error.message)
    more = found[-1].code if len(found) == SEARCH_PAGE else None
    return page(request, "skus.html", who, q=q, skus=found, more=more, error=None)


@router.get("/skus/{code}", response_class=HTMLResponse)
def sku_page(request: Request, code: str, who: VisitorDep) -> Response:
    container = container_of(request)
    try:
        sku = container.catalog.get_sku(code)
        numbers = sku_numbers(container, code)
        explained = container.availability.explain(code)
        forecast = container.alerting.forecast.of_sku(code)
        history = container.ledger.entries(sku=code, newest_first=True, limit=TIMELINE_MOVEMENTS)
    except StockpoolError as error:
        return page(request, "missing.html", who, 404, message=error.message)
    timeline = on_hand_timeline(numbers["stock"].totals.on_hand, history)
    channels = [(c, why(c)) for c in explained.channels]
    return page(
        request,
        "sku.html",
        who,
        sku=sku,
        channels=channels,
        forecast=forecast,
        timeline=timeline,
        history=history[:10],
        **numbers,
    )


@router.get("/fragments/skus/{code}/stock", response_class=HTMLResponse)
def sku_stock_fragment(request: Request, code: str, who: VisitorDep) -> Response:
    try:
        numbers = sku_numbers(container_of(request), code)
    except StockpoolError as error:
        return page(request, "missing.html", who, 404, message=error.message)
    return page(request, "_sku_stock.html", who, **numbers)
