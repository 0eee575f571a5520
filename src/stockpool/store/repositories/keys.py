"""API keys, stored by hash."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select, update

from stockpool.domain.access import ApiKey, Role
from stockpool.store.tables import api_keys


class KeyRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(self, key: ApiKey, key_hash: str) -> None:
        self._connection.execute(
            api_keys.insert().values(
                id=key.id,
                name=key.name,
                role=key.role.value,
                key_hash=key_hash,
                created_at=key.created_at,
                revoked_at=key.revoked_at,
            )
        )

    def by_hash(self, key_hash: str) -> ApiKey | None:
        row = self._connection.execute(
            select(api_keys).where(api_keys.c.key_hash == key_hash)
        ).first()
        return _key(row) if row else None

    def get(self, key_id: str) -> ApiKey | None:
        row = self._connection.execute(select(api_keys).where(api_keys.c.id == key_id)).first()
        return _key(row) if row else None

    def list(self) -> list[ApiKey]:
        rows = self._connection.execute(
            select(api_keys).order_by(api_keys.c.created_at, api_keys.c.id)
        )
        return [_key(row) for row in rows]

    def revoke(self, key_id: str, at: datetime) -> bool:
        """Revoke an active key; False when there is no such active key."""
        revoked = self._connection.execute(
            update(api_keys)
            .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=at)
            .returning(api_keys.c.id)
        ).first()
        return revoked is not None

    def exists(self, key_id: str) -> bool:
        return (
            self._connection.execute(select(api_keys.c.id).where(api_keys.c.id == key_id)).first()
            is not None
        )


def _key(row: Row[Any]) -> ApiKey:
    return ApiKey(
        id=row.id,
        name=row.name,
        role=Role(row.role),
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )
