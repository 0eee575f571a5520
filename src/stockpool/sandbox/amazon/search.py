"""Listings Items 2021-08-01 `searchListingsItems`: the seller's listings items, filtered, sorted
and paged by `pageToken`.

As the model says, `numberOfResults` counts every item found but only the first 1,000 can be
paged through. Sandbox listings stand alone (no variations, packages or issues) and carry only
a SKU and an ASIN as identifiers, so filters on anything else find nothing.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from stockpool.sandbox.amazon.errors import BadInput, sp_json
from stockpool.sandbox.amazon.listings import item, statuses
from stockpool.sandbox.amazon.params import csv_list, integer, timestamp
from stockpool.sandbox.amazon.patching import ITEM_DATA
from stockpool.sandbox.shelf import Listing

if TYPE_CHECKING:
    from stockpool.sandbox.amazon.sandbox import AmazonSandbox

PAGEABLE = 1000  # items a search can page through, whatever it finds
MAX_IDENTIFIERS = 20
IDENTIFIER_TYPES = ("ASIN", "EAN", "FNSKU", "GTIN", "ISBN", "JAN", "MINSAN", "SKU", "UPC")
STATUSES = ("BUYABLE", "DISCOVERABLE")
SEVERITIES = ("WARNING", "ERROR")
SORTS = ("sku", "createdDate", "lastUpdatedDate")
TIME_FILTERS = (
    ("createdAfter", "createdDate", 1),
    ("createdBefore", "createdDate", -1),
    ("lastUpdatedAfter", "lastUpdatedDate", 1),
    ("lastUpdatedBefore", "lastUpdatedDate", -1),
)


@dataclass(frozen=True, slots=True)
class Search:
    """What a call asks for, read from its query (everything but the page token)."""

    identifiers: tuple[str, ...]
    identifiers_type: str | None
    related_to: str | None  # variationParentSku or packageHierarchySku
    times: tuple[tuple[str, int, datetime], ...]  # (attribute, 1 at/after or -1 at/before, when)
    with_issues: bool
    with_status: tuple[str, ...]
    without_status: tuple[str, ...]
    sort_by: str
    descending: bool
    page_size: int
    fingerprint: str  # ties a page token to the search that issued it


async def search_listings_items(sandbox: AmazonSandbox, request: Request) -> Response:
    query = request.query_params
    with sandbox.lock:
        sandbox.check_seller(request.path_params["sellerId"])
        marketplace = sandbox.marketplace(request)
        included = csv_list(query, "includedData", ITEM_DATA) or ["summaries"]
        search = read_search(query)
        found = sorted_listings(
            [listing for listing in sandbox.shelf.all() if matches(listing, search)], search
        )
        start = read_token(query.get("pageToken"), search)
        end = min(start + search.page_size, len(found), PAGEABLE)
        answer: dict[str, Any] = {
            "numberOfResults": len(found),
            "items": [item(listing, marketplace, included) for listing in found[start:end]],
        }
    pagination = {}
    if end < min(len(found), PAGEABLE):
        pagination["nextToken"] = write_token(end, search)
    if start > 0:
        pagination["previousToken"] = write_token(max(start - search.page_size, 0), search)
    if pagination:
        answer["pagination"] = pagination
    return sp_json(answer)


def read_search(query: QueryParams) -> Search:
    """The search a query asks for; BadInput naming the first parameter that is wrong."""
    identifiers = csv_list(query, "identifiers")
    identifiers_type = query.get("identifiersType")
    if identifiers and identifiers_type is None:
        raise BadInput("identifiersType is required when identifiers is given.")
    if identifiers_type is not None and not identifiers:
        raise BadInput("identifiers is required when identifiersType is given.")
    if identifiers_type is not None and identifiers_type not in IDENTIFIER_TYPES:
        raise BadInput(
            f"Invalid value '{identifiers_type}' for identifiersType; allowed: "
            f"{', '.join(IDENTIFIER_TYPES)}."
        )
    if len(identifiers) > MAX_IDENTIFIERS:
        raise BadInput(
            f"identifiers takes at most {MAX_IDENTIFIERS} values, not {len(identifiers)}."
        )
    chosen = [
        name
        for name in ("identifiers", "variationParentSku", "packageHierarchySku")
        if query.get(name)
    ]
    if len(chosen) > 1:
        raise BadInput(
            "Use only one of identifiers, variationParentSku and packageHierarchySku, not "
            f"{' and '.join(chosen)}."
        )
    related = next((query[name] for name in chosen if name != "identifiers"), None)
    sort_by = _one_of(query, "sortBy", SORTS, "lastUpdatedDate")
    order = _one_of(query, "sortOrder", ("ASC", "DESC"), "DESC")
    csv_list(query, "withIssueSeverity", SEVERITIES)
    return Search(
        identifiers=tuple(identifiers),
        identifiers_type=identifiers_type,
        related_to=related,
        times=_times(query),
        with_issues=bool(query.get("withIssueSeverity")),
        with_status=tuple(csv_list(query, "withStatus", STATUSES)),
        without_status=tuple(csv_list(query, "withoutStatus", STATUSES)),
        sort_by=sort_by,
        descending=order == "DESC",
        page_size=integer(query, "pageSize", 1, 20, 10),
        fingerprint=_fingerprint(query),
    )


def _one_of(query: QueryParams, name: str, allowed: tuple[str, ...], default: str) -> str:
    value = query.get(name, default)
    if value not in allowed:
        raise BadInput(f"Invalid value '{value}' for {name}; allowed: {', '.join(allowed)}.")
    return value


def _times(query: QueryParams) -> tuple[tuple[str, int, datetime], ...]:
    found = []
    for name, attribute, direction in TIME_FILTERS:
        moment = timestamp(query, name)
        if moment is not None:
            found.append((attribute, direction, moment))
    return tuple(found)


def _fingerprint(query: QueryParams) -> str:
    asked = sorted((key, value) for key, value in query.multi_items() if key != "pageToken")
    return hashlib.sha256(json.dumps(asked).encode()).hexdigest()[:16]


def matches(listing: Listing, search: Search) -> bool:
    """Whether the listing is one the search asks for."""
    if search.related_to is not None or search.with_issues:
        return False  # no variations, packages or issues here
    if (
        search.identifiers
        and _identifier(listing, search.identifiers_type) not in search.identifiers
    ):
        return False
    for attribute, direction, moment in search.times:
        when = datetime.fromisoformat(listing.attributes[attribute].replace("Z", "+00:00"))
        if (when - moment).total_seconds() * direction < 0:
            return False
    shown = statuses(listing)
    if search.with_status and not set(search.with_status) & set(shown):
        return False
    return not set(search.without_status) & set(shown)


def _identifier(listing: Listing, kind: str | None) -> str | None:
    if kind == "SKU":
        return listing.sku
    if kind == "ASIN":
        return str(listing.attributes["asin"])
    return None


def sorted_listings(listings: list[Listing], search: Search) -> list[Listing]:
    """In the order asked for; ties by SKU, so pages never overlap."""

    def key(listing: Listing) -> tuple[str, str]:
        if search.sort_by == "sku":
            return (listing.sku, "")
        return (str(listing.attributes[search.sort_by]), listing.sku)

    return sorted(listings, key=key, reverse=search.descending)


def write_token(offset: int, search: Search) -> str:
    body = json.dumps({"offset": offset, "search": search.fingerprint})
    return base64.urlsafe_b64encode(body.encode()).decode()


def read_token(token: str | None, search: Search) -> int:
    """Where the page a token names starts (0 without one)."""
    if token is None:
        return 0
    try:
        found = json.loads(base64.urlsafe_b64decode(token.encode()))
        offset = found["offset"]
        fingerprint = found["search"]
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise BadInput("pageToken is not one this operation returned.") from None
    if not isinstance(offset, int) or not 0 <= offset < PAGEABLE:
        raise BadInput("pageToken is not one this operation returned.")
    if fingerprint != search.fingerprint:
        raise BadInput(
            "pageToken belongs to another search: send the same parameters as the call that "
            "returned it, with only pageToken added."
        )
    return offset
