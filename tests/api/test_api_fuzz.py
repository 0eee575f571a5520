"""Every write route, fed generated JSON (surrogates, NaN, deep nesting, huge numbers, wrong
types, right names with wrong values): only 4xx answers with a JSON detail, and nothing written.

The routes come from the app itself, so a new write route is fuzzed without touching this file.
A body that the route's own schema accepts may succeed (2xx); every refusal must write nothing.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError
from tests.api.conftest import Api, every_row, make_api
from tests.conftest import make_container, seed, sqlite_copy

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
EXAMPLES_PER_ROUTE = 25

# A refused order that names an unmapped channel SKU records it, on purpose (README: it is
# reported at GET /v1/channels/{code}/unmapped); every other table must stay as it was.
WRITTEN_ON_PURPOSE_WHEN_REFUSED = {"unmapped_listings"}


@dataclass(frozen=True)
class WriteRoute:
    method: str
    path: str  # with {name} placeholders
    parameters: tuple[str, ...]
    body: Any  # the body's type, or None when the route reads no JSON body

    @property
    def fields(self) -> list[str]:
        """The body's field names (of the model, or of the model inside an Optional)."""
        candidates = getattr(self.body, "__args__", (self.body,))
        for candidate in candidates:
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                return sorted(candidate.model_fields)
        return []

    def accepts(self, raw: bytes) -> bool:
        """Whether the route's schema takes raw as its body (then it may well succeed)."""
        if self.body is None:
            return True  # the route ignores any body
        try:
            TypeAdapter(self.body).validate_python(json.loads(raw))
        except (ValueError, RecursionError, ValidationError):
            return False
        return True


def write_routes(app: Any) -> list[WriteRoute]:
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        # The API's routes: the dashboard's forms (not in the schema) answer in HTML and are
        # tested in tests/dashboard.
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        body = route.body_field.field_info.annotation if route.body_field else None
        for method in sorted(context.methods & WRITES):
            path = context.path.replace(":path}", "}")
            found.append(WriteRoute(method, path, tuple(context.param_convertors), body))
    return found


# The database, seeded once for the module: SQLite only (this is about the HTTP edge).


@dataclass
class Fuzzed:
    api: Api
    routes: list[WriteRoute]
    plausible: dict[str, list[str]]


@pytest.fixture(scope="module")
def fuzzed(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    url = sqlite_copy(sqlite_template, tmp_path_factory.mktemp("fuzz"))
    container = make_container(url, reservation_sweep_seconds=0)
    names = seed(container)
    api = make_api(container)
    with api.client:
        plausible = _stocked(api, names.tee, names.dallas)
        yield Fuzzed(api, write_routes(api.client.app), plausible)
    container.close()


def _stocked(api: Api, tee: str, dallas: str) -> dict[str, list[str]]:
    """Stock, an order with a conflict, a reservation and a listing; their ids and codes."""
    admin = api.admin
    for sku in (tee, "MUG-12OZ"):
        receipt = {"sku": sku, "location": dallas, "quantity": 10}
        assert api.post("/v1/stock/receipts", receipt).is_success
    order = api.post(
        "/v1/orders",
        {
            "channel": "shopify",
            "external_id": "S-1",
            "lines": [{"sku": tee, "quantity": 12}],
            "placed_at": "2026-11-28T08:00:00Z",
        },
    )
    assert order.is_success, order.text
    reservation = api.post(
        "/v1/reservations",
        {"channel": "amazon", "reference": "cart-1", "lines": [{"sku": "MUG-12OZ", "quantity": 1}]},
    )
    assert reservation.is_success, reservation.text
    listing = api.client.put(
        "/v1/channels/amazon/listings/TEE-BLK-M", json={"sku": tee}, headers=admin
    )
    assert listing.is_success, listing.text
    conflicts = api.get("/v1/conflicts").json()["items"]
    keys = api.get("/v1/keys", headers=admin).json()["items"]
    return {
        "sku": [tee, "MUG-12OZ"],
        "code": [dallas, "amazon", "FBA-US"],
        "channel": ["amazon", "shopify"],
        "channel_sku": ["TEE-BLK-M"],
        "order_id": [str(order.json()["id"])],
        "reservation_id": [str(reservation.json()["id"])],
        "conflict_id": [str(c["id"]) for c in conflicts] or ["1"],
        # Never the admin key's id: revoking it would turn every later answer into a 401.
        "key_id": [k["id"] for k in keys if k["name"] == "viewer"],
    }


# What is sent.

SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]
HUGE = [10**30, -(10**30), 2**63, 2**64, -(2**63) - 1, 10**300]
PLAUSIBLE = [
    "TEE-M-BLK",
    "MUG-12OZ",
    "DAL-1",
    "amazon",
    "available",
    "damaged",
    "found",
    "warehouse",
    "admin",
    "2026-11-28T09:00:00Z",
    1,
    2,
    True,
    None,
    [],
    {},
    [{"sku": "TEE-M-BLK", "quantity": 1}],
]

