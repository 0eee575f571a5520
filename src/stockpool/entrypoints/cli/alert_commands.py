"""`stockpool alerts ...` and `stockpool webhooks ...`: the alerts raised, and the subscribers
told of them, as GET /v1/alerts and /v1/webhooks have them (the same service calls)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from stockpool.domain.alerts import Kind
from stockpool.domain.subscribers import NewSubscriber
from stockpool.entrypoints.cli.app import app, handled, services
from stockpool.entrypoints.cli.output import console

alerts_app = typer.Typer(help="Alerts: what needs a person's attention.", no_args_is_help=True)
webhooks_app = typer.Typer(
    help="Webhook subscribers told of alerts as they are raised and resolved.",
    no_args_is_help=True,
)
app.add_typer(alerts_app, name="alerts")
app.add_typer(webhooks_app, name="webhooks")

Limit = Annotated[int, typer.Option(help="At most this many rows (1 to 1000), oldest first.")]
WebhookId = Annotated[int, typer.Argument(help="The subscriber's id (stockpool webhooks list).")]


class Shown(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    ALL = "all"


def _when(at: datetime | None) -> str:
    return at.isoformat(timespec="seconds") if at else ""


@alerts_app.command("list")
@handled
def alerts_list(
    status: Annotated[Shown, typer.Option(help="Open ones, resolved ones, or all.")] = Shown.OPEN,
    kind: Annotated[Kind | None, typer.Option(help="Only alerts of this kind.")] = None,
    limit: Limit = 100,
) -> None:
    """Alerts in the order raised: kind, severity, subject, what to do, raised, resolved."""
    chosen = None if status == Shown.ALL else status.value
    with services() as container:
        found = container.alerting.alerts.list(
            kind=kind.value if kind else None, status=chosen, limit=limit
        )
    table = Table("id", "kind", "severity", "subject", "message", "raised", "resolved")
    for stored in found:
        alert = stored.alert
        table.add_row(
            str(stored.id),
            alert.kind.value,
            alert.severity,
            escape(alert.subject),
            escape(alert.message),
            _when(stored.raised_at),
            _when(stored.resolved_at),
        )
    console.print(table)


@webhooks_app.command("add")
@handled
def webhooks_add(
    url: Annotated[str, typer.Argument(help="The http(s) address events are POSTed to.")],
    kinds: Annotated[
        list[Kind] | None,
        typer.Option("--kind", help="Only alerts of this kind; repeat for more (default: all)."),
    ] = None,
    description: Annotated[str, typer.Option(help="What it is, for the list.")] = "",
) -> None:
    """Register a subscriber. Its signing secret is printed once, alone on the last line."""
    wanted = NewSubscriber(url, tuple(kinds) if kinds else None, description)
    with services() as container:
        added, secret = container.alerting.webhooks.register(wanted)
    console.print(
        f"Registered webhook {added.id} for {escape(url)}. Store its signing secret now; it is "
        "not shown again:",
        highlight=False,
        soft_wrap=True,
    )
    typer.echo(secret)


@webhooks_app.command("list")
@handled
def webhooks_list() -> None:
    """Every subscriber: id, address, the alert kinds it wants, description, when added."""
    with services() as container:
        found = container.alerting.webhooks.subscribers()
    table = Table("id", "url", "kinds", "description", "created")
    for subscriber in found:
        wanted = subscriber.wanted
        kinds = ", ".join(k.value for k in wanted.kinds) if wanted.kinds is not None else "all"
        table.add_row(
            str(subscriber.id),
            escape(wanted.url),
            kinds,
            escape(wanted.description),
            _when(subscriber.created_at),
        )
    console.print(table)


@webhooks_app.command("remove")
@handled
def webhooks_remove(webhook_id: WebhookId) -> None:
    """Stop telling a subscriber: its pending deliveries are marked failed, its log stays."""
    with services() as container:
        container.alerting.webhooks.delete(webhook_id)
    console.print(f"Removed webhook {webhook_id}.")


@webhooks_app.command("deliveries")
@handled
def webhooks_deliveries(webhook_id: WebhookId, limit: Limit = 100) -> None:
    """A subscriber's deliveries in the order queued: attempts, last answer, next attempt."""
    with services() as container:
        found = container.alerting.webhooks.deliveries(webhook_id, limit=limit)
    table = Table(
        "id", "event", "alert", "status", "attempts", "last answer", "next attempt", "delivered",
        title=f"webhook {webhook_id}",
    )  # fmt: skip
    for d in found:
        answer = str(d.last_status_code) if d.last_status_code is not None else ""
        if d.last_error:
            answer = f"{answer} {escape(d.last_error)}".strip()
        table.add_row(
            str(d.id), d.event, str(d.alert_id), d.status, str(d.attempts), answer,
            _when(d.next_attempt_at), _when(d.delivered_at),
        )  # fmt: skip
    console.print(table)
