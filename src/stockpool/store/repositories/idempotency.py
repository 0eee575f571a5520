"""Idempotency keys: the first request with a key claims it; replays read its stored answer."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from stockpool.domain.idempotency import StoredRequest
from stockpool.store.repositories._dialect import dialect_insert
from stockpool.store.tables import idempotency_keys


class IdempotencyRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def claim(
        self, key: str, operation: str, request_hash: str, at: datetime
    ) -> StoredRequest | None:
        """Claim key for this request; None when claimed, else the earlier request that holds it.

        On PostgreSQL a second claimant of a key still being written waits for the first to commit
        (or roll back) before ON CONFLICT decides, so it sees the finished answer.
        """
        claimed = self._connection.execute(
            _claim(self._connection.dialect.name),
            {"key": key, "operation": operation, "request_hash": request_hash, "created_at": at},
        ).first()
        if claimed is not None:
            return None
        row = self._connection.execute(
            select(idempotency_keys).where(idempotency_keys.c.key == key)
        ).one()
        return StoredRequest(row.operation, row.request_hash, row.response)

    def save_response(self, key: str, response: dict[str, Any]) -> None:
        self._connection.execute(_SAVE, {"claimed_key": key, "response": response})


# Built once: an API write with an Idempotency-Key runs both.
_SAVE = (
    update(idempotency_keys)
    .where(idempotency_keys.c.key == bindparam("claimed_key"))
    .values(response=bindparam("response"))
)


@functools.cache
def _claim(dialect: str) -> Any:
    return (
        dialect_insert(dialect, idempotency_keys)
        .on_conflict_do_nothing(index_elements=[idempotency_keys.c.key])
        .returning(idempotency_keys.c.key)
    )
