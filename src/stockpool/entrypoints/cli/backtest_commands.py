"""`stockpool backtest`: a real order history replayed through the lab (stockpool.sim.backtest)
from a starting stock, each strategy judged as `stockpool simulate` judges it, with the same
table, CSV and HTML report. A bad file or option exits with code 2, naming file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from stockpool.entrypoints.cli.app import app
from stockpool.entrypoints.cli.output import console
from stockpool.entrypoints.cli.sim_commands import fail, run_and_report
from stockpool.sim.backtest import DEFAULT_BASE, Backtest, backtest, base_scenario, channel_names
from stockpool.sim.compare import chosen_strategies
from stockpool.sim.history import layout, read_orders, read_stock
from stockpool.sim.scenario import LabError
from stockpool.sim.strategies import STRATEGIES

FORMAT_HELP = (
    "The export's columns. plain: time, sku, quantity, channel. shopify (Orders > Export): "
    "'Created at', 'Lineitem sku', 'Lineitem quantity', every line on the scenario's Shopify "
    "channel. amazon (the All Orders report, tab-separated): 'purchase-date', 'sku', "
    "'quantity', on its Amazon channel (for one line per marketplace, add --columns "
    "channel=sales-channel and map each with --channel). walmart (Seller Center's order "
    "download): 'Order Date', 'SKU', 'Qty', on its Walmart channel - check these against "
    "your own file, Walmart's downloads vary; --columns names any other."
)

Orders = Annotated[
    Path, typer.Argument(help="The order history: one row per order line (CSV or TSV).")
]
Stock = Annotated[
    Path,
    typer.Option(
        help="The stock when the history starts: columns sku, quantity and optionally "
        "location (else the scenario's first). A SKU ordered but not listed starts at 0."
    ),
]
BaseScenario = Annotated[
    str | None,
    typer.Option(
        "--scenario",
        help="A shipped scenario or YAML file whose channels (platform, delays, outages as "
        "hours from the first order) and locations are used; its demand, returns, "
        f"shrinkage and purchase orders are not. Default: {DEFAULT_BASE}'s channels "
        "(shopify, amazon, walmart), without its outage.",
    ),
]
Preset = Annotated[str, typer.Option("--format", help=FORMAT_HELP)]
Columns = Annotated[
    str | None,
    typer.Option(
        help="Which column holds each field, over the --format's: "
        "channel=COL,sku=COL,quantity=COL,time=COL (any of them)."
    ),
]
ChannelNames = Annotated[
    list[str] | None,
    typer.Option(
        "--channel",
        help="NAME=CODE: orders whose channel column says NAME are on the scenario's "
        "channel CODE (e.g. 'Online Store=shopify'); repeatable. A name that is a "
        "channel code, in any case, needs none.",
    ),
]
Strategies = Annotated[
    list[str] | None,
    typer.Option(
        "--strategy", help=f"Only these strategies ({', '.join(STRATEGIES)}); repeatable."
    ),
]
Policies = Annotated[
    list[Path] | None,
    typer.Option(
        "--policy",
        help="A policy file (YAML or JSON: channel -> the fields of "
        "PUT /v1/channels/{code}/policy), compared as a strategy of its own; repeatable.",
    ),
]
CsvFile = Annotated[
    Path | None,
    typer.Option("--csv", help="Also write one row per strategy and channel to this file."),
]
HtmlFile = Annotated[
    Path | None,
    typer.Option("--html", help="Also write a self-contained HTML report with charts."),
]
Jobs = Annotated[
    int, typer.Option(min=1, max=64, help="Run this many strategies at a time, in processes.")
]
Seed = Annotated[int, typer.Option(help="The delays' seed: the same seed, the same run.")]


@app.command("backtest")
def backtest_command(
    orders: Orders,
    stock: Stock,
    scenario: BaseScenario = None,
    preset: Preset = "plain",
    columns: Columns = None,
    channel: ChannelNames = None,
    seed: Seed = 1,
    strategy: Strategies = None,
    policy: Policies = None,
    csv_file: CsvFile = None,
    html_file: HtmlFile = None,
    jobs: Jobs = 1,
) -> None:
    """Replay a real order history from a starting stock and compare strategies, as simulate
    does.

    Every order line is a shopper at its time, on its channel, ordering against what that
    channel shows then (shown less than it wants: a lost sale). Numbers are decided by the
    production code and reach each channel after the scenario's delays, as in `stockpool
    simulate`; no returns, shrinkage or purchase orders are simulated. Each SKU's demand a day
    is measured over the whole history (hindsight the live service does not have).

    Times: ISO 8601 (2026-03-01T14:05:00+00:00, with or without an offset), Shopify's
    2026-03-01 14:05:00 -0500, or 03/01/2026 14:05 (month first); a time without an offset is
    read as UTC, a date alone as its midnight. The replay starts at the first order."""
    try:
        base = base_scenario(scenario)
        history = read_orders(orders, layout(preset, columns))
        names = channel_names(channel or [], base)
        run = backtest(history, read_stock(stock), str(stock), base, names, seed)
        strategies = chosen_strategies(run.scenario, strategy or [], policy or [])
    except LabError as error:
        fail(error)
    if run.skipped:
        lines = "line" if run.skipped == 1 else "lines"
        console.print(f"Skipped {run.skipped} {lines} of {orders} without a SKU or units.")
    title = _title(orders, run, base.name)
    run_and_report(
        run.scenario, strategies, run.draws, jobs, title, orders.name, csv_file, html_file
    )


def _title(orders: Path, run: Backtest, base: str) -> str:
    return (
        f"backtest of {orders.name} from {run.start:%Y-%m-%d %H:%M %Z}: {run.orders:,} order "
        f"lines over {run.days:.1f} days, {len(run.skus):,} SKUs, channels of {base}"
    )
