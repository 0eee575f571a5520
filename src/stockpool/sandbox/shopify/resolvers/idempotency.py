"""The `@idempotent(key:)` directive of the inventory mutations: a repeated key replays the
first answer; the same key with other arguments is refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from graphql import GraphQLError
from graphql.execution.values import get_directive_values

from stockpool.sandbox.shopify.paging import bad_request
from stockpool.sandbox.shopify.resolvers.context import Context, Info


def idempotent(
    info: Info, arguments: dict[str, Any], run: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """Run a mutation under its `@idempotent(key:)`, which 2026-04 and later require."""
    context: Context = info.context
    directive = info.schema.get_directive("idempotent")
    values = (
        get_directive_values(directive, info.field_nodes[0], info.variable_values)
        if directive is not None
        else None
    )
    if values is None:
        if context.version.idempotency_required:
            raise GraphQLError(
                f"The @idempotent directive is required for {info.field_name} from API version "
                '2026-04: add @idempotent(key: "<a UUID>") to the mutation field.',
                extensions={"code": "BAD_REQUEST"},
            )
        return run()
    key = values["key"]
    if not key:
        raise bad_request("The idempotency key can't be blank.")
    fingerprint = json.dumps([info.field_name, arguments], sort_keys=True, default=str)
    store = context.sandbox.idempotency
    remembered = store.get(key)
    if remembered is None:
        result = run()
        store[key] = (fingerprint, result)
        return result
    if remembered[0] != fingerprint:
        return {
            "inventoryAdjustmentGroup": None,
            "userErrors": [
                {
                    "field": None,
                    "message": "The same idempotency key cannot be used with different operation parameters.",
                    "code": "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
                }
            ],
        }
    return remembered[1]
