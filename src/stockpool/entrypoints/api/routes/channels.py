"""Channels: where orders come from, and what a seller cancellation costs there."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from stockpool.domain.channels import Channel
from stockpool.entrypoints.api.deps import Admin, ContainerDep, Viewer
from stockpool.entrypoints.api.schemas import ChannelList, ChannelPublic, ChannelPut

router = APIRouter()

ChannelPath = Annotated[str, Path(description="Channel code, e.g. shopify.")]


def channel_public(channel: Channel) -> ChannelPublic:
    return ChannelPublic(
        code=channel.code,
        platform=channel.platform,
        name=channel.name,
        cancellation_cost=channel.cost,
        split_allowed=channel.split_allowed,
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
    """Create or replace a channel: its platform and what a seller cancellation costs there."""
    channel = Channel(code, body.platform, body.name, body.cancellation_cost, body.split_allowed)
    created = container.channels.put(channel)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return channel_public(channel)


@router.get("/channels", response_model=ChannelList, tags=["channels"])
def list_channels(key: Viewer, container: ContainerDep) -> ChannelList:
    return ChannelList(items=[channel_public(c) for c in container.channels.list()])


@router.get("/channels/{code}", response_model=ChannelPublic, tags=["channels"])
def get_channel(code: ChannelPath, key: Viewer, container: ContainerDep) -> ChannelPublic:
    return channel_public(container.channels.get(code))
