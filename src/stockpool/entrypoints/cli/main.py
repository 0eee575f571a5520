"""`stockpool`: serve the API, migrate, manage keys, move stock, import and export, check.

Each command lives in the module of its area; importing them registers them on the app."""

from __future__ import annotations

from stockpool.entrypoints.cli import (
    admin_commands,
    alert_commands,
    backtest_commands,
    channel_commands,
    count_commands,
    data_commands,
    demo_commands,
    order_commands,
    return_commands,
    sim_commands,
    stock_commands,
    tune_commands,
)
from stockpool.entrypoints.cli.app import app, handled
from stockpool.entrypoints.cli.sandbox import sandbox

app.command()(handled(sandbox))

__all__ = [
    "admin_commands",
    "alert_commands",
    "app",
    "backtest_commands",
    "channel_commands",
    "count_commands",
    "data_commands",
    "demo_commands",
    "main",
    "order_commands",
    "return_commands",
    "sim_commands",
    "stock_commands",
    "tune_commands",
]


def main() -> None:
    app()
