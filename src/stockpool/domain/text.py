"""Free text a person types (names, references, searches): trimmed, bounded, no control characters."""

from __future__ import annotations

import unicodedata

from stockpool.domain.errors import InvalidRequest


def clean_text(value: str, field: str, limit: int) -> str:
    """value without surrounding spaces; refused if longer than limit or holding control characters."""
    value = value.strip()
    if len(value) > limit:
        raise InvalidRequest(f"{field} must be at most {limit} characters (got {len(value)}).")
    # Cc: control characters; Cs: lone surrogates, which no database can store as text.
    if any(unicodedata.category(character) in ("Cc", "Cs") for character in value):
        raise InvalidRequest(
            f"{field} must not contain control characters (tab, newline, NUL...) "
            "or unpaired surrogates."
        )
    return value
