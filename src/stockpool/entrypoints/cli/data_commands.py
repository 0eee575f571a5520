"""Importing and exporting CSV files: all of a file, or nothing."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

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

R = TypeVar("R")


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
