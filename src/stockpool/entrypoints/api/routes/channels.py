"""Channels: where orders come from, and what a seller cancellation costs there."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status
from pydantic import BaseModel, Field

from stockpool.domain.channels import Channel
from stockpool.domain.connections import Connection, ConnectionShown
from stockpool.entrypoints.api.deps import Admin, ContainerDep, Operator, Viewer
from stockpool.entrypoints.api.schemas import (
    ChannelList,
    ChannelPublic,
    ChannelPut,
    ConnectionPublic,
)

router = APIRouter()

ChannelPath = Annotated[str, Path(description="Channel code, e.g. shopify.")]


def channel_public(channel: Channel, connection: ConnectionShown | None) -> ChannelPublic:
    shown = None
    if connection is not None:
        shown = ConnectionPublic(
            url=connection.url,
            token_url=connection.token_url,
            credentials_set=list(connection.credentials_set),
            updated_at=connection.updated_at,
        )
    return ChannelPublic(
        code=channel.code,
        platform=channel.platform,
        name=channel.name,
        cancellation_cost=channel.cost,
        split_allowed=channel.split_allowed,
        connection=shown,
    )


@router.put(
    "/channels/{code}",
    response_model=ChannelPublic,
    tags=["channels"],
    responses={201: {"model": ChannelPublic, "description": "Created"}},
)
def put_channel(
    code: ChannelPath, body: ChannelPut, key: Admin, container: ContainerDep, response: Response
) -> ChannelPublic:
    """Create or replace a channel: its platform, what a seller cancellation costs there, and
    (connection) how stockpool reaches the platform."""
    channel = Channel(code, body.platform, body.name, body.cancellation_cost, body.split_allowed)
    given = body.connection
    connection = None
    if given is not None:
        connection = Connection(given.url, given.credentials, given.token_url)
    disconnect = "connection" in body.model_fields_set and given is None
    created = container.channels.put(channel, connection=connection, disconnect=disconnect)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return channel_public(channel, container.channels.connection_shown(code))


@router.get("/channels", response_model=ChannelList, tags=["channels"])
def list_channels(key: Viewer, container: ContainerDep) -> ChannelList:
    shown = container.channels.connections_shown()
    return ChannelList(
        items=[channel_public(c, shown.get(c.code)) for c in container.channels.list()]
    )


@router.get("/channels/{code}", response_model=ChannelPublic, tags=["channels"])
def get_channel(code: ChannelPath, key: Viewer, container: ContainerDep) -> ChannelPublic:
    return channel_public(container.channels.get(code), container.channels.connection_shown(code))


class DiscoveredPublic(BaseModel):
    mapped: list[str] = Field(description="Channel SKUs mapped now, each to our SKU of that code.")
    already_mapped: int = Field(
        description="Items the channel had listings for: left as they were."
    )
    unmatched: list[str] = Field(
        description="Channel SKUs that are no SKU's code: map them by hand."
    )


@router.post(
    "/channels/{code}/listings:discover", response_model=DiscoveredPublic, tags=["listings"]
)
def discover_listings(
    code: ChannelPath, key: Operator, container: ContainerDep
) -> DiscoveredPublic:
    """Read the platform's catalogue and map every item whose platform SKU is one of our SKU
    codes, with what the platform needs to address it; report the ones that match none."""
    found = container.discovery.discover(code)
    return DiscoveredPublic(
        mapped=list(found.mapped),
        already_mapped=found.already_mapped,
        unmatched=list(found.unmatched),
    )
