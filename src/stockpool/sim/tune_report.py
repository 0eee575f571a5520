"""What `stockpool tune` found: a Rich table of the tuned policies beside the shipped default
on the same seeds, and the policy file, written exactly as `stockpool simulate --policy` reads
it, each channel's entry a body PUT /v1/channels/{code}/policy accepts."""

from __future__ import annotations

import json
from pathlib import Path

from rich.table import Table

from stockpool.domain.policies import Policy
from stockpool.sim.tune import Evaluation, Figures, Tuned, describe

PolicyFile = dict[str, dict[str, int | float]]


def policy_file(best: Evaluation) -> PolicyFile:
    """Channel code -> the policy's fields that are set. A channel left at the default gets
    {}: PUT replaces the whole policy, so {} puts the default back."""
    return {f.channel: _fields(f.policy) for f in best.channels}


def _fields(policy: Policy) -> dict[str, int | float]:
    return {name: value for name, value in policy.as_dict().items() if value is not None}


def write_policy_file(path: Path, best: Evaluation) -> None:
    path.write_text(json.dumps(policy_file(best), indent=2) + "\n", encoding="utf-8")


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.2f}%"


def _rate(figures: Figures) -> str:
    """The rate with its counts (and the bound held against the target, if any), red when
    over."""
    text = f"{_percent(figures.rate)} ({figures.cancellations}/{figures.orders})"
    if figures.judged != figures.rate:
        text += f" <= {_percent(figures.judged)}"
    return f"[red]{text}[/]" if figures.over() else text


def tune_table(tuned: Tuned) -> Table:
    """Per channel: the default's and the tuned policy's cancellation rate over the seeds
    (cancelled/orders) against the target, the tuned one's worst seed, and lost sales; then
    the totals."""
    seeds = len(tuned.seeds)
    table = Table(title=f"{tuned.scenario}: tuned vs the shipped default, over {seeds} seed(s)")
    table.add_column("channel")
    table.add_column("target", justify="right")
    table.add_column("default")
    table.add_column("cancelled", justify="right")
    table.add_column("lost sales", justify="right")
    table.add_column("tuned")
    table.add_column("cancelled", justify="right")
    table.add_column("worst seed", justify="right")
    table.add_column("lost sales", justify="right")
    for old, new in zip(tuned.default.channels, tuned.best.channels, strict=True):
        table.add_row(
            old.channel,
            _percent(old.target),
            describe(old.policy),
            _rate(old),
            str(old.lost_sales),
            describe(new.policy),
            _rate(new),
            _percent(new.worst_seed_rate),
            str(new.lost_sales),
        )
    default, best = tuned.default, tuned.best
    table.add_row(
        "[bold]all[/]",
        "",
        _verdict(default),
        str(default.cancellations()),
        f"[bold]{default.lost_sales()}[/]",
        _verdict(best),
        str(best.cancellations()),
        "",
        f"[bold]{best.lost_sales()}[/]",
        end_section=True,
    )
    return table


def _verdict(evaluation: Evaluation) -> str:
    return "[red]over target[/]" if evaluation.over() else "[green]under target[/]"
