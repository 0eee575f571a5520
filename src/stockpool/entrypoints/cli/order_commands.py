"""`stockpool orders poll`: take a channel's orders from its platform now, as the sync worker
does every STOCKPOOL_ORDER_POLL_SECONDS."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from stockpool.domain.errors import PlatformUnavailable
from stockpool.entrypoints.cli.app import handled, orders_app, services
from stockpool.entrypoints.cli.output import console, errors


@orders_app.command("poll")
@handled
def poll(code: Annotated[str, typer.Argument(help="The channel's code, e.g. walmart.")]) -> None:
    """Poll a connected channel's platform once for the orders since its stored cursor: new
    ones are taken, cancelled and shipped ones followed, and the cursor moves on."""
    with services() as container:
        try:
            polled = container.platform_orders.poll_connected(code)
        except PlatformUnavailable as error:
            errors.print(f"[red]error:[/] {escape(str(error))}; try again later.", highlight=False)
            raise typer.Exit(1) from None
    noun = "order" if polled.orders == 1 else "orders"
    pages = "page" if polled.pages == 1 else "pages"
    console.print(
        f"{code}: {polled.orders} {noun} ({polled.new} new) in {polled.pages} {pages}.",
        highlight=False,
    )
    for reason in polled.refused:
        console.print(f"refused {escape(reason)}", highlight=False, soft_wrap=True)
    if polled.more:
        console.print("More are waiting: poll again.", highlight=False)
