"""Strategies compared in one run: the scenario's draws made once, replayed for each."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from stockpool.sim.metrics import RunResult
from stockpool.sim.run import Draws, Progress, draw, simulate
from stockpool.sim.scenario import LabError, Scenario
from stockpool.sim.strategies import STRATEGIES, Strategy, policy_strategy, strategy


def chosen_strategies(
    scenario: Scenario, names: Sequence[str], policy_files: Sequence[Path]
) -> list[Strategy]:
    """The strategies named (every built-in one when none is named and no policy file is
    given), then each policy file's."""
    if not names and not policy_files:
        names = STRATEGIES
    chosen = [strategy(name, scenario) for name in names]
    chosen += [policy_strategy(path, scenario) for path in policy_files]
    seen = [s.name for s in chosen]
    if len(set(seen)) != len(seen):
        raise LabError(f"a strategy is named twice: {', '.join(seen)}.")
    return chosen


def compare(
    scenario: Scenario,
    strategies: Sequence[Strategy],
    seed: int,
    progress: Progress | None = None,
    draws: Draws | None = None,
    jobs: int = 1,
) -> list[RunResult]:
    """Each strategy's run over the same draws (common random numbers); with jobs > 1, that
    many strategies at a time in processes of their own (progress then told per strategy)."""
    replayed = draws if draws is not None else draw(scenario, seed)
    if jobs <= 1 or len(strategies) <= 1:
        return [simulate(scenario, replayed, s, progress) for s in strategies]
    with ProcessPoolExecutor(max_workers=min(jobs, len(strategies))) as pool:
        futures = [pool.submit(simulate, scenario, replayed, s) for s in strategies]
        results = []
        for future in futures:
            results.append(future.result())
            if progress is not None:
                progress(len(replayed.shoppers))
        return results
