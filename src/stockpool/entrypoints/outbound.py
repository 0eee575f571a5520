"""Outbound HTTP: the POST the webhook sender delivers with (services.ports.alerts.Post)."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from stockpool.services.ports.alerts import Posted


def http_post(url: str, headers: Mapping[str, str], body: bytes, timeout: float) -> Posted:
    """POST without following redirects (a subscriber's URL is where it is told)."""
    try:
        answer = httpx.post(url, content=body, headers=dict(headers), timeout=timeout)
    except httpx.HTTPError as error:
        return Posted(None, f"{type(error).__name__}: {error}"[:500])
    return Posted(answer.status_code, None if answer.is_success else answer.text[:200] or None)
