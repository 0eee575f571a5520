"""`stockpool returns ...`: open a return into quality_control, inspect it, see the QC queue."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from stockpool.domain.errors import InvalidRequest
from stockpool.domain.returns import Inspection, NewReturn, ReturnStatus, parse_disposition
from stockpool.entrypoints.cli.app import IdemKey, actor, handled, returns_app, services
from stockpool.entrypoints.cli.output import console
from stockpool.services.returns import Returned, ReturnView


def _lines(items: list[str]) -> tuple[tuple[str, int], ...]:
    lines = []
    for item in items:
        sku, sep, units = item.partition("=")
        if not sep or not units.strip().isdigit():
            raise InvalidRequest(f"{item!r}: write each line as SKU=QTY, e.g. TEE-M=2.")
        lines.append((sku.strip(), int(units)))
    return tuple(lines)


def _status(value: str | None) -> ReturnStatus | None:
    if value is None:
        return None
    try:
        return ReturnStatus(value)
    except ValueError:
        names = ", ".join(s.value for s in ReturnStatus)
        raise InvalidRequest(f"--status must be one of {names} (got {value!r}).") from None


def _show(view: ReturnView) -> None:
    found = view.found
    flag = " [red]overdue[/]" if view.overdue else ""
    reported = (
        f" (the platform's return {escape(found.platform_return_id)})"
        if found.platform_return_id
        else ""
    )
    console.print(
        f"Return {found.id}{reported}: order {escape(found.external_id)} from {found.channel} at "
        f"{found.location}, {found.status.value}{flag}, {found.awaiting} awaiting inspection "
        f"({int(view.age.total_seconds())} s old); reason: {escape(found.reason)}",
        highlight=False,
        soft_wrap=True,
    )
    table = Table("sku", "returned", "inspected", "awaiting")
    for line in found.lines:
        table.add_row(line.sku, str(line.quantity), str(line.inspected), str(line.awaiting))
    console.print(table)
    for i in found.inspections:
        reference = f" ({escape(i.reference)})" if i.reference else ""
        console.print(
            f"inspected {i.quantity} {i.sku}: {i.disposition.value}{reference} by {i.actor}",
            highlight=False,
        )


def _answer(returned: Returned) -> None:
    if returned.replayed:
        console.print("[yellow]Replayed:[/] this idempotency key was used before; nothing written.")
    _show(returned.view)


@returns_app.command("open")
@handled
def open_return(
    channel: Annotated[str, typer.Option(help="The channel the order came from.")],
    order: Annotated[str, typer.Option(help="The channel's order id.")],
    location: Annotated[str, typer.Option(help="Where the units arrived.")],
    line: Annotated[list[str], typer.Option(help="SKU=QTY, once per SKU returned.")],
    reason: Annotated[str, typer.Option(help="Why the buyer sent it back.")],
    key: IdemKey = None,
) -> None:
    """Receive units a buyer sent back into quality_control, against the order they shipped on."""
    new = NewReturn(channel, order, location, _lines(line), reason)
    with services() as container:
        _answer(container.returns.open(new, actor=actor(), idempotency_key=key))


@returns_app.command("inspect")
@handled
def inspect(
    return_id: Annotated[int, typer.Argument(help="The return's id.")],
    sku: Annotated[str, typer.Option(help="The SKU inspected.")],
    quantity: Annotated[int, typer.Option(help="Units inspected.")],
    disposition: Annotated[
        str, typer.Option(help="restock, damaged, dispose or return_to_vendor.")
    ],
    reference: Annotated[
        str | None, typer.Option(help="The vendor's RMA (needed for return_to_vendor).")
    ] = None,
    key: IdemKey = None,
) -> None:
    """Inspect units of a return: to available, to damaged, or out of stock."""
    inspection = Inspection(sku, quantity, parse_disposition(disposition), reference)
    with services() as container:
        _answer(
            container.returns.inspect(return_id, inspection, actor=actor(), idempotency_key=key)
        )


@returns_app.command("show")
@handled
def show(return_id: Annotated[int, typer.Argument(help="The return's id.")]) -> None:
    """A return, its lines and every inspection."""
    with services() as container:
        _show(container.returns.get(return_id))


@returns_app.command("list")
@handled
def list_returns(
    status: Annotated[
        str | None, typer.Option(help="awaiting_inspection (the QC queue) or inspected.")
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many, oldest first.")] = 100,
) -> None:
    """Returns oldest first, with their age and whether they are overdue for inspection."""
    with services() as container:
        found = container.returns.listed(_status(status), limit=limit)
    table = Table("id", "order", "channel", "location", "status", "awaiting", "age (h)", "overdue")
    for view in found:
        r = view.found
        table.add_row(
            str(r.id),
            escape(r.external_id),
            r.channel,
            r.location,
            r.status.value,
            str(r.awaiting),
            f"{view.age.total_seconds() / 3600:.1f}",
            "yes" if view.overdue else "",
        )
    console.print(table)
