"""`stockpool simulate`: the lab - strategies compared over a simulated scenario (stockpool.sim),
printed as a table and written as CSV or an HTML report. A bad scenario or policy file exits with code 2."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.markup import escape

from stockpool.entrypoints.cli.app import app, progress_bar
from stockpool.entrypoints.cli.output import console, errors
from stockpool.sim.compare import chosen_strategies, compare
from stockpool.sim.html_report import write_html
from stockpool.sim.report import results_table, write_csv
from stockpool.sim.run import Draws, draw
from stockpool.sim.scenario import LabError, Scenario, load_scenario, shipped_scenarios
from stockpool.sim.strategies import STRATEGIES, Strategy

LONG_RUN = 20_000  # shoppers over all strategies from which a progress bar is shown


@app.command("simulate")
def simulate(
    scenario: Annotated[
        str,
        typer.Argument(
            help=f"A shipped scenario ({', '.join(shipped_scenarios())}) or a YAML file."
        ),
    ],
    seed: Annotated[int, typer.Option(help="The run's seed: the same seed, the same run.")] = 1,
    csv_file: Annotated[
        Path | None,
        typer.Option("--csv", help="Also write one row per strategy and channel to this file."),
    ] = None,
    strategy: Annotated[
        list[str] | None,
        typer.Option(help=f"Only these strategies ({', '.join(STRATEGIES)}); repeatable."),
    ] = None,
    policy: Annotated[
        list[Path] | None,
        typer.Option(
            help="A policy file (YAML or JSON: channel -> the fields of "
            "PUT /v1/channels/{code}/policy), compared as a strategy of its own; repeatable."
        ),
    ] = None,
    html_file: Annotated[
        Path | None,
        typer.Option("--html", help="Also write a self-contained HTML report with charts."),
    ] = None,
    jobs: Annotated[
        int, typer.Option(min=1, max=64, help="Run this many strategies at a time, in processes.")
    ] = 1,
) -> None:
    """Simulate shoppers on every channel and compare strategies: oversold orders, seller
    cancellations against each marketplace's target, lost sales, fill rate."""
    try:
        loaded = load_scenario(scenario)
        strategies = chosen_strategies(loaded, strategy or [], policy or [])
    except LabError as error:
        fail(error)
    draws = draw(loaded, seed)
    title = f"{loaded.name}, seed {seed}: {len(draws.shoppers):,} shoppers per strategy"
    run_and_report(
        loaded, strategies, draws, jobs, title, f"{loaded.name}, seed {seed}", csv_file, html_file
    )


def fail(error: LabError) -> NoReturn:
    """A scenario, policy or input file the lab cannot use: its message, and exit code 2."""
    errors.print(f"[red]error:[/] {escape(error.message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(2) from None


def run_and_report(
    scenario: Scenario,
    strategies: list[Strategy],
    draws: Draws,
    jobs: int,
    title: str,
    label: str,
    csv_file: Path | None,
    html_file: Path | None,
) -> None:
    """Compare the strategies over the draws (a progress bar, labelled, when it is long), then
    print the table and write the files asked for."""
    total = len(draws.shoppers) * len(strategies)
    if total >= LONG_RUN:
        with progress_bar() as bar:
            task = bar.add_task(label, total=total)
            results = compare(
                scenario, strategies, draws.seed, lambda done: bar.advance(task, done), draws, jobs
            )
    else:
        results = compare(scenario, strategies, draws.seed, draws=draws, jobs=jobs)
    console.print(results_table(title, results))
    if csv_file is not None:
        write_csv(csv_file, results)
        console.print(f"Wrote {csv_file}.")
    if html_file is not None:
        write_html(html_file, title, results)
        console.print(f"Wrote {html_file}.")
