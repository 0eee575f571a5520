"""API keys: created with a role, shown once, stored only as a hash, revocable.

A key checked is remembered for `cache_seconds` (STOCKPOOL_KEY_CACHE_SECONDS, 5 by default),
so a request does not cost a transaction to authenticate. Revoking a key forgets it at once in
the process that revoked it; every other process stops accepting it within cache_seconds (its
memory of the key lapses, and the next check reads the revocation from the database). 0 turns
the memory off: every check reads the database.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from stockpool.domain.access import ApiKey, Role
from stockpool.domain.catalog import NAME_MAX
from stockpool.domain.errors import Conflict, NotFound
from stockpool.domain.text import clean_text
from stockpool.services.ports import Clock, UnitOfWorkFactory
from stockpool.services.ports.stock import Keys

PREFIX = "sp_"
CACHE_MAX = 10_000  # keys remembered at most (a process sees a handful)


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class _Remembered:
    key: ApiKey
    until: float  # on the monotonic clock


class KeyService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        *,
        cache_seconds: float = 5.0,
        ticks: Callable[[], float] = time.monotonic,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self.cache_seconds = cache_seconds
        self._ticks = ticks
        self._by_hash: dict[str, _Remembered] = {}
        self._by_id: dict[str, _Remembered] = {}
        self._lock = threading.Lock()

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

    def remembered(self, secret: str) -> ApiKey | None:
        """The active key with this secret if this process checked it less than cache_seconds
        ago; else None (then ask authenticate). Never touches the database: an async caller may
        call it on its event loop."""
        return self._recall(self._by_hash, hash_key(secret))

    def authenticate(self, secret: str) -> ApiKey | None:
        """The active key with this secret, or None."""
        hashed = hash_key(secret)
        return self._active(self._by_hash, hashed, lambda keys: keys.by_hash(hashed))

    def active(self, key_id: str) -> ApiKey | None:
        """The key with this id while it is not revoked (every dashboard request asks)."""
        return self._active(self._by_id, key_id, lambda keys: keys.get(key_id))

    def _active(
        self,
        memory: dict[str, _Remembered],
        name: str,
        read: Callable[[Keys], ApiKey | None],
    ) -> ApiKey | None:
        """The key remembered under name, else read from the database and remembered if active."""
        known = self._recall(memory, name)
        if known is not None:
            return known
        with self._uow(write=False) as uow:
            key = read(uow.keys)
        if key is None or not key.active:
            return None
        self._remember(memory, name, key)
        return key

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
        self._forget(key_id)

    def _recall(self, memory: dict[str, _Remembered], name: str) -> ApiKey | None:
        found = memory.get(name)
        if found is None or found.until <= self._ticks():
            return None
        return found.key

    def _remember(self, memory: dict[str, _Remembered], name: str, key: ApiKey) -> None:
        if self.cache_seconds <= 0:
            return
        with self._lock:
            if len(memory) >= CACHE_MAX:  # a flood of keys: start again rather than grow
                memory.clear()
            memory[name] = _Remembered(key, self._ticks() + self.cache_seconds)

    def _forget(self, key_id: str) -> None:
        """Revoked here: refused from now on in this process."""
        with self._lock:
            for memory in (self._by_hash, self._by_id):
                for name in [n for n, r in memory.items() if r.key.id == key_id]:
                    del memory[name]
