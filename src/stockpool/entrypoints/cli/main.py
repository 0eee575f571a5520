"""`stockpool`: serve the API, migrate, manage keys, move stock, import and export, check."""

from __future__ import annotations

import functools
import getpass
import io
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from stockpool.bootstrap import Container, bootstrap
from stockpool.config import Settings
from stockpool.domain.access import parse_role
from stockpool.domain.errors import InvalidRequest, StockpoolError
from stockpool.domain.movements import MOVE_REASONS, parse_reason
from stockpool.domain.operations import (
    Adjust,
    Command,
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
from stockpool.entrypoints.availability_view import document
from stockpool.entrypoints.cli.output import (
    availability_panel,
    balance_table,
    console,
    errors,
    show_change,
)
from stockpool.entrypoints.cli.sandbox import sandbox
from stockpool.entrypoints.periodic import Periodic, refresher, sweeper

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
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")
app.add_typer(reservations_app, name="reservations")
app.add_typer(availability_app, name="availability")

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


app.command()(handled(sandbox))


def _ready() -> Container:
    """The wired services, from STOCKPOOL_* settings, on a database at the newest schema: every
    command but `db upgrade` refuses a missing or older one (and never creates it)."""
    container = bootstrap(Settings())
    try:
        container.database.require_current()
    except BaseException:
        container.close()
        raise
    return container


@contextmanager
def _services() -> Iterator[Container]:
    """The wired services for one command; closed afterwards."""
    container = _ready()
    try:
        yield container
    finally:
        container.close()


def _invoked_as() -> str:
    """stockpool as the person ran it (.venv/bin/stockpool after `make run`), for hints to paste."""
    ran = sys.argv[0] if sys.argv else ""
    return ran if Path(ran).name == "stockpool" else "stockpool"


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _execute(command: Command, key: str | None) -> None:
    with _services() as container:
        show_change(container.stock.execute(command, actor=_actor(), idempotency_key=key))


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )


@app.command()
@handled
def serve(
    host: Annotated[str | None, typer.Option(help="Default: STOCKPOOL_HOST or 127.0.0.1.")] = None,
    port: Annotated[int | None, typer.Option(help="Default: STOCKPOOL_PORT or 8000.")] = None,
) -> None:
    """Serve the HTTP API (docs at /docs)."""
    import uvicorn

    from stockpool.entrypoints.api.app import create_app

    container = _ready()  # lives as long as the server
    if not container.keys.list():
        console.print(
            "[yellow]No API keys yet.[/] This terminal now serves; from another one, create a "
            f"key: {_invoked_as()} keys create --role admin",
            soft_wrap=True,
        )
    settings = container.settings
    uvicorn.run(create_app(container), host=host or settings.host, port=port or settings.port)


@db_app.command("upgrade")
@handled
def db_upgrade() -> None:
    """Apply every migration the database does not have yet (creating a SQLite file)."""
    container = bootstrap(Settings())
    try:
        container.database.upgrade()
        console.print(f"Database at schema {container.database.current_revision()}.")
    finally:
        container.close()


def _keep_running(job: Periodic, every: float, doing: str) -> None:
    """Run a background job in the foreground, as a worker, until Ctrl-C."""
    if every <= 0:
        raise InvalidRequest("--every must be more than 0 seconds.")
    console.print(f"{doing} every {every:g} s; Ctrl-C stops.")
    try:
        job.run_forever()
    except KeyboardInterrupt:
        job.stop()


@reservations_app.command("sweep")
@handled
def reservations_sweep(
    every: Annotated[
        float | None,
        typer.Option(help="Keep sweeping, every this many seconds (a worker), until stopped."),
    ] = None,
) -> None:
    """Release every reservation past its expiry: its units go back to available."""
    with _services() as container:
        if every is None:
            console.print(f"Released {container.reservations.sweep()} expired reservations.")
            return
        _keep_running(sweeper(container.reservations.sweep, every), every, "Sweeping")


