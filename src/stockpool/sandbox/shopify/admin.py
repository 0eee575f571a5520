"""The Admin API over HTTP: `POST /admin/api/{version}/graphql.json` and the token endpoint."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    execute_sync,
    parse,
    validate,
)
from graphql.error import GraphQLSyntaxError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from stockpool.sandbox.shopify.cost import (
    SINGLE_QUERY_MAX,
    QueryCost,
    cost_extension,
    max_cost_error,
    throttled_body,
)
from stockpool.sandbox.shopify.resolvers import bound_schema
from stockpool.sandbox.shopify.resolvers.context import Context
from stockpool.sandbox.shopify.versions import ApiVersion, served_version

if TYPE_CHECKING:
    from stockpool.sandbox.shopify.sandbox import ShopifySandbox

INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
TOKEN_LIFETIME = 86_399
SCOPES = "read_inventory,write_inventory,read_orders,read_products,read_locations"


def routes(sandbox: ShopifySandbox) -> list[BaseRoute]:
    async def graphql_endpoint(request: Request) -> Response:
        version = served_version(request.path_params["version"])
        if version is None:
            return JSONResponse({"errors": "Not Found"}, status_code=404)
        token = request.headers.get("x-shopify-access-token", "")
        with sandbox.lock:
            if not sandbox.token_valid(token):
                return JSONResponse({"errors": INVALID_TOKEN}, status_code=401)
        body = await request.body()
        status, answer = run_graphql(sandbox, version, body)
        return JSONResponse(
            answer, status_code=status, headers={"X-Shopify-API-Version": version.name}
        )

    async def access_token(request: Request) -> Response:
        fields = _form_or_json(await request.body(), request.headers.get("content-type", ""))
        if fields is None:
            return _oauth_error(400, "invalid_request", "The request body could not be parsed.")
        missing = [
            name for name in ("client_id", "client_secret", "grant_type") if not fields.get(name)
        ]
        if missing:
            return _oauth_error(
                400, "invalid_request", f"Missing required parameter(s): {', '.join(missing)}."
            )
        if fields["grant_type"] != "client_credentials":
            return _oauth_error(
                400, "unsupported_grant_type", "Only grant_type=client_credentials is supported."
            )
        with sandbox.lock:
            known = sandbox.credentials
            if not (
                secrets.compare_digest(fields["client_id"], known["client_id"])
                and secrets.compare_digest(fields["client_secret"], known["client_secret"])
            ):
                return _oauth_error(
                    401,
                    "invalid_client",
                    "Client authentication failed: unknown client_id or wrong client_secret.",
                )
            token = sandbox.issue_token()
        return JSONResponse({"access_token": token, "scope": SCOPES, "expires_in": TOKEN_LIFETIME})

    return [
        Route("/admin/api/{version}/graphql.json", graphql_endpoint, methods=["POST"]),
        Route("/admin/oauth/access_token", access_token, methods=["POST"]),
    ]


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def _form_or_json(body: bytes, content_type: str) -> dict[str, str] | None:
    try:
        text = body.decode()
    except UnicodeDecodeError:
        return None
    if "json" in content_type:
        try:
            loaded = json.loads(text or "{}")
        except ValueError:
            return None
        return (
            {str(k): v for k, v in loaded.items() if isinstance(v, str)}
            if isinstance(loaded, dict)
            else None
        )
    return {key: values[0] for key, values in parse_qs(text).items()}


@dataclass(frozen=True, slots=True)
class GraphQLRequest:
    query: str
    variables: dict[str, Any]
    operation_name: str | None


class Refused(Exception):
    """A request answered before it runs: the HTTP status and the JSON answer."""

    def __init__(self, status: int, answer: dict[str, Any]) -> None:
        super().__init__(status, answer)
        self.status = status
        self.answer = answer


def run_graphql(
    sandbox: ShopifySandbox, version: ApiVersion, body: bytes
) -> tuple[int, dict[str, Any]]:
    """Parse, validate, price and execute one request: (HTTP status, JSON answer)."""
    try:
        request = _read(body)
        schema = bound_schema(version.generation)
        document, operation = _prepared(schema, request)
    except Refused as refused:
        return refused.status, refused.answer
    return 200, _priced_execution(sandbox, version, schema, document, operation, request)


def _read(body: bytes) -> GraphQLRequest:
    """The body's query, variables and operation name; 400 when it has no such shape."""
    try:
        request = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise Refused(
            400,
            {
                "errors": 'Malformed JSON in the request body: send {"query": ..., "variables": {...}}.'
            },
        ) from None
    if not isinstance(request, dict):
        raise Refused(400, {"errors": "The request body must be a JSON object with a query."})
    query = request.get("query")
    if not isinstance(query, str) or not query.strip():
        raise Refused(400, {"errors": {"query": ["Required parameter missing or invalid"]}})
    variables = request.get("variables") or {}
    if not isinstance(variables, dict):
        raise Refused(400, {"errors": {"variables": ["must be a JSON object"]}})
    operation_name = request.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise Refused(400, {"errors": {"operationName": ["must be a string"]}})
    return GraphQLRequest(query, variables, operation_name)


