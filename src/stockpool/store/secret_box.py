"""Credentials at rest: encrypted with Fernet (AES-128-CBC and HMAC-SHA256, from the
cryptography package) under one key.

The key is STOCKPOOL_SECRET_KEY (a Fernet key: `python -c "from cryptography.fernet import
Fernet; print(Fernet.generate_key().decode())"`). On the embedded SQLite default without one, a
key file is created on first use beside the database (`<database>.key`, mode 0600): the database
file alone then holds nothing readable. On PostgreSQL there is no such place: storing
credentials there without STOCKPOOL_SECRET_KEY is refused with what to set."""

from __future__ import annotations

import json
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.engine import make_url

from stockpool.domain.errors import InvalidRequest, InvariantBroken


class SecretBox:
    def __init__(self, key: str | None, database_url: str) -> None:
        self._key = key
        self._database_url = database_url
        self._fernet: Fernet | None = None

    def _box(self) -> Fernet:
        if self._fernet is None:
            key = self._key or self._key_file()
            try:
                self._fernet = Fernet(key)
            except (ValueError, TypeError):
                raise InvalidRequest(
                    "STOCKPOOL_SECRET_KEY is not a Fernet key (32 url-safe base64-encoded "
                    "bytes); generate one with cryptography's Fernet.generate_key()."
                ) from None
        return self._fernet

    def _key_file(self) -> str:
        url = make_url(self._database_url)
        if url.get_backend_name() != "sqlite" or not url.database:
            raise InvalidRequest(
                "Set STOCKPOOL_SECRET_KEY (a Fernet key) to store channel credentials: on "
                "PostgreSQL they are encrypted with it, and it is kept apart from the database."
            )
        path = Path(url.database).with_name(Path(url.database).name + ".key")
        try:  # created once, readable by its owner only
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(descriptor, "w") as file:
            file.write(Fernet.generate_key().decode())
        return path.read_text().strip()

    def seal(self, credentials: dict[str, str]) -> str:
        return self._box().encrypt(json.dumps(credentials, sort_keys=True).encode()).decode()

    def open(self, sealed: str) -> dict[str, str]:
        try:
            opened: dict[str, str] = json.loads(self._box().decrypt(sealed.encode()))
        except InvalidToken:
            raise InvariantBroken(
                "Stored channel credentials cannot be decrypted with this key: was "
                "STOCKPOOL_SECRET_KEY (or the key file beside the database) changed?"
            ) from None
        return opened
