"""`stockpool tune`'s search: each channel's production Policy chosen for the fewest lost sales
that keep every channel's seller-cancellation rate under its target.

Why a search and not a formula: channels share stock, so one channel shown more sells units a
rival then has to cancel; only the simulation (the production decision, routing and conflict
choice, run by sim.run) says what a set of policies does. The search is honest and bounded:

- Per channel, a small ladder of the knobs the shipped default turns (LADDER): the risk model's
  oversell probability `epsilon`, cautious to generous, or a fixed `buffer` instead of it.
- Coordinate descent over the channels, starting from the shipped default (every policy empty,
  the `stockpool` strategy): one channel's rungs are tried with the others held, the best kept,
  then the next channel; passes repeat until one changes nothing, or the run budget is spent.
- Every candidate runs on the same seeds' draws (common random numbers), so candidates differ
  only by their decisions, and no single lucky seed picks the winner: a channel's rate is its
  cancellations over its orders summed over the seeds, or with a confidence, the Wilson upper
  bound of that rate. A channel is under target when that figure is below the target (as
  metrics.ChannelResult.over_target counts a rate at the target as over).
- Ranking: fewer channels over target, less excess over the targets, fewer lost sales, fewer
  cancellations; on a tie the incumbent stays, then the earlier rung wins.

Not searched, to keep the search small: share_percent, cap and floor (they only lower a number
the risk model or a buffer already sets), ring_fence, priority and cancellation_cost (they move
units, or the cancellations of a conflict, from one channel to another). A descent one channel
at a time finds a local best: a move two channels must make together can be missed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from math import sqrt
from statistics import NormalDist
from typing import Literal

from stockpool.domain.channels import Channel
from stockpool.domain.policies import Policy, Rules, resolve
from stockpool.sim.metrics import CANCELLATION_TARGETS, RunResult
from stockpool.sim.run import Draws, draw, simulate
from stockpool.sim.scenario import LabError, Scenario
from stockpool.sim.strategies import Strategy

EPSILONS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5)
BUFFERS = (4, 2, 1, 0)
# Each channel's rungs: the risk model at each epsilon, cautious to generous, then a fixed
# buffer in its place, cautious to generous (buffer 0 shows the whole pool: the mirror).
LADDER: tuple[Policy, ...] = tuple(Policy(epsilon=e) for e in EPSILONS) + tuple(
    Policy(buffer=b) for b in BUFFERS
)
SEARCHED = (
    f"epsilon (the risk model's oversell probability) in {', '.join(f'{e:g}' for e in EPSILONS)}"
    f", or a fixed buffer of {', '.join(str(b) for b in BUFFERS)} units instead"
)

Settings = tuple[Policy, ...]  # one policy per channel, in the scenario's order
Progress = Callable[[int], None]  # told how many more runs finished
# Why the search stopped: a pass changed nothing, the passes ran out, or max_runs did.
Stop = Literal["converged", "passes", "budget"]


def describe(policy: Policy) -> str:
    """A policy as the table shows it: default, or its fields set."""
    fields = {k: v for k, v in policy.as_dict().items() if v is not None}
    return ", ".join(f"{k} {v:g}" for k, v in fields.items()) if fields else "default"


def targets(scenario: Scenario, overrides: Mapping[str, float]) -> tuple[float | None, ...]:
    """Each channel's cancellation-rate target: the marketplace's published one, or the
    seller's own stricter (or, for Shopify, first) target where given."""
    codes = scenario.channel_codes()
    unknown = sorted(set(overrides) - set(codes))
    if unknown:
        raise LabError(f"no channel {', '.join(unknown)} in the scenario ({', '.join(codes)}).")
    for code, rate in overrides.items():
        if not 0 < rate <= 1:
            raise LabError(f"the target for {code} is a rate above 0 and at most 1 (got {rate}).")
    return tuple(overrides.get(c.code, CANCELLATION_TARGETS[c.platform]) for c in scenario.channels)


@dataclass(frozen=True, slots=True)
class Figures:
    """One channel's figures for one set of policies, over every seed."""

    channel: str
    policy: Policy
    orders: int
    cancellations: int
    rate: float  # cancellations / orders, over the seeds
    judged: float  # what the target is held against: the rate, or its upper bound
    worst_seed_rate: float
    target: float | None
    lost_sales: int

    def over(self) -> bool:
        return self.target is not None and self.judged >= self.target


