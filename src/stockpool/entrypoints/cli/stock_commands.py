"""Stock commands: see a SKU's stock, receive, adjust, move, transfer, count, hold safety stock."""

from __future__ import annotations

from typing import Annotated

import typer

from stockpool.domain.errors import InvalidRequest
from stockpool.domain.movements import MOVE_REASONS, parse_reason
from stockpool.domain.operations import (
    Adjust,
    Count,
    CountLine,
    Move,
    Receive,
    SetSafetyStock,
    Transfer,
)
from stockpool.domain.states import (
    ADJUSTABLE_STATES,
    MANUAL_STATES,
    RECEIVABLE_STATES,
    parse_state,
)
from stockpool.entrypoints.cli.app import (
    IdemKey,
    Reference,
    app,
    execute,
    handled,
    services,
)
from stockpool.entrypoints.cli.output import (
    balance_table,
    console,
)


@app.command()
@handled
def stock(sku: str) -> None:
    """A SKU's stock per location and state, with totals, and its settings."""
    with services() as container:
        result = container.catalog.stock(sku)
        found = container.catalog.get_sku(sku)
    rows = [*result.locations.items(), ("total", result.totals)]
    console.print(balance_table(f"Stock of {sku}", rows))
    cost = "not priced" if found.unit_cost is None else str(found.unit_cost)
    restock = "yes" if found.restock_on_receipt else "no (QC inspects them)"
    console.print(f"unit cost: {cost}; returns restocked on receipt: {restock}", highlight=False)


@app.command()
@handled
def receive(
    sku: str,
    location: str,
    quantity: int,
    state: Annotated[str, typer.Option(help="available or quality_control.")] = "available",
    from_incoming: Annotated[
        bool, typer.Option(help="Receive units that were incoming here.")
    ] = False,
    reference: Reference = None,
    key: IdemKey = None,
) -> None:
    """Goods arrive at a location."""
    command = Receive(
        sku, location, quantity, parse_state(state, RECEIVABLE_STATES), from_incoming, reference
    )
    execute(command, key)


@app.command(context_settings={"ignore_unknown_options": True})
@handled
def adjust(
    sku: str,
    location: str,
    quantity: Annotated[int, typer.Argument(help="Positive adds, negative removes (e.g. -2).")],
    reason: Annotated[str, typer.Option(help="shrinkage, found, damage, write_off, correction...")],
    state: Annotated[str, typer.Option(help="The state adjusted.")] = "available",
    reference: Reference = None,
    key: IdemKey = None,
) -> None:
    """A signed correction with a reason."""
    command = Adjust(
        sku,
        location,
        quantity,
        parse_reason(reason),
        parse_state(state, ADJUSTABLE_STATES),
        reference,
    )
    execute(command, key)


@app.command()
@handled
def move(
    sku: str,
    location: str,
    quantity: int,
    from_state: Annotated[
        str, typer.Option("--from", help="available, quality_control, damaged, safety_stock.")
    ],
    to_state: Annotated[
        str, typer.Option("--to", help="available, quality_control, damaged, safety_stock.")
    ],
    reason: Annotated[str | None, typer.Option(help="Defaults from the states.")] = None,
    reference: Reference = None,
    key: IdemKey = None,
) -> None:
    """Units change state at one location."""
    command = Move(
        sku,
        location,
        quantity,
        parse_state(from_state, MANUAL_STATES, field="--from"),
        parse_state(to_state, MANUAL_STATES, field="--to"),
        parse_reason(reason, MOVE_REASONS) if reason else None,
        reference,
    )
    execute(command, key)


@app.command()
@handled
def transfer(
    sku: str,
    from_location: str,
    to_location: str,
    quantity: int,
    state: Annotated[str, typer.Option(help="The state the units leave.")] = "available",
    reference: Reference = None,
    key: IdemKey = None,
) -> None:
    """Units leave one location now and are incoming at the other until received."""
    command = Transfer(
        sku, from_location, to_location, quantity, parse_state(state, MANUAL_STATES), reference
    )
    execute(command, key)


@app.command()
@handled
def count(
    location: str,
    counts: Annotated[list[str], typer.Argument(help="SKU=COUNTED, one per SKU counted.")],
    reference: Reference = None,
    key: IdemKey = None,
) -> None:
    """A cycle count: what is on hand per SKU; the variance is posted to the ledger."""
    lines = []
    for item in counts:
        sku, sep, counted = item.partition("=")
        if not sep or not counted.strip().lstrip("-").isdigit():
            raise InvalidRequest(f"{item!r}: write each count as SKU=COUNTED, e.g. TEE-M=12.")
        lines.append(CountLine(sku.strip(), int(counted)))
    execute(Count(location, tuple(lines), reference), key)


@app.command("safety-stock")
@handled
def safety_stock(
    sku: str,
    location: str,
    quantity: Annotated[int, typer.Argument(help="Units to hold back (0 releases them).")],
    reference: Reference = None,
    key: IdemKey = None,
) -> None:
    """Hold back exactly QUANTITY units at a location."""
    execute(SetSafetyStock(sku, location, quantity, reference), key)
