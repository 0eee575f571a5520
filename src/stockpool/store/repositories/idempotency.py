"""Idempotency keys: the first request with a key claims it; replays read its stored answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from stockpool.store.repositories._dialect import insert
from stockpool.store.tables import idempotency_keys


@dataclass(frozen=True, slots=True)
class StoredRequest:
    operation: str
    request_hash: str
    response: dict[str, Any] | None


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
            insert(self._connection, idempotency_keys)
            .values(key=key, operation=operation, request_hash=request_hash, created_at=at)
            .on_conflict_do_nothing(index_elements=[idempotency_keys.c.key])
            .returning(idempotency_keys.c.key)
        ).first()
        if claimed is not None:
            return None
        row = self._connection.execute(
            select(idempotency_keys).where(idempotency_keys.c.key == key)
        ).one()
        return StoredRequest(row.operation, row.request_hash, row.response)

    def save_response(self, key: str, response: dict[str, Any]) -> None:
        self._connection.execute(
            update(idempotency_keys).where(idempotency_keys.c.key == key).values(response=response)
        )
