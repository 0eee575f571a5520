"""Who may do what: API keys and their roles, each role allowed everything the ones below it are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from stockpool.domain.errors import InvalidRequest


class Role(StrEnum):
    VIEWER = "viewer"  # reads stock, the catalog and the ledger
    OPERATOR = "operator"  # also posts stock movements and edits SKUs
    ADMIN = "admin"  # also edits locations and manages keys


_RANK = {Role.VIEWER: 0, Role.OPERATOR: 1, Role.ADMIN: 2}


def allows(role: Role, needed: Role) -> bool:
    return _RANK[role] >= _RANK[needed]


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise InvalidRequest(f"role must be one of {names} (got {value!r}).") from None


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A key as stored: only its hash is kept, never the key itself."""

    id: str
    name: str
    role: Role
    created_at: datetime
    revoked_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None
