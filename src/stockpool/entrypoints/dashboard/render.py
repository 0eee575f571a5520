"""Templates (Jinja2, autoescape on for every template) and the page helper."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.responses import HTMLResponse

from stockpool.entrypoints.dashboard.access import CSRF_FIELD, CSRF_HEADER, Visitor

HERE = Path(__file__).parent
STATIC = HERE / "static"

_environment = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=True,  # every template, whatever its name: a SKU name is text, never markup
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def seconds(value: float) -> str:
    """A span of seconds as people read it: 0.4 s, 12 s, 3.5 min, 2.1 h."""
    if value < 10:
        return f"{value:.1f} s"
    if value < 120:
        return f"{value:.0f} s"
    if value < 7200:
        return f"{value / 60:.1f} min"
    return f"{value / 3600:.1f} h"


_environment.filters["seconds"] = seconds
templates = Jinja2Templates(env=_environment)

# Scripts, styles and connections from this origin only, no inline script or style (htmx's own
# indicator style is switched off in base.html), no framing: an injected tag would do nothing.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def page(
    request: Request,
    name: str,
    who: Visitor | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page or fragment, with what every template may use: who is signed in, the CSRF token."""
    context = {
        "who": who,
        "csrf_field": CSRF_FIELD,
        "csrf_header": CSRF_HEADER,
        "csrf": who.session.csrf if who else "",
        **context,
    }
    return templates.TemplateResponse(
        request, name, context, status_code=status_code, headers=SECURITY_HEADERS
    )
