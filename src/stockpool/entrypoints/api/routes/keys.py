"""API keys, managed by admins (the CLI does the same with `stockpool keys`)."""

from __future__ import annotations

from fastapi import APIRouter, status

from stockpool.domain.access import ApiKey
from stockpool.entrypoints.api.deps import Admin, ContainerDep
from stockpool.entrypoints.api.schemas import KeyCreate, KeyCreated, KeyList, KeyPublic

router = APIRouter(prefix="/keys", tags=["keys"])


def key_public(key: ApiKey) -> KeyPublic:
    return KeyPublic(
        id=key.id,
        name=key.name,
        role=key.role,
        created_at=key.created_at,
        revoked_at=key.revoked_at,
    )


@router.get("", response_model=KeyList)
def list_keys(key: Admin, container: ContainerDep) -> KeyList:
    return KeyList(items=[key_public(k) for k in container.keys.list()])


@router.post("", response_model=KeyCreated, status_code=status.HTTP_201_CREATED)
def create_key(body: KeyCreate, key: Admin, container: ContainerDep) -> KeyCreated:
    """A new key; its secret is in this answer only."""
    created, secret = container.keys.create(body.role, body.name)
    return KeyCreated(**key_public(created).model_dump(), key=secret)


@router.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_key(key_id: str, key: Admin, container: ContainerDep) -> None:
    container.keys.revoke(key_id)
