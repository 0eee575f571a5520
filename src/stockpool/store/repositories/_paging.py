"""Pages by key: the rows after a cursor (the last key of the previous page), in key order."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select


def after_key(query: Select[Any], key: Any, after: object | None, limit: int) -> Select[Any]:
    """query ordered by key, from the row after the cursor after (None: the first), limit rows."""
    query = query.order_by(key).limit(limit)
    return query if after is None else query.where(key > after)
