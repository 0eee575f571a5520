"""Shopify's calculated query cost and the leaky bucket it is paid from.

Approximation of Shopify's published rules: a scalar or enum field costs 0, an object 1, a
connection 2 + its page size x the cost of one node (edges and pageInfo add nothing of their
own), a root mutation field 10. The requested cost uses `first`/`last`; the actual cost walks the
answer and counts the nodes each connection really returned. Plain lists of objects cost as one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values

from stockpool.sandbox.shopify.schema import SchemaBroken

MAXIMUM_AVAILABLE = 2000.0
RESTORE_RATE = 100.0  # points a second: the Standard plan
SINGLE_QUERY_MAX = 1000
MUTATION_COST = 10
DOCUMENTATION = "https://shopify.dev/api/usage/limits#rate-limits"

_MISSING: Any = object()


class CostBucket:
    """A leaky bucket of query-cost points: `restore_rate` a second back, up to `maximum`."""

    def __init__(
        self,
        maximum: float = MAXIMUM_AVAILABLE,
        restore_rate: float = RESTORE_RATE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.maximum = maximum
        self.restore_rate = restore_rate
        self._clock = clock
        self._points = maximum
        self._at = clock()

    def available(self) -> float:
        now = self._clock()
        self._points = min(self.maximum, self._points + (now - self._at) * self.restore_rate)
        self._at = now
        return self._points

    def take(self, points: float) -> bool:
        if self.available() < points:
            return False
        self._points -= points
        return True

    def refund(self, points: float) -> None:
        self._points = min(self.maximum, self.available() + max(points, 0.0))

    def status(self) -> dict[str, float]:
        return {
            "maximumAvailable": self.maximum,
            "currentlyAvailable": int(self.available()),
            "restoreRate": self.restore_rate,
        }


class QueryCost:
    """The cost of one operation of `document`, requested (before) or actual (given the data)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
    ) -> None:
        self._schema = schema
        self._operation = operation
        coerced = get_variable_values(schema, operation.variable_definitions or (), dict(variables))
        # Variables that do not coerce fail execution; here they just count as absent.
        self._variables: VariableValues | None = (
            coerced if isinstance(coerced, VariableValues) else None
        )
        self._fragments = {
            node.name.value: node
            for node in document.definitions
            if isinstance(node, FragmentDefinitionNode)
        }

    def requested(self) -> int:
        return self._root(_MISSING)

    def actual(self, data: Any) -> int:
        return self._root(data if isinstance(data, dict) else None)

    def _root(self, data: Any) -> int:
        mutation = self._operation.operation is OperationType.MUTATION
        root = self._schema.mutation_type if mutation else self._schema.query_type
        if root is None:  # the operation was validated against this schema before it is costed
            kind = "Mutation" if mutation else "Query"
            raise SchemaBroken(f"The schema has no {kind} type, yet an operation validated on it.")
        if mutation:
            return MUTATION_COST * sum(1 for _ in self._fields(self._operation.selection_set, root))
        return self._selection(self._operation.selection_set, root, data)

    def _fields(
        self, selection_set: SelectionSetNode | None, parent: GraphQLObjectType
    ) -> list[tuple[FieldNode, GraphQLObjectType]]:
        found: list[tuple[FieldNode, GraphQLObjectType]] = []
        if selection_set is None:
            return found
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value in parent.fields:
                    found.append((selection, parent))
            elif isinstance(selection, InlineFragmentNode):
                found.extend(self._fields(selection.selection_set, parent))
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self._fragments.get(selection.name.value)
                if fragment is not None:
                    found.extend(self._fields(fragment.selection_set, parent))
        return found

    def _selection(
        self, selection_set: SelectionSetNode | None, parent: GraphQLObjectType, data: Any
    ) -> int:
        total = 0
        for node, owner in self._fields(selection_set, parent):
            key = node.alias.value if node.alias else node.name.value
            value = data.get(key, _MISSING) if isinstance(data, dict) else _MISSING
            total += self._field(node, owner, value)
        return total

    def _field(self, node: FieldNode, owner: GraphQLObjectType, value: Any) -> int:
        field = owner.fields[node.name.value]
        named = get_named_type(field.type)
        if not isinstance(named, GraphQLObjectType):
            return 0
        if named.name.endswith("Connection"):
            return self._connection(node, named, field, value)
        if isinstance(value, list):
            value = value[0] if value else _MISSING
        return 1 + self._selection(node.selection_set, named, value)

    def _connection(
        self, node: FieldNode, connection: GraphQLObjectType, field: Any, value: Any
    ) -> int:
        if value is None:
            return 2
        if value is _MISSING:
            size = self._page_size(node, field)
            items: list[Any] = [_MISSING] * size
        else:
            items = list(value.get("nodes") or value.get("edges") or [])
        total = 2
        for index in range(len(items)):
            total += self._connection_item(node, connection, value, index)
        return total

    def _connection_item(
        self, node: FieldNode, connection: GraphQLObjectType, value: Any, index: int
    ) -> int:
        cost = 0
        for child, _ in self._fields(node.selection_set, connection):
            name = child.name.value
            key = child.alias.value if child.alias else name
            listed = value.get(key) if isinstance(value, dict) else None
            item = listed[index] if isinstance(listed, list) and index < len(listed) else _MISSING
            child_type = get_named_type(connection.fields[name].type)
            if not isinstance(child_type, GraphQLObjectType) or name == "pageInfo":
                continue
            if name == "edges":  # the edge is free; its node is an object like any other
                cost += self._selection(child.selection_set, child_type, item)
            else:
                cost += 1 + self._selection(child.selection_set, child_type, item)
        return cost

    def _page_size(self, node: FieldNode, field: Any) -> int:
        try:
            arguments = get_argument_values(field, node, self._variables)
        except GraphQLError:
            return 0
        size = arguments.get("first") or arguments.get("last") or 0
        return size if isinstance(size, int) and size > 0 else 0


def cost_extension(requested: int, actual: int | None, bucket: CostBucket) -> dict[str, Any]:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": bucket.status(),
        }
    }


def throttled_body(requested: int, bucket: CostBucket) -> dict[str, Any]:
    return {
        "errors": [
            {
                "message": "Throttled",
                "extensions": {"code": "THROTTLED", "documentation": DOCUMENTATION},
            }
        ],
        "extensions": cost_extension(requested, None, bucket),
    }


def max_cost_error(requested: int) -> dict[str, Any]:
    return {
        "message": f"Query cost is {requested}, which exceeds the single query max cost limit "
        f"({SINGLE_QUERY_MAX}). See {DOCUMENTATION} for more information on how the cost of a "
        "query is calculated. To query larger amounts of data with fewer limits, bulk operations "
        "should be used instead.",
        "extensions": {"code": "MAX_COST_EXCEEDED", "cost": requested, "maxCost": SINGLE_QUERY_MAX},
    }
