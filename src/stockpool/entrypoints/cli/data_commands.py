"""Importing and exporting CSV files: all of a file, or nothing."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from stockpool.bootstrap import Container
from stockpool.domain.errors import InvalidRequest
from stockpool.entrypoints.cli.app import (
    actor,
    export_app,
    handled,
    import_app,
    progress_bar,
    services,
)
from stockpool.entrypoints.cli.output import (
    console,
)
from stockpool.services.snapshots import read_snapshot

R = TypeVar("R")

VARIANCES_SHOWN = 20  # SKUs a snapshot import lists by name; the ledger has them all


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
    with services() as container, progress_bar() as progress:
        task = progress.add_task(f"Importing {file.name}", total=max(text.count("\n") - 1, 1))
        result = run(
            container, io.StringIO(text), lambda done: progress.update(task, completed=done)
        )
        progress.update(task, completed=progress.tasks[0].total)
    return result


@import_app.command("skus")
@handled
def import_skus(file: Path) -> None:
    """Columns: sku, name, barcode, restock_on_receipt (true/false), unit_cost (e.g. 12.50)."""
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
            rows, actor=actor(), reference=f"import:{file.name}", progress=done
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


def _moment(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise InvalidRequest(
            f"--as-of must be an ISO 8601 time with its offset, e.g. 2026-06-01T06:00:00Z "
            f"(got {text!r})."
        ) from None


@import_app.command("snapshot")
@handled
def import_snapshot(
    location: str,
    file: Path,
    as_of: Annotated[str, typer.Option("--as-of", help="When the 3PL took it (ISO 8601).")],
    reference: Annotated[str, typer.Option(help="The 3PL's file or report id.")],
    partial: Annotated[
        bool, typer.Option(help="Reconcile only the SKUs listed (else unlisted ones are 0).")
    ] = False,
) -> None:
    """A 3PL's stock at a time: sku, on_hand[, quality_control, damaged, safety_stock]. The
    difference from the ledger as of then is posted (reason snapshot_reconcile)."""
    moment = _moment(as_of)
    done = _import_with_progress(
        file,
        lambda c, rows, progress: c.snapshots.apply(
            read_snapshot(
                rows, location=location, reference=reference, as_of=moment, partial=partial
            ),
            actor=actor(),
            progress=progress,
        ),
    )
    applied = done.snapshot
    if done.replayed:
        console.print(f"Snapshot {applied.reference} was applied before; nothing changed.")
        return
    console.print(
        f"Applied snapshot {applied.reference} at {applied.location}: {applied.rows} rows, "
        f"{applied.movements} ledger movements."
    )
    differing = [line for line in applied.result["lines"] if line["variance"]]
    for line in differing[:VARIANCES_SHOWN]:
        console.print(
            f"  {line['sku']}: ledger {line['expected']}, reported {line['reported']} "
            f"({line['variance']:+d})"
        )
    if len(differing) > VARIANCES_SHOWN:
        console.print(
            f"  ... and {len(differing) - VARIANCES_SHOWN} more (GET the ledger by reference)."
        )


@export_app.command("stock")
@handled
def export_stock(file: Path) -> None:
    """Every balance: sku, location, each state, on_hand."""
    with services() as container:
        total = container.csv.count_balances()
        with progress_bar() as progress, file.open("w", encoding="utf-8", newline="") as stream:
            task = progress.add_task(f"Exporting to {file.name}", total=total)
            written = container.csv.export_stock(
                stream, progress=lambda done: progress.update(task, completed=done)
            )
    console.print(f"Exported {written} balances to {file}.")
