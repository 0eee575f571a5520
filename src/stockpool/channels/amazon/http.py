"""The SDK's HTTP layer replaced by httpx: the SDK (`spapi`) still builds every request and
reads every answer, but sends them through one httpx client, so a test can hand it a transport
and every call shares the connector's timeouts."""

from __future__ import annotations

import json
from typing import Any

import httpx
from spapi import rest  # type: ignore[import-untyped]


class Answer:
    """An httpx response in the shape the SDK reads (status, reason, data, headers)."""

    def __init__(self, response: httpx.Response) -> None:
        self.status = response.status_code
        self.reason = response.reason_phrase
        self.data = response.text
        self.headers = response.headers

    def getheaders(self) -> httpx.Headers:
        return self.headers

    def getheader(self, name: str, default: str | None = None) -> str | None:
        found = self.headers.get(name)
        return default if found is None else str(found)


class HttpxRest(rest.RESTClientObject):  # type: ignore[misc]
    """The SDK's REST client over an httpx.Client; non-2xx answers raise the SDK's
    ApiException, as its own client does; timeouts and connection errors raise httpx's."""

    def __init__(self, http: httpx.Client) -> None:  # the urllib3 pool is not built
        self.http = http

    def request(
        self,
        method: str,
        url: str,
        query_params: Any = None,
        headers: dict[str, str] | None = None,
        body: Any = None,
        post_params: Any = None,
        _preload_content: bool = True,
        _request_timeout: Any = None,
    ) -> Answer:
        headers = dict(headers or {})
        headers.setdefault("Content-Type", "application/json")
        content = None
        if method.upper() in ("POST", "PUT", "PATCH", "DELETE"):
            content = json.dumps(body) if body is not None else "{}"
        response = self.http.request(
            method.upper(), url, params=query_params or None, headers=headers, content=content
        )
        answer = Answer(response)
        if not 200 <= answer.status <= 299:
            raise rest.ApiException(http_resp=answer)
        return answer
