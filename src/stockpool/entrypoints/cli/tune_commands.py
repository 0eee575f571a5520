"""`stockpool tune`: search each channel's availability policy, in the lab (stockpool.sim.tune),
for the fewest lost sales that keep every channel under its cancellation-rate target, and write
it as a policy file: the one `stockpool simulate --policy` reads, each channel's entry a body of
PUT /v1/channels/{code}/policy. A bad scenario or option exits with code 2; no policy under
every target exits with code 1 and writes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from stockpool.entrypoints.cli.app import app, progress_bar
from stockpool.entrypoints.cli.output import console, errors
from stockpool.sim.scenario import LabError, Scenario, load_scenario, shipped_scenarios
from stockpool.sim.tune import SEARCHED, Evaluation, Tuned, check, planned_runs, tune
from stockpool.sim.tune_report import tune_table, write_policy_file

ScenarioArg = Annotated[
    str,
    typer.Argument(help=f"A shipped scenario ({', '.join(shipped_scenarios())}) or a YAML file."),
]
Seeds = Annotated[
    int,
    typer.Option(
        min=1,
        max=50,
        help="Judge every candidate on this many seeds (the same draws for each): a rate "
        "is cancellations over orders summed over them, so no lucky seed picks the policy.",
    ),
]
FirstSeed = Annotated[int, typer.Option(help="The first seed; the others follow it.")]
MaxRuns = Annotated[
    int, typer.Option(min=1, help="Stop after this many simulation runs (one policy, one seed).")
]
Passes = Annotated[
    int, typer.Option(min=1, max=10, help="At most this many passes over the channels.")
]
Out = Annotated[
    Path | None, typer.Option(help="Write the policy file here (default: SCENARIO-policy.json).")
]
Targets = Annotated[
    list[str] | None,
    typer.Option(
        help="CHANNEL=RATE (0.01 or 1%): a target of your own in place of the "
        "marketplace's (Shopify has none); repeatable."
    ),
]
Confidence = Annotated[
    float | None,
    typer.Option(
        help="Hold the Wilson upper bound of each rate at this confidence (e.g. 0.9) "
        "under the target, instead of the rate itself."
    ),
]
CheckSeeds = Annotated[
    int,
    typer.Option(
        min=0,
        max=50,
        help="Then run the default and the tuned policies on this many seeds the search "
        "never saw (the ones after --seeds), to show whether the result holds.",
    ),
]
Jobs = Annotated[
    int, typer.Option(min=1, max=64, help="Run this many simulations at a time, in processes.")
]


@app.command("tune")
def tune_command(
    scenario: ScenarioArg,
    seeds: Seeds = 3,
    seed: FirstSeed = 1,
    max_runs: MaxRuns = 600,
    passes: Passes = 3,
    out: Out = None,
    target: Targets = None,
    confidence: Confidence = None,
    check_seeds: CheckSeeds = 3,
    jobs: Jobs = 1,
) -> None:
    """Search each channel's policy for the fewest lost sales that keep every channel's
    cancellation rate under its target. Searched per channel: epsilon (the risk model's
    oversell probability) from 0.0005 to 0.5, or a fixed buffer of 4, 2, 1 or 0 units; by
    coordinate descent over the channels from the shipped default, each candidate run on the
    same seeds, at most --max-runs simulation runs. Prints the runs made and the tuned
    policy's figures beside the shipped default's on the same seeds, and writes it as a policy
    file (for `simulate --policy`, each entry a PUT /v1/channels/{code}/policy body). When no
    policy searched meets every target: exit code 1, nothing written."""
    try:
        loaded = load_scenario(scenario)
        goals = _targets(target or [])
        path = out if out is not None else Path(f"{loaded.name}-policy.json")
        if not path.parent.is_dir():
            raise LabError(f"--out {path}: no folder {path.parent} to write it in.")
        searched = list(range(seed, seed + seeds))
        unseen = list(range(seed + seeds, seed + seeds + check_seeds))
        console.print(_plan(loaded, searched, passes, max_runs))
        search = Search(max_runs, passes, jobs, goals, confidence)
        tuned, checked = _run(loaded, searched, unseen, search)
    except LabError as error:
        errors.print(f"[red]error:[/] {escape(error.message)}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    console.print(tune_table(tuned))
    _summary(tuned)
    if checked is not None:
        _checked(unseen, *checked)
    if not tuned.found():
        _refuse(tuned)
    write_policy_file(path, tuned.best)
    console.print(
        f"Wrote {escape(str(path))}: PUT each channel's entry to /v1/channels/{{code}}/policy; "
        f"compare it with: stockpool simulate {escape(scenario)} --policy {escape(str(path))}",
        soft_wrap=True,
    )


@dataclass(frozen=True, slots=True)
class Search:
    """The search's options, as tune and check take them."""

    max_runs: int
    passes: int
    jobs: int
    targets: dict[str, float]
    confidence: float | None


