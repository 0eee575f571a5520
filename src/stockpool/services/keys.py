"""API keys: created with a role, shown once, stored only as a hash, revocable."""

from __future__ import annotations

import hashlib
import secrets

from stockpool.domain.access import ApiKey, Role
from stockpool.domain.catalog import NAME_MAX
from stockpool.domain.errors import Conflict, NotFound
from stockpool.domain.text import clean_text
from stockpool.services.ports import Clock, UnitOfWorkFactory

PREFIX = "sp_"


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class KeyService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def create(self, role: Role, name: str = "") -> tuple[ApiKey, str]:
        """A new key and its secret; the secret is never stored and cannot be shown again."""
        key = ApiKey(
            id=f"key_{secrets.token_hex(6)}",
            name=clean_text(name, "name", NAME_MAX),
            role=role,
            created_at=self._clock(),
            revoked_at=None,
        )
        secret = PREFIX + secrets.token_urlsafe(32)
        with self._uow() as uow:
            uow.keys.add(key, hash_key(secret))
            uow.commit()
        return key, secret

    def authenticate(self, secret: str) -> ApiKey | None:
        """The active key with this secret, or None."""
        with self._uow(write=False) as uow:
            key = uow.keys.by_hash(hash_key(secret))
        return key if key is not None and key.active else None

    def active(self, key_id: str) -> ApiKey | None:
        """The key with this id while it is not revoked (every dashboard request asks)."""
        with self._uow(write=False) as uow:
            key = uow.keys.get(key_id)
        return key if key is not None and key.active else None

    def list(self) -> list[ApiKey]:
        with self._uow(write=False) as uow:
            return uow.keys.list()

    def revoke(self, key_id: str) -> None:
        with self._uow() as uow:
            if not uow.keys.revoke(key_id, self._clock()):
                if uow.keys.exists(key_id):
                    raise Conflict(f"API key {key_id} is already revoked.")
                raise NotFound(f"No API key {key_id!r}; `stockpool keys list` shows them.")
            uow.commit()