def _prepared(
    schema: GraphQLSchema, request: GraphQLRequest
) -> tuple[DocumentNode, OperationDefinitionNode]:
    """The parsed, valid document and the operation to run; GraphQL errors (200) otherwise."""
    try:
        document = parse(request.query)
    except GraphQLSyntaxError as error:
        raise Refused(200, {"errors": [_error(error, "PARSE_ERROR")]}) from None
    problems = validate(schema, document)
    if problems:
        raise Refused(
            200, {"errors": [_error(error, _validation_code(error.message)) for error in problems]}
        )
    operation = _operation(document, request.operation_name)
    if operation is None:
        raise Refused(
            200,
            {
                "errors": [
                    {
                        "message": "An operation name is required when the document has several operations (or no operation of that name exists).",
                        "extensions": {"code": "BAD_REQUEST"},
                    }
                ]
            },
        )
    return document, operation


def _priced_execution(
    sandbox: ShopifySandbox,
    version: ApiVersion,
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    request: GraphQLRequest,
) -> dict[str, Any]:
    """Pay the requested cost from the bucket, run, refund what the answer did not cost."""
    cost = QueryCost(schema, document, operation, request.variables)
    requested = cost.requested()
    with sandbox.lock:
        bucket = sandbox.bucket
        if requested > SINGLE_QUERY_MAX:
            return {
                "errors": [max_cost_error(requested)],
                "extensions": cost_extension(requested, None, bucket),
            }
        if not bucket.take(requested):
            return throttled_body(requested, bucket)
        result = execute_sync(
            schema,
            document,
            variable_values=request.variables,
            operation_name=request.operation_name,
            context_value=Context(sandbox, version),
        )
        actual = cost.actual(result.data)
        bucket.refund(requested - actual)
        answer: dict[str, Any] = {}
        if result.errors:
            answer["errors"] = [_error(error, _execution_code(error)) for error in result.errors]
        if result.data is not None or not result.errors:
            answer["data"] = result.data
        answer["extensions"] = cost_extension(requested, actual, bucket)
        return answer


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [
        node for node in document.definitions if isinstance(node, OperationDefinitionNode)
    ]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((node for node in operations if node.name and node.name.value == name), None)


def _validation_code(message: str) -> str:
    """graphql-ruby's codes, which Shopify's errors carry, for the common validation failures."""
    table = (
        ("Cannot query field", "undefinedField"),
        ("Unknown argument", "argumentNotAccepted"),
        ("Unknown type", "undefinedType"),
        ("is required, but it was not provided", "missingRequiredArguments"),
        ("Unknown directive", "undefinedDirective"),
        ("must have a selection of subfields", "selectionMismatch"),
        ("must not have a selection", "selectionMismatch"),
        ("is never used", "variableNotUsed"),
        ("is not defined", "undefinedVariable"),
        ("used in position expecting", "variableMismatch"),
        ("cannot represent", "argumentLiteralsIncompatible"),
        ("Expected value of type", "argumentLiteralsIncompatible"),
    )
    return next((code for text, code in table if text in message), "validationError")


def _execution_code(error: GraphQLError) -> str:
    extensions = error.extensions or {}
    code = extensions.get("code")
    if isinstance(code, str):
        return code
    if error.message.startswith("Variable '$"):
        return "INVALID_VARIABLE"
    return "INTERNAL_SERVER_ERROR" if error.original_error is not None else "BAD_REQUEST"


def _error(error: GraphQLError, code: str) -> dict[str, Any]:
    shaped: dict[str, Any] = {"message": error.message}
    if error.locations:
        shaped["locations"] = [
            {"line": item.line, "column": item.column} for item in error.locations
        ]
    if error.path:
        shaped["path"] = list(error.path)
    shaped["extensions"] = {**(error.extensions or {}), "code": code}
    return shaped
