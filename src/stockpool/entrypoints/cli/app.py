"""The `stockpool` command: its Typer apps, and what every command shares - wired services on a
migrated database, the actor, progress bars, domain errors turned into exit code 1."""

from __future__ import annotations

import functools
import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from stockpool.bootstrap import Container, bootstrap
from stockpool.config import Settings
from stockpool.domain.errors import InvalidRequest, StockpoolError
from stockpool.domain.operations import (
    Command,
)
from stockpool.entrypoints.cli.output import (
    console,
    errors,
    show_change,
)
from stockpool.entrypoints.periodic import Periodic
from stockpool.services.ports.observer import Observer

P = ParamSpec("P")
R = TypeVar("R")

app = typer.Typer(
    help="stockpool: one pool of physical stock, promised safely to every sales channel.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
import_app = typer.Typer(help="Import a CSV file: all of it, or nothing.", no_args_is_help=True)
export_app = typer.Typer(help="Export to a CSV file.", no_args_is_help=True)
reservations_app = typer.Typer(help="Stock held for checkouts.", no_args_is_help=True)
availability_app = typer.Typer(help="What each channel may show.", no_args_is_help=True)
channels_app = typer.Typer(help="Sales channels and how to reach them.", no_args_is_help=True)
orders_app = typer.Typer(help="Orders the platforms report.", no_args_is_help=True)
returns_app = typer.Typer(
    help="Returns: received into quality_control, inspected out of it.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
app.add_typer(reservations_app, name="reservations")
app.add_typer(availability_app, name="availability")
app.add_typer(channels_app, name="channels")
app.add_typer(orders_app, name="orders")
app.add_typer(returns_app, name="returns")

Reference = Annotated[str | None, typer.Option(help="Your document: PO, RMA, count sheet...")]
IdemKey = Annotated[
    str | None,
    typer.Option("--key", help="Idempotency key: running the same command again changes nothing."),
]


def handled(command: Callable[P, R]) -> Callable[P, R]:
    """Turn a domain error into a message on stderr and exit code 1, at the edge only."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except StockpoolError as error:
            # soft_wrap: a long one-line message stays one line (a path in it must not break);
            # escape: a message is text, not Rich markup ([...] in it would vanish).
            errors.print(f"[red]error:[/] {escape(error.message)}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None

    return run


def ready(observer: Observer | None = None) -> Container:
    """The wired services, from STOCKPOOL_* settings, on a database at the newest schema: every
    command but `db upgrade` refuses a missing or older one (and never creates it)."""
    container = bootstrap(Settings(), observer=observer)
    try:
        container.database.require_current()
    except BaseException:
        container.close()
        raise
    return container


@contextmanager
def services(observer: Observer | None = None) -> Iterator[Container]:
    """The wired services for one command; closed afterwards."""
    container = ready(observer)
    try:
        yield container
    finally:
        container.close()


def invoked_as() -> str:
    """stockpool as the person ran it (.venv/bin/stockpool after `make run`), for hints to paste."""
    ran = sys.argv[0] if sys.argv else ""
    return ran if Path(ran).name == "stockpool" else "stockpool"


def actor() -> str:
    return f"cli:{getpass.getuser()}"


def execute(command: Command, key: str | None) -> None:
    with services() as container:
        show_change(container.stock.execute(command, actor=actor(), idempotency_key=key))


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


def keep_running(job: Periodic, every: float, doing: str) -> None:
    """Run a background job in the foreground, as a worker, until Ctrl-C."""
    if every <= 0:
        raise InvalidRequest("--every must be more than 0 seconds.")
    console.print(f"{doing} every {every:g} s; Ctrl-C stops.")
    try:
        job.run_forever()
    except KeyboardInterrupt:
        job.stop()
