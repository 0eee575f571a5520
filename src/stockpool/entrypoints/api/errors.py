"""Every error leaves as JSON with a human-readable detail; oversize bodies are refused early."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stockpool.domain.errors import (
    Conflict,
    InvalidRequest,
    NotFound,
    StockpoolError,
    Unstorable,
    WebhookRefused,
    printable,
)
from stockpool.entrypoints.api.auth import forbidden, required_role

log = logging.getLogger("stockpool.api")

_STATUS = (
    (WebhookRefused, status.HTTP_401_UNAUTHORIZED),
    (NotFound, status.HTTP_404_NOT_FOUND),
    (Conflict, status.HTTP_409_CONFLICT),
    (InvalidRequest, status.HTTP_422_UNPROCESSABLE_CONTENT),
)


def status_for(error: StockpoolError) -> int:
    for kind, code in _STATUS:
        if isinstance(error, kind):
            return code
    return status.HTTP_400_BAD_REQUEST


# A rejected value is echoed back only when it is plain JSON and at most this long.
ECHO_MAX = 100
JSON_MEDIA_TYPE = "application/json"
# A field name longer than this is cut when named in a detail (it is the caller's text too).
NAME_MAX = 60


def _echoable(value: Any) -> bool:
    """Whether a rejected value can go back as it is: JSON with finite numbers, text that UTF-8
    can encode, no deeper than JSON itself can be written, and short."""
    try:
        text = json.dumps(value, allow_nan=False, ensure_ascii=False)
        text.encode("utf-8")
    except (TypeError, ValueError, RecursionError):  # UnicodeEncodeError is a ValueError
        return False
    return len(text) <= ECHO_MAX


def _named(part: Any) -> str | int:
    """A location part (a field name or an index) fit to show."""
    if isinstance(part, int):
        return part
    name = printable(str(part))
    return name if len(name) <= NAME_MAX else name[: NAME_MAX - 3] + "..."


def public_errors(errors: Iterable[Any]) -> list[dict[str, Any]]:
    """Validation errors fit to send back: where and why, and the rejected input and context
    only when they are safe and short (a lone surrogate or NaN cannot even be encoded)."""
    public = []
    for error in errors:
        shown: dict[str, Any] = {
            "type": str(error.get("type", "invalid")),
            "loc": [_named(part) for part in error.get("loc", ())],
            "msg": printable(str(error.get("msg", "invalid"))),
        }
        if "input" in error and _echoable(error["input"]):
            shown["input"] = error["input"]
        context = {
            key: str(value) if isinstance(value, Exception) else value
            for key, value in (error.get("ctx") or {}).items()
        }
        context = {key: value for key, value in context.items() if _echoable(value)}
        if context:
            shown["ctx"] = context
        public.append(shown)
    return public


def describe_validation(errors: list[dict[str, Any]]) -> str:
    """'body.quantity: Input should be a valid integer; ...' - what was wrong, where."""
    parts = []
    for error in public_errors(errors):
        where = ".".join(str(p) for p in error["loc"] if p != "body")
        message = error["msg"]
        if error.get("type") == "json_invalid":
            problem = error.get("ctx", {}).get("error", message)
            parts.append(f"the body is not valid JSON: {problem} at character {where or 0}")
            continue
        elif error.get("type") == "extra_forbidden":
            message = "unknown field; check its spelling against /docs"
        elif error.get("type") == "string_unicode":
            message = (
                "text holds an unpaired surrogate (a \\ud800-\\udfff escape without its "
                "pair), which is not Unicode; send the characters themselves (UTF-8) or a complete pair"
            )
        elif error.get("type") == "missing":
            message = "required" if where else "a JSON body is required"
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)


def wrong_content_type(kind: str, wanted: str, sent: str) -> str:
    """What to say to a body sent as the wrong content type."""
    got = printable(sent)[:NAME_MAX] if sent else "no Content-Type header"
    return f"This route takes {kind} body: send the header 'Content-Type: {wanted}' (got {got})."


def _not_json(request: Request, errors: list[dict[str, Any]]) -> str | None:
    """The content type a rejected body was sent as, when that is not JSON (FastAPI then does
    not read the body as JSON, so every field looks wrong); None when it is not the cause."""
    body_errors = [error for error in errors if error["loc"][:1] == ["body"]]
    sent = request.headers.get("content-type", "")
    media = sent.partition(";")[0].strip().lower()
    if not body_errors or media == JSON_MEDIA_TYPE or media.endswith("+json"):
        return None
    if not sent and all(error["type"] == "missing" for error in body_errors):
        return None  # nothing was sent at all: "a JSON body is required" says so
    return sent


def _unreadable(cause: BaseException) -> str | None:
    """Why a body could not be read as JSON, for the limits json.loads enforces."""
    if isinstance(cause, RecursionError):
        return (
            "The body could not be read: its JSON is nested too deeply (hundreds of levels); "
            "send a flatter document."
        )
    if isinstance(cause, ValueError) and "digits" in str(cause):
        return (
            "The body could not be read: a number in it has too many digits (over 4300); "
            "no quantity or id is that long."
        )
    return None


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StockpoolError)
    async def _domain(request: Request, error: StockpoolError) -> JSONResponse:
        return JSONResponse({"detail": error.message}, status_code=status_for(error))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> JSONResponse:
        # A caller who may not use this route hears that first, not what was wrong with the body.
        key = getattr(request.state, "api_key", None)
        role = required_role(request.scope.get("route"))
        if key is not None and role is not None and (reason := forbidden(key, role)):
            return JSONResponse({"detail": reason}, status_code=status.HTTP_403_FORBIDDEN)
        errors = public_errors(error.errors())
        if (sent := _not_json(request, errors)) is not None:
            return JSONResponse(
                {"detail": wrong_content_type("a JSON", JSON_MEDIA_TYPE, sent)},
                status_code=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            )
        return JSONResponse(
            {"detail": describe_validation(errors), "errors": errors},
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        # FastAPI answers a body json cannot read (too deep, or a number too long) with a bare
        # "There was an error parsing the body"; say which limit was hit.
        if error.status_code == status.HTTP_400_BAD_REQUEST and error.__cause__ is not None:
            reason = _unreadable(error.__cause__)
            if reason is not None:
                error = StarletteHTTPException(error.status_code, reason)
        return await http_exception_handler(request, error)

    @app.exception_handler(Unstorable)
    async def _unstorable(request: Request, error: Unstorable) -> JSONResponse:
        # A value the database cannot hold that validation let through: the caller's to fix,
        # and a gap in validation to close, so the database's own words go to the log.
        cause = error.__cause__  # the driver's error alone, without the statement's parameters
        refusal = getattr(cause, "orig", None) or cause
        log.warning("unstorable value on %s %s: %s", request.method, request.url.path, refusal)
        return JSONResponse({"detail": error.message}, status_code=status_for(error))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(
            {"detail": "Internal error; nothing was applied. It has been logged."},
            status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )


class BodyLimit:
    """Refuse request bodies over max_bytes with 413: by Content-Length up front, or (for a
    chunked body with no length) by reading it, up to the limit, before the app sees it."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if declared.isdigit() and int(declared) > self.max_bytes:
                await self._refuse(send)
                return
            await self.app(scope, receive, send)
            return
        buffered: list[Message] = []
        size = 0
        while True:
            message = await receive()
            buffered.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._refuse(send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return buffered.pop(0) if buffered else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        response = JSONResponse(
            {
                "detail": f"Request body too large: at most {self.max_bytes:,} bytes are accepted. "
                "Split the request (or import a CSV with the CLI)."
            },
            status_code=status.HTTP_413_CONTENT_TOO_LARGE,
        )
        await response({"type": "http"}, _nothing, send)


async def _nothing() -> Message:
    return {"type": "http.disconnect"}