@dataclass(frozen=True, slots=True)
class Evaluation:
    """A set of policies (one per channel) and what it did on the seeds."""

    settings: Settings
    channels: tuple[Figures, ...]

    def over(self) -> int:
        return sum(f.over() for f in self.channels)

    def lost_sales(self) -> int:
        return sum(f.lost_sales for f in self.channels)

    def cancellations(self) -> int:
        return sum(f.cancellations for f in self.channels)

    def rank(self) -> tuple[int, float, int, int]:
        """Smaller is better: channels over target, excess over the targets, lost sales,
        cancellations."""
        excess = sum(f.judged - f.target for f in self.channels if f.over() and f.target)
        return (self.over(), round(excess, 12), self.lost_sales(), self.cancellations())


def upper_bound(cancelled: int, orders: int, confidence: float | None) -> float:
    """The rate, or with a confidence its one-sided Wilson score upper bound (orders taken as
    independent trials: an approximation, cautious for few orders)."""
    if orders == 0:
        return 0.0
    rate = cancelled / orders
    if confidence is None:
        return rate
    z = NormalDist().inv_cdf(confidence)
    centre = rate + z * z / (2 * orders)
    spread = z * sqrt(rate * (1 - rate) / orders + z * z / (4 * orders * orders))
    return min(1.0, (centre + spread) / (1 + z * z / orders))


def evaluation(
    settings: Settings,
    runs: Sequence[RunResult],
    goals: Sequence[float | None],
    confidence: float | None,
) -> Evaluation:
    """Each channel's figures summed over the runs (one per seed)."""
    figures = []
    for n, policy in enumerate(settings):
        rows = [run.channels[n] for run in runs]
        orders = sum(r.orders for r in rows)
        cancelled = sum(r.cancellations for r in rows)
        figures.append(
            Figures(
                channel=rows[0].channel,
                policy=policy,
                orders=orders,
                cancellations=cancelled,
                rate=cancelled / orders if orders else 0.0,
                judged=upper_bound(cancelled, orders, confidence),
                worst_seed_rate=max(r.cancellation_rate for r in rows),
                target=goals[n],
                lost_sales=sum(r.lost_sales for r in rows),
            )
        )
    return Evaluation(settings, tuple(figures))


_worker: tuple[Scenario, tuple[Draws, ...]] | None = None


def _start_worker(scenario: Scenario, draws: tuple[Draws, ...]) -> None:
    """A worker process keeps the scenario and every seed's draws: sent once, not per run."""
    global _worker
    _worker = (scenario, draws)


def _run_in_worker(seed_index: int, chosen: Strategy) -> RunResult:
    if _worker is None:
        raise RuntimeError("the tune worker was not started")
    scenario, draws = _worker
    return simulate(scenario, draws[seed_index], chosen)


class Runner:
    """Runs sets of policies on every seed's draws, in this process or jobs processes,
    counting the runs and remembering each set's evaluation."""

    def __init__(
        self,
        scenario: Scenario,
        seeds: Sequence[int],
        goals: Sequence[float | None],
        confidence: float | None,
        jobs: int = 1,
        progress: Progress | None = None,
    ) -> None:
        self.scenario, self.goals, self.confidence = scenario, goals, confidence
        self.draws = tuple(draw(scenario, seed) for seed in seeds)
        self.progress = progress
        self.runs = 0
        self.known: dict[Settings, Evaluation] = {}
        self._pool: ProcessPoolExecutor | None = None
        if jobs > 1:
            self._pool = ProcessPoolExecutor(
                max_workers=jobs, initializer=_start_worker, initargs=(scenario, self.draws)
            )

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()

    def strategy(self, settings: Settings) -> Strategy:
        codes = self.scenario.channel_codes()
        return Strategy("tuned", {code: p for code, p in zip(codes, settings, strict=True)})

    def evaluate(self, batch: Sequence[Settings]) -> list[Evaluation]:
        """Each set's evaluation; those not known yet run on every seed (in processes when
        there are jobs)."""
        new = [s for s in dict.fromkeys(batch) if s not in self.known]
        if self._pool is None:
            for settings in new:
                self.known[settings] = self._evaluate_here(settings)
        else:
            futures = [
                [
                    self._pool.submit(_run_in_worker, n, self.strategy(s))
                    for n in range(len(self.draws))
                ]
                for s in new
            ]
            for settings, runs in zip(new, futures, strict=True):
                results = []
                for future in runs:
                    results.append(future.result())
                    self._ran()
                self.known[settings] = evaluation(settings, results, self.goals, self.confidence)
        return [self.known[s] for s in batch]

    def _evaluate_here(self, settings: Settings) -> Evaluation:
        results = []
        for draws in self.draws:
            results.append(simulate(self.scenario, draws, self.strategy(settings)))
            self._ran()
        return evaluation(settings, results, self.goals, self.confidence)

    def _ran(self) -> None:
        self.runs += 1
        if self.progress is not None:
            self.progress(1)


