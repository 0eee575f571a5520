"""The canonical text of a SKU's advertised numbers ({"amazon":3,"shopify":5}): what the store
keeps for each SKU, and what a recompute compares. Equal numbers always make equal text, so an
unchanged SKU costs one string comparison, and a decision shared by many SKUs is written out once.
"""

from __future__ import annotations

from collections.abc import Mapping


def encode(numbers: Mapping[str, int]) -> str:
    """The text of numbers by channel: channel codes need no escaping (a-z, 0-9, _ and -)."""
    return "{" + ",".join(f'"{code}":{numbers[code]}' for code in sorted(numbers)) + "}"


def decode(text: str | None) -> dict[str, int]:
    """encode, read back; nothing (None or "") reads as no numbers."""
    if not text:
        return {}
    body = text[1:-1]
    if not body:
        return {}
    pairs = (item.split(":") for item in body.split(","))
    return {code.strip('"'): int(number) for code, number in pairs}
