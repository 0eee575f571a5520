"""Outbound webhooks: subscribers told of alerts as they are raised and resolved, managed by
admins, each with its delivery log."""

from __future__ import annotations

from fastapi import APIRouter, status

from stockpool.domain.alerts import Kind
from stockpool.domain.subscribers import Delivery, NewSubscriber, Subscriber
from stockpool.entrypoints.api.deps import Admin, ContainerDep, Cursor, Limit, RowId, id_cursor
from stockpool.entrypoints.api.schemas.alerts import (
    DeliveryPage,
    DeliveryPublic,
    WebhookCreate,
    WebhookCreated,
    WebhookList,
    WebhookPublic,
)

router = APIRouter(prefix="/webhooks", tags=["alerts"])


def webhook_public(subscriber: Subscriber) -> WebhookPublic:
    wanted = subscriber.wanted
    return WebhookPublic(
        id=subscriber.id,
        url=wanted.url,
        kinds=[k.value for k in wanted.kinds] if wanted.kinds is not None else None,
        description=wanted.description,
        created_at=subscriber.created_at,
    )


def delivery_public(delivery: Delivery) -> DeliveryPublic:
    return DeliveryPublic.model_validate(delivery, from_attributes=True)


@router.post("", response_model=WebhookCreated, status_code=status.HTTP_201_CREATED)
def create_webhook(body: WebhookCreate, key: Admin, container: ContainerDep) -> WebhookCreated:
    """Register a subscriber; its signing secret is in this answer only."""
    kinds = tuple(Kind(k) for k in body.kinds) if body.kinds is not None else None
    wanted = NewSubscriber(body.url, kinds, body.description)
    created, secret = container.alerting.webhooks.register(wanted)
    return WebhookCreated(**webhook_public(created).model_dump(), secret=secret)


@router.get("", response_model=WebhookList)
def list_webhooks(key: Admin, container: ContainerDep) -> WebhookList:
    return WebhookList(items=[webhook_public(s) for s in container.alerting.webhooks.subscribers()])


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_webhook(webhook_id: RowId, key: Admin, container: ContainerDep) -> None:
    """Stop telling a subscriber; its pending deliveries are marked failed, its log stays."""
    container.alerting.webhooks.delete(webhook_id)


@router.get("/{webhook_id}/deliveries", response_model=DeliveryPage)
def list_deliveries(
    webhook_id: RowId,
    key: Admin,
    container: ContainerDep,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> DeliveryPage:
    """The subscriber's deliveries in the order queued: attempts, last answer, next attempt."""
    found = container.alerting.webhooks.deliveries(webhook_id, after=id_cursor(cursor), limit=limit)
    next_cursor = str(found[-1].id) if len(found) == limit else None
    return DeliveryPage(items=[delivery_public(d) for d in found], next_cursor=next_cursor)
