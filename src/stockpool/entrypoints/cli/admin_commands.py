"""Running stockpool: serve, migrate, keys, check, the background workers, and why a channel
shows what it shows."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from stockpool.bootstrap import bootstrap
from stockpool.config import Settings
from stockpool.domain.access import parse_role
from stockpool.entrypoints.availability_view import document
from stockpool.entrypoints.cli.app import (
    app,
    availability_app,
    db_app,
    handled,
    invoked_as,
    keep_running,
    keys_app,
    progress_bar,
    ready,
    reservations_app,
    services,
)
from stockpool.entrypoints.cli.output import (
    availability_panel,
    console,
    errors,
)
from stockpool.entrypoints.periodic import refresher, sweeper


@app.command()
@handled
def serve(
    host: Annotated[str | None, typer.Option(help="Default: STOCKPOOL_HOST or 127.0.0.1.")] = None,
    port: Annotated[int | None, typer.Option(help="Default: STOCKPOOL_PORT or 8000.")] = None,
    workers: Annotated[
        int,
        typer.Option(min=1, max=64, help="Server processes (above 1: PostgreSQL only)."),
    ] = 1,
) -> None:
    """Serve the HTTP API (docs at /docs) and the dashboard (at /)."""
    import uvicorn

    from stockpool.entrypoints.api.app import create_app
    from stockpool.entrypoints.metrics import Metrics
    from stockpool.entrypoints.serving import serve_processes

    settings = Settings()
    host, port = host or settings.host, port or settings.port
    grace = settings.shutdown_grace_seconds  # see dashboard/live.py
    if workers > 1:
        serve_processes(host, port, workers, grace)
        return
    container = ready(Metrics())  # lives as long as the server; counts what /metrics shows
    if not container.keys.list():
        console.print(
            "[yellow]No API keys yet.[/] This terminal now serves; from another one, create a "
            f"key: {invoked_as()} keys create --role admin",
            soft_wrap=True,
        )
    uvicorn.run(create_app(container), host=host, port=port, timeout_graceful_shutdown=grace)


@app.command()
@handled
def worker() -> None:
    """Run the sync worker on its own (pushes, feeds, reconciliation, order polling) until
    Ctrl-C or SIGTERM; run any number of them, and serve with STOCKPOOL_WORKER=off."""
    import logging
    import signal

    from stockpool.entrypoints.metrics import Metrics
    from stockpool.entrypoints.worker import Worker, channel_jobs

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per platform call

    # Its counts reach /metrics through PROMETHEUS_MULTIPROC_DIR shared with the servers.
    with services(Metrics()) as container:
        running = Worker(container, channel_jobs(container))
        signal.signal(signal.SIGTERM, lambda *_: running.halt())
        signal.signal(signal.SIGINT, lambda *_: running.halt())
        console.print(f"Sync worker {running.name}: every connected channel; Ctrl-C stops.")
        running.run()


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


@reservations_app.command("sweep")
@handled
def reservations_sweep(
    every: Annotated[
        float | None,
        typer.Option(help="Keep sweeping, every this many seconds (a worker), until stopped."),
    ] = None,
) -> None:
    """Release every reservation past its expiry: its units go back to available."""
    with services() as container:
        if every is None:
            console.print(f"Released {container.reservations.sweep()} expired reservations.")
            return
        keep_running(sweeper(container.reservations.sweep, every), every, "Sweeping")


@app.command()
@handled
def why(
    sku: Annotated[str, typer.Argument(help="The SKU.")],
    channel: Annotated[str | None, typer.Argument(help="One channel (default: every one).")] = None,
) -> None:
    """Why a channel shows what it shows of a SKU: pool, demand, lag, buffer, limits, sync."""
    with services() as container:
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
    with services() as container:
        total = container.availability.count_skus()
        with progress_bar() as progress:
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
    with services() as container:
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
        keep_running(refresher(container.availability.refresh, every), every, "Refreshing")


@keys_app.command("create")
@handled
def keys_create(
    role: Annotated[str, typer.Option(help="viewer, operator or admin.")],
    name: Annotated[str, typer.Option(help="Who or what uses it.")] = "",
) -> None:
    """Create a key. The secret is printed once, alone on the last line."""
    with services() as container:
        key, secret = container.keys.create(parse_role(role), name)
    console.print(f"Created {key.role.value} key {key.id}. Store the secret now; it is not kept:")
    typer.echo(secret)


@keys_app.command("list")
@handled
def keys_list() -> None:
    """Every key: id, role, name, when created, when revoked."""
    table = Table("id", "role", "name", "created", "revoked")
    with services() as container:
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
    with services() as container:
        container.keys.revoke(key_id)
    console.print(f"Revoked {key_id}.")


@app.command()
@handled
def check(
    repair: Annotated[
        bool, typer.Option(help="Overwrite balances that differ from the ledger with its sums.")
    ] = False,
) -> None:
    """Rebuild every balance from the ledger, and compare committed and reserved with what
    orders and reservations hold; report differences (exit 1 if any)."""
    with services() as container:
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
