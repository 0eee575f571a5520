"""Shopify's search syntax in `query:` arguments, the part connectors use.

`sku:ABC`, `sku:'A B'`, `updated_at:>='2026-11-01T00:00:00Z'`, `created_at:>2026-11-01`,
terms joined by spaces or AND, alternatives by OR, `-term` or NOT to negate. Fields a resource
does not know are ignored, as Shopify ignores them (it adds a warning we leave out).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

_TOKEN = re.compile(r"""\s*(-?)([A-Za-z_]+:(?:[<>]=?)?(?:'[^']*'|"[^"]*"|\S+)|\S+)""")
_TERM = re.compile(r"""^([A-Za-z_]+):([<>]=?)?(.*)$""")


@dataclass(frozen=True, slots=True)
class Term:
    field: str | None  # None: free text
    op: str  # ':', '>', '>=', '<', '<='
    value: str
    negated: bool = False


def parse(query: str | None) -> list[list[Term]]:
    """Alternatives (OR) of conjunctions (AND) of terms; [] matches everything."""
    if not query or not query.strip():
        return []
    alternatives: list[list[Term]] = [[]]
    negate_next = False
    for match in _TOKEN.finditer(query):
        minus, text = match.groups()
        if text == "OR":
            alternatives.append([])
            continue
        if text == "AND":
            continue
        if text == "NOT":
            negate_next = True
            continue
        term = _term(text, negated=bool(minus) or negate_next)
        negate_next = False
        alternatives[-1].append(term)
    return [terms for terms in alternatives if terms]


def _term(text: str, *, negated: bool) -> Term:
    found = _TERM.match(text)
    if found is None:
        return Term(None, ":", _unquote(text), negated)
    field, op, value = found.groups()
    return Term(field.lower(), op or ":", _unquote(value), negated)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


Matcher = Callable[[Any, Term], bool | None]  # None: the field is unknown, the term is ignored


def matches(item: Any, alternatives: list[list[Term]], matcher: Matcher) -> bool:
    if not alternatives:
        return True
    return any(all(_holds(item, term, matcher) for term in terms) for terms in alternatives)


def _holds(item: Any, term: Term, matcher: Matcher) -> bool:
    result = matcher(item, term)
    if result is None:
        return True
    return result != term.negated


def text_matches(actual: str | None, term: Term) -> bool:
    """Case-insensitive equality; a trailing `*` matches a prefix."""
    if actual is None:
        return False
    wanted = term.value.lower()
    if wanted.endswith("*"):
        return actual.lower().startswith(wanted[:-1])
    return actual.lower() == wanted


def time_matches(actual: datetime, term: Term) -> bool | None:
    """A timestamp compared with the term's date or date-time; None when it is not one."""
    wanted = parse_time(term.value)
    if wanted is None:
        return None
    if term.op == ">":
        return actual > wanted
    if term.op == ">=":
        return actual >= wanted
    if term.op == "<":
        return actual < wanted
    if term.op == "<=":
        return actual <= wanted
    return actual.date() == wanted.date() if len(term.value) == 10 else actual == wanted


def parse_time(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
