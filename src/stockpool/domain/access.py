"""Who may do what: API key roles, each allowed everything the ones below it are."""

from __future__ import annotations

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