@dataclass(frozen=True, slots=True)
class Tuned:
    """What the search found, beside the shipped default on the same seeds."""

    scenario: str
    seeds: tuple[int, ...]
    default: Evaluation
    best: Evaluation
    runs: int
    evaluated: int  # sets of policies run on every seed
    passes: int
    stopped: Stop
    seconds: float

    def found(self) -> bool:
        """Whether the best set keeps every channel under its target."""
        return self.best.over() == 0


Descent = tuple[Evaluation, int, Stop]  # the best set, the passes made, why it stopped


def planned_runs(scenario: Scenario, seeds: int, passes: int) -> int:
    """The most runs a search may take: the default, then each pass every channel's rungs,
    each on every seed."""
    return seeds * (1 + passes * len(scenario.channels) * len(LADDER))


def tune(
    scenario: Scenario,
    seeds: Sequence[int],
    *,
    max_runs: int,
    passes: int = 3,
    jobs: int = 1,
    target_overrides: Mapping[str, float] | None = None,
    confidence: float | None = None,
    progress: Progress | None = None,
) -> Tuned:
    """Search each channel's policy (see the module's docstring); max_runs bounds the
    simulation runs, the default's included."""
    goals = targets(scenario, target_overrides or {})
    if not seeds:
        raise LabError("tune needs at least one seed.")
    if max_runs < len(seeds):
        raise LabError(f"--max-runs {max_runs} is less than one policy on {len(seeds)} seeds.")
    if confidence is not None and not 0.5 <= confidence < 1:
        raise LabError(f"--confidence is from 0.5 to under 1, e.g. 0.9 (got {confidence}).")
    started = time.perf_counter()
    runner = Runner(scenario, seeds, goals, confidence, jobs, progress)
    try:
        default = runner.evaluate([(Policy(),) * len(scenario.channels)])[0]
        best, passes_done, stopped = _descend(runner, default, passes, max_runs)
    finally:
        runner.close()
    return Tuned(
        scenario=scenario.name,
        seeds=tuple(seeds),
        default=default,
        best=best,
        runs=runner.runs,
        evaluated=len(runner.known),
        passes=passes_done,
        stopped=stopped,
        seconds=time.perf_counter() - started,
    )


def check(
    scenario: Scenario,
    tuned: Tuned,
    seeds: Sequence[int],
    *,
    jobs: int = 1,
    target_overrides: Mapping[str, float] | None = None,
    confidence: float | None = None,
    progress: Progress | None = None,
) -> tuple[Evaluation, Evaluation]:
    """The default and the tuned policies on seeds the search never saw: whether what it
    found holds beyond the draws it was picked on."""
    goals = targets(scenario, target_overrides or {})
    runner = Runner(scenario, seeds, goals, confidence, jobs, progress)
    try:
        default, best = runner.evaluate([tuned.default.settings, tuned.best.settings])
    finally:
        runner.close()
    return default, best


def _descend(runner: Runner, best: Evaluation, passes: int, max_runs: int) -> Descent:
    """Coordinate descent from best: the best set, the passes made, and why it stopped."""
    per_set = len(runner.draws)
    for done in range(1, passes + 1):
        changed = False
        for channel in range(len(best.settings)):
            batch = _rungs(runner.scenario, best.settings, channel)
            affordable = (max_runs - runner.runs) // per_set
            spent = sum(s not in runner.known for s in batch) > affordable
            if spent:
                batch = _within(batch, runner.known, affordable)
            for candidate in runner.evaluate(batch):
                if candidate.rank() < best.rank():
                    best, changed = candidate, True
            if spent:
                return best, done, "budget"
        if not changed:
            return best, done, "converged"
    return best, passes, "passes"


def _rungs(scenario: Scenario, settings: Settings, channel: int) -> list[Settings]:
    """The sets with the channel's policy replaced by each rung of the ladder, but for rungs
    production resolves to the rules it has now (the default's own epsilon, say)."""
    spec = scenario.channels[channel]
    cost = Channel(spec.code, spec.platform).cost
    now = _rules(settings[channel], cost)
    return [
        (*settings[:channel], rung, *settings[channel + 1 :])
        for rung in LADDER
        if _rules(rung, cost) != now
    ]


def _rules(policy: Policy, cost: int) -> Rules:
    """What production applies, whether the epsilon was set or defaulted."""
    return replace(resolve(policy, cost), epsilon_is_default=False)


def _within(
    batch: list[Settings], known: Mapping[Settings, Evaluation], sets: int
) -> list[Settings]:
    """The batch's first sets while no more than sets of them still need running."""
    kept: list[Settings] = []
    for settings in batch:
        if settings not in known:
            if sets == 0:
                break
            sets -= 1
        kept.append(settings)
    return kept
