"""The lab: the whole catalog-500 scenario (500 SKUs, 90 simulated days), every built-in
strategy, against a bare event loop handling the same number of events.

* sim:   stockpool.sim as `stockpool simulate catalog-500` runs it: the draws made once, then
         each strategy's run (every stock change decided by the production availability code,
         every order routed and its shortfall settled by the production domain). Wall time,
         simulated orders (accepted by a channel) per second, events per second.
* bare:  stockpool.sim.events.bare_loop: the same number of events through a heap, starting
         from a run's shoppers as a run does, each popped one scheduling the next, calling
         nothing - the least any event loop does.

The ratio is the simulation's time per event over the bare loop's: what the decisions cost on
top of the clock.

Run from the repository root:

    .venv/bin/python bench/sim.py                 # catalog-500, seed 1
    .venv/bin/python bench/sim.py --jobs 2        # two strategies at a time
    .venv/bin/python bench/sim.py --scenario flash-sale --seed 7
"""

from __future__ import annotations

import argparse
import time

from stockpool.sim.compare import compare
from stockpool.sim.events import bare_loop
from stockpool.sim.run import draw
from stockpool.sim.scenario import load_scenario
from stockpool.sim.strategies import STRATEGIES, strategy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="catalog-500")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--jobs", type=int, default=1, help="strategies at a time, in processes (as --jobs)"
    )
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    started = time.perf_counter()
    draws = draw(scenario, args.seed)
    drawn = time.perf_counter() - started
    print(
        f"{scenario.name}, seed {args.seed}: {len(draws.shoppers):,} shoppers drawn in {drawn:.2f} s"
    )
    print(f"{'strategy':14}{'seconds':>9}{'events':>10}{'orders':>9}{'orders/s':>10}{'events/s':>10}"
          f"{'oversold':>9}{'lost':>7}{'fill':>8}")  # fmt: skip
    events = orders = 0
    chosen = [strategy(name, scenario) for name in STRATEGIES]
    for result in compare(scenario, chosen, args.seed, draws=draws, jobs=args.jobs):
        name = result.strategy
        events += result.events
        orders += result.total("orders")
        print(
            f"{name:14}{result.seconds:9.2f}{result.events:10,}{result.total('orders'):9,}"
            f"{result.total('orders') / result.seconds:10,.0f}{result.events / result.seconds:10,.0f}"
            f"{result.total('oversold_orders'):9,}{result.total('lost_sales'):7,}"
            f"{100 * result.fill_rate():7.2f}%"
        )
    wall = time.perf_counter() - started
    # The bare loop starts from as many events as a run's heap holds at first (its shoppers and
    # shrinkage; one run's share of the events), and handles the same number in all.
    first = [s.time for s in draws.shoppers] + [t for t, _ in draws.shrinkage]
    bare_started = time.perf_counter()
    handled = bare_loop(first, events)
    bare = time.perf_counter() - bare_started
    print(
        f"all strategies (--jobs {args.jobs}): {wall:.1f} s wall (draws included), {orders:,} orders "
        f"({orders / wall:,.0f}/s), {events:,} events ({events / wall:,.0f}/s)"
    )
    print(
        f"bare heapq loop, the same {handled:,} events: {bare:.2f} s ({events / bare:,.0f}/s); "
        f"sim / bare: {wall / bare:.0f}x the time per event"
    )


if __name__ == "__main__":
    main()
