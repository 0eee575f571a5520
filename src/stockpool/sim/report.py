"""The lab's results: a Rich table per run, and a CSV file with one row per strategy and
channel."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from rich.table import Table

from stockpool.sim.metrics import ChannelResult, RunResult

CSV_COLUMNS = (
    "strategy",
    "channel",
    "shoppers",
    "orders",
    "oversold_orders",
    "oversold_units",
    "oversold_at_picking",
    "cancellations",
    "cancellation_rate",
    "cancellation_target",
    "lost_sales",
    "lost_units",
    "fill_rate",
    "mean_share_shown",
)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f}%"


def results_table(title: str, results: Sequence[RunResult]) -> Table:
    """Per strategy and channel, then each strategy's total."""
    table = Table(title=title)
    table.add_column("strategy")
    table.add_column("channel")
    for name in ("orders", "oversold", "units", "at picking", "cancelled", "rate", "target"):
        table.add_column(name, justify="right")
    for name in ("lost sales", "fill rate", "share shown"):
        table.add_column(name, justify="right")
    for result in results:
        for row in result.channels:
            table.add_row(*_cells(row))
        table.add_row(
            f"[bold]{result.strategy}[/]",
            "[bold]all[/]",
            str(result.total("orders")),
            str(result.total("oversold_orders")),
            str(result.total("oversold_units")),
            str(result.total("oversold_at_picking")),
            str(result.total("cancellations")),
            "",
            "",
            str(result.total("lost_sales")),
            _percent(result.fill_rate()),
            "",
            end_section=True,
        )
    return table


def _cells(row: ChannelResult) -> list[str]:
    rate = _percent(row.cancellation_rate)
    if row.over_target():
        rate = f"[red]{rate}[/]"
    return [
        row.strategy,
        row.channel,
        str(row.orders),
        str(row.oversold_orders),
        str(row.oversold_units),
        str(row.oversold_at_picking),
        str(row.cancellations),
        rate,
        _percent(row.cancellation_target),
        str(row.lost_sales),
        _percent(row.fill_rate),
        _percent(row.mean_share_shown),
    ]


def write_csv(path: Path, results: Sequence[RunResult]) -> None:
    """One row per strategy and channel; rates as fractions."""
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(CSV_COLUMNS)
        for result in results:
            for row in result.channels:
                writer.writerow(
                    [
                        row.strategy,
                        row.channel,
                        row.shoppers,
                        row.orders,
                        row.oversold_orders,
                        row.oversold_units,
                        row.oversold_at_picking,
                        row.cancellations,
                        f"{row.cancellation_rate:.6f}",
                        "" if row.cancellation_target is None else row.cancellation_target,
                        row.lost_sales,
                        row.lost_units,
                        f"{row.fill_rate:.6f}",
                        f"{row.mean_share_shown:.6f}",
                    ]
                )
