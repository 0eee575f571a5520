"""Walmart's published models (specs/walmart/*.json, OpenAPI 3.0.1) as a check on the traffic
the Walmart sandbox serves, with openapi-core.

Every response is validated against its operation; a request the sandbox accepted (2xx) must
validate too. The models are loaded unchanged from disk and repaired in memory where they are
broken for openapi-core or contradict Walmart's own examples (see `repaired`):

- `accessToken` is declared as HTTP bearer, but its description (and Walmart) sends the token in
  the `WM_SEC.ACCESS_TOKEN` header: it becomes an apiKey in that header.
- `WM_SVC.NAME` and `WM_QOS.CORRELATION_ID` are defined under components/parameters but no
  operation references them: every operation gets them, required.
- orders: `orderLines` of an order (and of a shipment) point at the refund lines type, which
  requires `refunds` on every line, and getAnOrder answers the bare `Order` (orderDate a
  date-time); Walmart's own examples are `{"order": …}` with epoch-ms dates and ordinary lines.
  They point at OrderLinesType / ShippingLinesType, and getAnOrder at GetOrderResponse.
- no operation models its error responses: each gets a `default` response of Walmart's error
  wrappers, `{"errors":[…]}` or `{"error":[…]}`, whose items are the model's own `Error`
  (inventory) or `GatewayError` (feeds, orders; auth and returns have none, so they borrow the feeds one).
- the token's XML answer (`Accept: application/xml`) has no media type in the model: it is read
  into a dict and checked against the model's `OAuthTokenDTO` schema.

The Items model (walmart/items.json, "Item Management", of the same 0.6.3 family) and the Returns
model (walmart/returns.json, "Returns Management", 0.6.3) are optional: where one is missing, its
exchanges go unchecked and its contract test skips. Where returns.json is there, its `Meta` is
repaired too: it requires `nextCursor`, but the last page has no next page to name (the sandbox
leaves it out, as the orders API does; unconfirmed for returns). WFS inventory
(`/v3/fulfillment/inventory`) is in the Inventory model. The sandbox's own control routes under
/_sandbox have no model and go unchecked.
"""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_schema_validator import OAS30Validator
from werkzeug.datastructures import Headers, ImmutableMultiDict

from tests.sandbox.specs import specs_root

SPEC_NAMES = ("auth", "inventory", "feeds", "orders")
OPTIONAL_SPECS = ("items", "returns")
SERVER = "https://marketplace.walmartapis.com"
HTTP_METHODS = ("get", "put", "post", "delete", "patch")


def walmart_specs() -> Path | None:
    """walmart/ under specs_root(), if all its models are there."""
    root = specs_root() / "walmart"
    return root if all((root / f"{name}.json").is_file() for name in SPEC_NAMES) else None


