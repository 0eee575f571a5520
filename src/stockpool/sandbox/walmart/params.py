"""Query parameters as Walmart checks them: a bad one is a 400 naming it."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from stockpool.sandbox.walmart import errors


def whole_number(request: Request, name: str, default: int, low: int, high: int) -> int | Response:
    text = request.query_params.get(name)
    if text is None:
        return default
    # isdigit() alone lets '²' through, which int() refuses: only ASCII digits are a number.
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        return errors.invalid(
            name, f"{name} must be a whole number from {low} to {high}, not {text!r}"
        )
    return int(text)