def _run(
    scenario: Scenario, searched: list[int], unseen: list[int], search: Search
) -> tuple[Tuned, tuple[Evaluation, Evaluation] | None]:
    """The search under a progress bar, then the check on the unseen seeds (if any)."""
    checks = 2 * len(unseen)
    with progress_bar() as bar:
        total = min(search.max_runs, planned_runs(scenario, len(searched), search.passes))
        task = bar.add_task(f"tuning {scenario.name}", total=total + checks)
        tuned = tune(
            scenario,
            searched,
            max_runs=search.max_runs,
            passes=search.passes,
            jobs=search.jobs,
            target_overrides=search.targets,
            confidence=search.confidence,
            progress=lambda done: bar.advance(task, done),
        )
        bar.update(task, total=tuned.runs + checks, completed=tuned.runs)
        if not unseen:
            return tuned, None
        checked = check(
            scenario,
            tuned,
            unseen,
            jobs=search.jobs,
            target_overrides=search.targets,
            confidence=search.confidence,
            progress=lambda done: bar.advance(task, done),
        )
    return tuned, checked


def _refuse(tuned: Tuned) -> None:
    """No policy searched meets every target: say which channels miss, write nothing, exit 1."""
    over = ", ".join(
        f"{f.channel} {100 * f.judged:.2f}% >= {100 * (f.target or 0):.2f}%"
        for f in tuned.best.channels
        if f.over()
    )
    errors.print(
        f"[red]error:[/] no policy searched keeps every channel under its cancellation "
        f"target (the closest: {over}); nothing written.",
        highlight=False,
        soft_wrap=True,
    )
    raise typer.Exit(1)


def _checked(seeds: list[int], default: Evaluation, best: Evaluation) -> None:
    """The default and the tuned policies on seeds the search never saw."""
    over = [f"{f.channel} {100 * f.judged:.2f}%" for f in best.channels if f.over()]
    verdict = (
        f"[yellow]over target on {', '.join(over)}[/]: the search's seeds flattered it; "
        "try more --seeds"
        if over
        else "every channel under target"
    )
    console.print(
        f"On {_seeds(seeds)}, not searched: lost sales {default.lost_sales()} "
        f"with the default, {best.lost_sales()} tuned; cancellations {default.cancellations()} "
        f"-> {best.cancellations()}; {verdict}.",
        soft_wrap=True,
    )


def _targets(given: list[str]) -> dict[str, float]:
    """CHANNEL=RATE options as channel -> rate (a fraction; 1% is 0.01)."""
    goals: dict[str, float] = {}
    for item in given:
        code, sign, text = item.partition("=")
        try:
            if not sign or not code:
                raise ValueError
            rate = float(text[:-1]) / 100 if text.endswith("%") else float(text)
        except ValueError:
            raise LabError(f"--target {item!r}: write CHANNEL=RATE, e.g. amazon=0.01.") from None
        goals[code] = rate
    return goals


def _seeds(seeds: list[int]) -> str:
    return f"seed {seeds[0]}" if len(seeds) == 1 else f"seeds {seeds[0]}-{seeds[-1]}"


def _plan(scenario: Scenario, seeds: list[int], passes: int, max_runs: int) -> str:
    channels = ", ".join(scenario.channel_codes())
    return (
        f"Searching each channel's policy ({channels}): {SEARCHED}. Coordinate descent from "
        f"the shipped default, at most {passes} pass(es), on {_seeds(seeds)} "
        f"(the same draws for every candidate), at most {max_runs} runs."
    )


def _summary(tuned: Tuned) -> None:
    """How the search went, and the figures next to the default's."""
    ending = {
        "converged": "stopped: the last pass changed nothing",
        "passes": "stopped after --passes (the last pass still changed something)",
        "budget": "stopped at --max-runs",
    }[tuned.stopped]
    console.print(
        f"{tuned.runs} runs ({tuned.evaluated} sets of policies x {len(tuned.seeds)} seeds) in "
        f"{tuned.seconds:.1f} s, {tuned.passes} pass(es), {ending}."
    )
    before, after = tuned.default.lost_sales(), tuned.best.lost_sales()
    console.print(
        f"Lost sales over the seeds: {before} with the shipped default, {after} tuned "
        f"({after - before:+d}); cancellations {tuned.default.cancellations()} -> "
        f"{tuned.best.cancellations()}."
    )
    if tuned.best.settings == tuned.default.settings:
        console.print("No policy searched beat the shipped default: the file keeps it ({}).")
    for figures in tuned.best.channels:
        if figures.target is None:
            console.print(
                f"[yellow]{figures.channel} has no cancellation target:[/] its cancellations "
                f"are not limited (--target {figures.channel}=RATE sets one)."
            )
