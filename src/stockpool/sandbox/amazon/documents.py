"""The pre-signed document URLs: an S3 stand-in that stores feed uploads and serves reports."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

if TYPE_CHECKING:
    from stockpool.sandbox.amazon.sandbox import AmazonSandbox

UPLOAD_MAX = 10 * 1024 * 1024  # SP-API's guidance for a feed


def s3_error(status: int, code: str, message: str) -> Response:
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>'
    return Response(body, status_code=status, media_type="application/xml")


def _same_type(left: str, right: str) -> bool:
    return left.replace(" ", "").lower() == right.replace(" ", "").lower()


async def document(sandbox: AmazonSandbox, request: Request) -> Response:
    """`PUT` (upload) or `GET` (download) through a URL the Feeds API signed."""
    content = await request.body() if request.method == "PUT" else b""
    document_id = request.path_params["documentId"]
    with sandbox.lock:
        signed = sandbox.feeds.urls.get(request.query_params.get("X-Amz-Signature", ""))
        if signed is None or signed.document_id != document_id or signed.method != request.method:
            return s3_error(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            )
        if sandbox.clock() >= signed.expires_at:
            return s3_error(403, "AccessDenied", "Request has expired")
        stored = sandbox.feeds.documents[document_id]
        if request.method == "GET":
            if stored.content is None:
                return s3_error(404, "NoSuchKey", "The specified key does not exist.")
            return Response(stored.content, media_type=stored.content_type)
        sent_type = request.headers.get("content-type", "")
        if not _same_type(sent_type, stored.content_type):
            # The content type is part of what the URL signs.
            return s3_error(
                403,
                "SignatureDoesNotMatch",
                f"Content-Type '{sent_type}' is not the '{stored.content_type}' this URL was signed for.",
            )
        if len(content) > UPLOAD_MAX:
            return s3_error(400, "EntityTooLarge", "Your proposed upload exceeds 10 MiB.")
        stored.content = content
    return Response(status_code=200)
