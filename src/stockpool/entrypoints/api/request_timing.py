"""Request latency by route template (/v1/skus/{sku}, never the path asked for: one series per
route, whatever SKUs are asked about)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable

from starlette.routing import BaseRoute, compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from stockpool.entrypoints.metrics import Metrics

UNMATCHED = "unmatched"  # every path no route serves, as one series


class RouteTemplates:
    """Each route's template as the app serves it (its router's prefix included), told when
    the routers are included: the route routing left in the scope names it at once; a request
    answered before routing (401, 413) is matched against the templates."""

    def __init__(self) -> None:
        self._by_route: dict[int, str] = {}  # id of the route object (they live as long as the app)
        self._patterns: list[tuple[re.Pattern[str], str]] = []

    def add(self, routes: Iterable[BaseRoute], prefix: str = "") -> None:
        for route in routes:
            path = getattr(route, "path", None)
            if not isinstance(path, str):  # an included router: its routes are added apart
                continue
            template = prefix + path
            self._by_route[id(route)] = template
            self._patterns.append((compile_path(template)[0], template))

    def of(self, scope: Scope) -> str:
        route = scope.get("route")
        if route is not None and id(route) in self._by_route:
            return self._by_route[id(route)]
        path: str = scope["path"]
        root = scope.get("root_path", "")
        if root and path.startswith(root):  # served under a prefix (a proxy's): routes lack it
            path = path[len(root) :]
        for pattern, template in self._patterns:
            if pattern.match(path):
                return template
        return UNMATCHED


class RequestTiming:
    def __init__(self, app: ASGIApp, metrics: Metrics, templates: RouteTemplates) -> None:
        self.app = app
        self.metrics = metrics
        self.templates = templates

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            took = time.perf_counter() - started
            self.metrics.request_took(scope["method"], self.templates.of(scope), took)