surrogate_text = st.builds(
    lambda before, lone, after: before + lone + after,
    st.text(max_size=10),
    st.sampled_from(SURROGATES),
    st.text(max_size=10),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(HUGE),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf]),
    st.text(max_size=20),
    surrogate_text,
    st.sampled_from(["x" * 5000, "", " ", "\x00", "null"]),
)
keys = st.one_of(st.text(max_size=10), surrogate_text)
garbage = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=12,
)
values = st.one_of(garbage, st.sampled_from(PLAUSIBLE))


def dump(document: Any) -> str:
    """JSON text; NaN and Infinity as Python writes them, lone surrogates as \\u escapes."""
    return json.dumps(document, allow_nan=True)


@st.composite
def nested(draw: st.DrawFn, fields: list[str]) -> str:
    """A value nested hundreds or thousands deep, at the top or under a field."""
    depth = draw(st.sampled_from([30, 300, 3000]))
    opening, closing = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
    inner = opening * depth + dump(draw(scalars)) + closing * depth
    if fields and draw(st.booleans()):
        return "{" + dump(draw(st.sampled_from(fields))) + ": " + inner + "}"
    return inner


def bodies(fields: list[str]) -> st.SearchStrategy[bytes]:
    almost_valid = (
        st.dictionaries(st.sampled_from(fields), values, min_size=1)
        if fields
        else st.dictionaries(keys, values, min_size=1)
    )
    with_stranger = st.builds(lambda d, k, v: {**d, k: v}, almost_valid, keys, values)
    texts = st.one_of(
        garbage.map(dump),
        almost_valid.map(dump),
        with_stranger.map(dump),
        nested(fields),
        almost_valid.map(dump).map(lambda text: text[:-1]),  # cut short: not JSON
    )
    return texts.map(lambda text: text.encode("utf-8"))


garbage_segment = st.one_of(
    st.sampled_from(["0", "-1", "99999999999999999999999", "NaN", "x" * 300, "%ED%A0%80", " "]),
    st.text(min_size=1, max_size=20).map(lambda t: quote(t, safe="")),
    surrogate_text.map(lambda t: quote(t.encode("utf-8", "surrogatepass"), safe="")),
)


def url(route: WriteRoute, plausible: dict[str, list[str]]) -> st.SearchStrategy[str]:
    """The route's path with each parameter an existing code or id, or garbage."""
    parts = []
    for name in route.parameters:
        known = plausible.get(name, [])
        parts.append(st.sampled_from(known) | garbage_segment if known else garbage_segment)

    def fill(chosen: tuple[str, ...]) -> str:
        path = route.path
        for name, value in zip(route.parameters, chosen, strict=True):
            path = path.replace("{" + name + "}", value)
        return path

    return st.tuples(*parts).map(fill)


def test_the_app_has_the_write_routes_this_fuzzes(fuzzed):
    paths = {(r.method, r.path) for r in fuzzed.routes}

    assert ("POST", "/v1/stock/receipts") in paths
    assert ("PUT", "/v1/channels/{code}/listings/{channel_sku}") in paths
    assert len(paths) >= 25


def test_every_write_route_answers_generated_bad_bodies_with_a_4xx_and_writes_nothing(fuzzed):
    for route in fuzzed.routes:
        fuzz(fuzzed.api, route, fuzzed.plausible)


def fuzz(api: Api, route: WriteRoute, plausible: dict[str, list[str]]) -> None:
    """Send the route generated bodies; check every answer."""

    @settings(
        max_examples=EXAMPLES_PER_ROUTE,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(path=url(route, plausible), raw=bodies(route.fields))
    def refused(path: str, raw: bytes) -> None:
        before = every_row(api.container.engine, WRITTEN_ON_PURPOSE_WHEN_REFUSED)
        headers = {**api.admin, "Content-Type": "application/json"}

        response = api.client.request(route.method, path, content=raw, headers=headers)

        where = f"{route.method} {path} {raw[:300]!r}"
        assert response.status_code < 500, f"{where}: {response.status_code} {response.text}"
        if response.is_success:
            assert route.accepts(raw), f"{where}: accepted a body its schema refuses"
            return
        assert response.headers["content-type"].startswith("application/json"), where
        assert isinstance(response.json()["detail"], str), f"{where}: {response.text}"
        after = every_row(api.container.engine, WRITTEN_ON_PURPOSE_WHEN_REFUSED)
        assert after == before, f"{where}: refused, yet wrote"

    refused()