@app.command()
@handled
def why(
    sku: Annotated[str, typer.Argument(help="The SKU.")],
    channel: Annotated[str | None, typer.Argument(help="One channel (default: every one).")] = None,
) -> None:
    """Why a channel shows what it shows of a SKU: pool, demand, lag, buffer, limits, sync."""
    with _services() as container:
        found = container.availability.explain(sku, channel)
    for explained in document(found)["channels"]:
        console.print(availability_panel(sku, explained))


@availability_app.command("recompute")
@handled
def availability_recompute(
    chunk: Annotated[int, typer.Option(help="SKUs per transaction.", min=1, max=50_000)] = 2_000,
) -> None:
    """Decide every SKU's numbers again (after changing defaults, or to catch up on demand that
    decayed); only the numbers that changed are written and queued for a push."""
    with _services() as container:
        total = container.availability.count_skus()
        with _progress() as progress:
            task = progress.add_task("Recomputing", total=max(total, 1))
            done = container.availability.recompute_all(
                chunk=chunk, progress=lambda n: progress.update(task, completed=n)
            )
            progress.update(task, completed=max(total, 1))
    console.print(f"Recomputed {done.skus} SKUs: {done.changed} changed.")


@availability_app.command("refresh")
@handled
def availability_refresh(
    every: Annotated[
        float | None,
        typer.Option(help="Keep refreshing, every this many seconds (a worker), until stopped."),
    ] = None,
) -> None:
    """Judge every channel's sync health, then recompute (what the server does every
    STOCKPOOL_AVAILABILITY_REFRESH_SECONDS)."""
    with _services() as container:
        if every is None:
            health = container.availability.judge_health()
            for code, verdict in sorted(health.items()):
                line = f"{code}: {verdict.status}"
                console.print(
                    line + (f" ({'; '.join(verdict.reasons)})" if verdict.reasons else "")
                )
            done = container.availability.recompute_all()
            console.print(f"Recomputed {done.skus} SKUs: {done.changed} changed.")
            return
        _keep_running(refresher(container.availability.refresh, every), every, "Refreshing")


@keys_app.command("create")
@handled
def keys_create(
    role: Annotated[str, typer.Option(help="viewer, operator or admin.")],
    name: Annotated[str, typer.Option(help="Who or what uses it.")] = "",
) -> None:
    """Create a key. The secret is printed once, alone on the last line."""
    with _services() as container:
        key, secret = container.keys.create(parse_role(role), name)
    console.print(f"Created {key.role.value} key {key.id}. Store the secret now; it is not kept:")
    typer.echo(secret)


@keys_app.command("list")
@handled
def keys_list() -> None:
    """Every key: id, role, name, when created, when revoked."""
    table = Table("id", "role", "name", "created", "revoked")
    with _services() as container:
        keys = container.keys.list()
    for key in keys:
        table.add_row(
            key.id,
            key.role.value,
            key.name,
            key.created_at.isoformat(timespec="seconds"),
            key.revoked_at.isoformat(timespec="seconds") if key.revoked_at else "",
        )
    console.print(table)


@keys_app.command("revoke")
@handled
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key's id (key_...).")]) -> None:
    """Revoke a key: it stops working at once."""
    with _services() as container:
        container.keys.revoke(key_id)
    console.print(f"Revoked {key_id}.")


@app.command()
@handled
def stock(sku: str) -> None:
    """A SKU's stock per location and state, with totals."""
    with _services() as container:
        result = container.catalog.stock(sku)
    rows = [*result.locations.items(), ("total", result.totals)]
    console.print(balance_table(f"Stock of {sku}", rows))


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
    _execute(command, key)


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
    _execute(command, key)


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
    _execute(command, key)


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
    _execute(command, key)


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
    _execute(Count(location, tuple(lines), reference), key)


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
    _execute(SetSafetyStock(sku, location, quantity, reference), key)


