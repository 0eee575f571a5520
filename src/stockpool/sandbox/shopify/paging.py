"""Relay connections as Shopify pages them: opaque cursors, `first`/`last` up to 250."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any

from graphql import GraphQLError

PAGE_MAX = 250


def cursor_for(key: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode()


def _key_of(cursor: str) -> list[Any]:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        raise bad_request(f"Invalid cursor for current pagination sort: {cursor!r}") from None
    if not isinstance(key, list):
        raise bad_request(f"Invalid cursor for current pagination sort: {cursor!r}")
    return key


def bad_request(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_REQUEST"})


def connection(
    items: Sequence[Any],
    sort_key: Callable[[Any], list[Any]],
    *,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    reverse: bool = False,
) -> dict[str, Any]:
    """A page of `items` (already filtered) ordered by `sort_key`: nodes, edges and pageInfo.
    A cursor is the sort key of its node, so a page stays right when items change between calls."""
    if first is None and last is None:
        raise bad_request("you must provide one of first or last")
    for name, size in (("first", first), ("last", last)):
        if size is not None and not 0 <= size <= PAGE_MAX:
            raise bad_request(f"The `{name}` argument must be between 0 and {PAGE_MAX}.")
    keyed = sorted(((sort_key(item), item) for item in items), key=lambda pair: pair[0])
    if reverse:
        keyed.reverse()

    def beyond(key: list[Any], mark: list[Any]) -> bool:
        return key < mark if reverse else key > mark

    if after is not None:
        mark = _key_of(after)
        keyed = [pair for pair in keyed if _comparable(pair[0], mark) and beyond(pair[0], mark)]
    if before is not None:
        mark = _key_of(before)
        keyed = [pair for pair in keyed if _comparable(pair[0], mark) and beyond(mark, pair[0])]
    page = keyed
    has_next = has_previous = False
    if first is not None:
        has_next = len(page) > first
        page = page[:first]
    if last is not None:
        has_previous = len(page) > last
        page = page[len(page) - last :] if last else []
    edges = [{"cursor": cursor_for(key), "node": node} for key, node in page]
    return {
        "nodes": [edge["node"] for edge in edges],
        "edges": edges,
        "pageInfo": {
            "hasNextPage": has_next or (before is not None and bool(edges)),
            "hasPreviousPage": has_previous or (after is not None and bool(edges)),
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def _comparable(key: list[Any], mark: list[Any]) -> bool:
    if len(key) != len(mark) or any(type(a) is not type(b) for a, b in zip(key, mark, strict=True)):
        raise bad_request("Invalid cursor for current pagination sort.")
    return True
