"""Webhooks the platforms send: outside /v1, authenticated by the platform's own signature, not
an API key. A delivery not signed by the platform is a 401 and writes nothing; one seen before
is a 200 that changes nothing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from stockpool.entrypoints.api.deps import ContainerDep

router = APIRouter()


class WebhookTaken(BaseModel):
    event_id: str
    orders: int = Field(description="Orders the delivery carried.")
    returns: int = Field(
        description="Returns it carried (a refund that restocked shipped units), each received "
        "into quality_control where its order shipped from."
    )
    replayed: bool = Field(description="Seen before: nothing was done this time.")
    refused: list[str] = Field(
        description="Orders and returns refused for good, and why (an unmapped SKU is also reported at "
        "GET /v1/channels/{code}/unmapped)."
    )


@router.post(
    "/webhooks/shopify/{channel}",
    response_model=WebhookTaken,
    tags=["webhooks"],
    responses={401: {"description": "Not signed by Shopify with the channel's webhook secret"}},
)
async def shopify_webhook(
    channel: Annotated[str, Path(description="The Shopify channel's code.")],
    request: Request,
    container: ContainerDep,
) -> WebhookTaken:
    """Orders created, updated and cancelled on Shopify, and refunds that restock (returns),
    verified by HMAC-SHA256 over the raw
    body with the channel's webhook_secret and taken once per X-Shopify-Event-Id."""
    body = await request.body()  # the raw bytes Shopify signed
    headers = dict(request.headers)
    taken = await run_in_threadpool(container.platform_orders.webhook, channel, headers, body)
    return WebhookTaken(
        event_id=taken.event_id,
        orders=taken.orders,
        returns=taken.returns,
        replayed=taken.replayed,
        refused=list(taken.refused),
    )
