"""Quantities are whole units: validated once, where they enter."""

from __future__ import annotations

from stockpool.domain.errors import InvalidRequest

MAX_QUANTITY = 1_000_000_000  # far above any real shelf; keeps sums inside 64-bit columns


def positive(value: object, field: str = "quantity") -> int:
    """A whole number of units greater than zero."""
    number = _whole(value, field)
    if number <= 0:
        raise InvalidRequest(f"{field} must be a whole number greater than 0 (got {number}).")
    return number


def non_negative(value: object, field: str = "quantity") -> int:
    """A whole number of units, zero allowed (a count that found nothing, a safety stock of 0)."""
    number = _whole(value, field)
    if number < 0:
        raise InvalidRequest(f"{field} must be a whole number of 0 or more (got {number}).")
    return number


def non_zero(value: object, field: str = "quantity") -> int:
    """A signed change in units: positive adds, negative takes away, zero means nothing."""
    number = _whole(value, field)
    if number == 0:
        raise InvalidRequest(
            f"{field} must not be 0: use a positive number to add, negative to remove."
        )
    return number


def _whole(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequest(f"{field} must be a whole number of units (got {value!r}).")
    if abs(value) > MAX_QUANTITY:
        raise InvalidRequest(f"{field} must be at most {MAX_QUANTITY:,} units (got {value:,}).")
    return value