def operations(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for path_item in spec["paths"].values():
        for method in HTTP_METHODS:
            if method in path_item:
                yield path_item[method]


def error_wrappers(item_ref: str) -> dict[str, Any]:
    items = {"type": "array", "minItems": 1, "items": {"$ref": item_ref}}
    return {
        "anyOf": [
            {"type": "object", "required": ["errors"], "properties": {"errors": items}},
            {"type": "object", "required": ["error"], "properties": {"error": items}},
        ]
    }


def repaired(name: str, spec: dict[str, Any], feeds: dict[str, Any]) -> dict[str, Any]:
    """The model with the in-memory repairs the module docstring lists."""
    spec = copy.deepcopy(spec)
    components = spec["components"]
    components["securitySchemes"]["accessToken"] = {
        "type": "apiKey",
        "in": "header",
        "name": "WM_SEC.ACCESS_TOKEN",
    }
    schemas = components["schemas"]
    if name in ("auth", "returns"):
        for borrowed in ("GatewayError", "Cause"):
            schemas[borrowed] = copy.deepcopy(feeds["components"]["schemas"][borrowed])
    item = "Error" if name == "inventory" else "GatewayError"
    headers = [components["parameters"][key] for key in ("svcName", "correlationId")]
    for operation in operations(spec):
        operation["parameters"] = [*operation.get("parameters", []), *copy.deepcopy(headers)]
        operation["responses"]["default"] = {
            "description": "Walmart's error wrappers",
            "content": {
                "application/json": {"schema": error_wrappers(f"#/components/schemas/{item}")}
            },
        }
    if name == "returns":
        schemas["Meta"]["required"] = ["limit", "totalCount"]
    if name == "orders":
        lines = {"$ref": "#/components/schemas/OrderLinesType"}
        schemas["Order"]["properties"]["orderLines"] = lines
        schemas["GetOrderResponseRecord"]["properties"]["orderLines"] = copy.deepcopy(lines)
        schemas["OrderShipmentRecord"]["properties"]["orderLines"] = {
            "$ref": "#/components/schemas/ShippingLinesType"
        }
        get_order = spec["paths"]["/v3/orders/{purchaseOrderId}"]["get"]
        get_order["responses"]["200"]["content"]["application/json"]["schema"] = {
            "$ref": "#/components/schemas/GetOrderResponse"
        }
    return spec


def api_for(method: str, path: str) -> str | None:
    """The model that covers the call; None for the sandbox's own control routes."""
    if path.startswith("/_sandbox"):
        return None
    if path.startswith("/v3/token"):
        return "auth"
    if path.startswith(("/v3/inventor", "/v3/fulfillment/inventory")) or (
        path == "/v3/feeds" and method == "POST"
    ):
        return "inventory"
    if path.startswith("/v3/feeds"):
        return "feeds"
    if path.startswith("/v3/orders"):
        return "orders"
    if path.startswith("/v3/items"):
        return "items"
    if path.startswith("/v3/returns"):
        return "returns"
    raise AssertionError(f"No Walmart model covers {method} {path}")


@dataclass
class SpecRequest:
    """An httpx request in openapi-core's request protocol, as if sent to Walmart's server."""

    method: str
    path: str
    parameters: RequestParameters
    content_type: str
    body: bytes | None
    host_url: str = SERVER

    @classmethod
    def of(cls, request: httpx.Request) -> SpecRequest:
        request.read()
        parameters = RequestParameters(
            query=ImmutableMultiDict(list(request.url.params.multi_items())),
            header=Headers(list(request.headers.items())),
        )
        return cls(
            request.method.lower(),
            request.url.path,
            parameters,
            request.headers.get("content-type", "").lower(),
            request.content or None,
        )


@dataclass
class SpecResponse:
    status_code: int
    content_type: str
    headers: Headers
    data: bytes | None

    @classmethod
    def of(cls, response: httpx.Response) -> SpecResponse:
        response.read()
        return cls(
            response.status_code,
            response.headers.get("content-type", "").lower(),
            Headers(list(response.headers.items())),
            response.content,
        )


@dataclass
class WalmartContract:
    """The models, repaired; `check` one exchange, `client` to check every exchange."""

    root: Path
    checked: list[tuple[str, str, int]] = field(default_factory=list)

    def covers(self, name: str) -> bool:
        """Whether the model `name` (e.g. "items") was there to check against."""
        return name in self._apis

    def __post_init__(self) -> None:
        present = [name for name in OPTIONAL_SPECS if (self.root / f"{name}.json").is_file()]
        raw = {
            name: json.loads((self.root / f"{name}.json").read_text())
            for name in (*SPEC_NAMES, *present)
        }
        self._raw = raw
        self._apis = {
            name: OpenAPI.from_dict(repaired(name, spec, raw["feeds"]))
            for name, spec in raw.items()
        }

    def check(self, request: httpx.Request, response: httpx.Response) -> None:
        """Raise unless the response (and, if accepted, the request) fits Walmart's model."""
        name = api_for(request.method, request.url.path)
        api = None if name is None else self._apis.get(name)
        if api is None:
            return  # a control route, or an optional model that is not there (see above)
        spec_request, spec_response = SpecRequest.of(request), SpecResponse.of(response)
        if response.is_success:
            api.validate_request(spec_request)
        if "xml" in spec_response.content_type:
            self._check_token_xml(request, response)
        else:
            api.validate_response(spec_request, spec_response)
        self.checked.append((request.method, request.url.path, response.status_code))

    def _check_token_xml(self, request: httpx.Request, response: httpx.Response) -> None:
        assert request.url.path == "/v3/token", "only the token call may answer XML"
        root = ElementTree.fromstring(response.content)
        assert root.tag == "OAuthTokenDTO", root.tag
        token: dict[str, Any] = {child.tag: child.text or "" for child in root}
        if "expiresIn" in token:
            token["expiresIn"] = int(token["expiresIn"])
        schema = self._raw["auth"]["components"]["schemas"]["OAuthTokenDTO"]
        OAS30Validator(schema).validate(token)

    def client(self, base_url: str, headers: dict[str, str] | None = None) -> httpx.Client:
        """An httpx client whose every exchange is checked (a misfit raises in the call)."""

        def on_response(response: httpx.Response) -> None:
            self.check(response.request, response)

        return httpx.Client(
            base_url=base_url,
            headers=headers,
            timeout=10,
            event_hooks={"response": [on_response]},
        )