def _open(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidRequest(f"No file {path}.") from None
    except UnicodeDecodeError as error:
        raise InvalidRequest(f"{path} is not UTF-8 text: {error}") from None


def _import_with_progress(
    file: Path, run: Callable[[Container, io.StringIO, Callable[[int], None]], R]
) -> R:
    """Read file, then run an import of it with a progress bar over its rows."""
    text = _open(file)
    with _services() as container, _progress() as progress:
        task = progress.add_task(f"Importing {file.name}", total=max(text.count("\n") - 1, 1))
        result = run(
            container, io.StringIO(text), lambda done: progress.update(task, completed=done)
        )
        progress.update(task, completed=progress.tasks[0].total)
    return result


@import_app.command("skus")
@handled
def import_skus(file: Path) -> None:
    """Columns: sku, name, barcode."""
    summary = _import_with_progress(file, lambda c, rows, done: c.csv.import_skus(rows, done))
    console.print(f"Imported {summary.rows} SKUs ({summary.created} new).")


@import_app.command("locations")
@handled
def import_locations(file: Path) -> None:
    """Columns: code, kind, name, channels (a;b), priority, region."""
    summary = _import_with_progress(file, lambda c, rows, done: c.csv.import_locations(rows, done))
    console.print(f"Imported {summary.rows} locations ({summary.created} new).")


@import_app.command("stock")
@handled
def import_stock(file: Path) -> None:
    """Set levels: sku, location and a column per state (as export writes), or quantity[,state]."""
    summary = _import_with_progress(
        file,
        lambda c, rows, done: c.csv.import_stock(
            rows, actor=_actor(), reference=f"import:{file.name}", progress=done
        ),
    )
    console.print(f"Imported {summary.rows} rows: {summary.movements} ledger movements.")
    if summary.ignored_columns:
        console.print(
            f"Left alone: {', '.join(summary.ignored_columns)} (orders own reserved and "
            "committed; on_hand is derived)."
        )


@import_app.command("listings")
@handled
def import_listings(file: Path) -> None:
    """Columns: channel, channel_sku, sku, then inventory_item_id, location_id (Shopify),
    fulfillment_channel (Amazon), ship_node (Walmart)."""
    summary = _import_with_progress(
        file, lambda c, rows, done: c.listings.import_csv(rows, progress=done)
    )
    console.print(
        f"Imported {summary.rows} listings ({summary.created} new, {summary.remapped} re-mapped)."
    )


@export_app.command("stock")
@handled
def export_stock(file: Path) -> None:
    """Every balance: sku, location, each state, on_hand."""
    with _services() as container:
        total = container.csv.count_balances()
        with _progress() as progress, file.open("w", encoding="utf-8", newline="") as stream:
            task = progress.add_task(f"Exporting to {file.name}", total=total)
            written = container.csv.export_stock(
                stream, progress=lambda done: progress.update(task, completed=done)
            )
    console.print(f"Exported {written} balances to {file}.")


@app.command()
@handled
def check(
    repair: Annotated[
        bool, typer.Option(help="Overwrite balances that differ from the ledger with its sums.")
    ] = False,
) -> None:
    """Rebuild every balance from the ledger, and compare committed and reserved with what
    orders and reservations hold; report differences (exit 1 if any)."""
    with _services() as container:
        found = container.ledger.check(repair=repair)
    if not found:
        console.print("Balances match the ledger, the orders and the reservations.")
        return
    table = Table("sku", "location", "state", "expected", "by", "balance", title="Differences")
    for d in found:
        table.add_row(d.sku, d.location, d.state, str(d.expected), d.source, str(d.balance))
    console.print(table)
    repaired = [d for d in found if d.source == "ledger"] if repair else []
    if repaired:
        console.print(f"Repaired {len(repaired)} differences from the ledger.")
    left = len(found) - len(repaired)
    if left:
        errors.print(
            f"{left} differences between the balances and what the ledger, orders and "
            "reservations say (orders' and reservations' are never repaired automatically)."
        )
        raise typer.Exit(1)


def main() -> None:
    app()
