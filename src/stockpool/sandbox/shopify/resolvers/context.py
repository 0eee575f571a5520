"""What every resolver reads: the sandbox and API version of the request (`info.context`), and
Shopify's paging of a list into a connection."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphql import GraphQLResolveInfo

from stockpool.sandbox.shopify.paging import connection
from stockpool.sandbox.shopify.versions import ApiVersion

if TYPE_CHECKING:
    from stockpool.sandbox.shopify.sandbox import ShopifySandbox

Resolver = Callable[..., Any]


@dataclass(slots=True)
class Context:
    sandbox: ShopifySandbox
    version: ApiVersion


Info = GraphQLResolveInfo[Context]


def sandbox_of(info: Info) -> ShopifySandbox:
    context: Context = info.context
    return context.sandbox


def page(items: list[Any], key: Callable[[Any], list[Any]], args: dict[str, Any]) -> dict[str, Any]:
    """A connection of `items` paged by the field's first/after/last/before/reverse arguments."""
    return connection(
        items,
        key,
        first=args.get("first"),
        after=args.get("after"),
        last=args.get("last"),
        before=args.get("before"),
        reverse=bool(args.get("reverse")),
    )
