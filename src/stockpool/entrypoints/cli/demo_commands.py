"""`stockpool demo`: stockpool on a fresh database with the three sandbox marketplaces, a sample
catalogue, buyers on every channel and a conflict in the first minute, watched live until Ctrl-C."""

from __future__ import annotations

import contextlib
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.markup import escape

from stockpool.domain.errors import InvalidRequest
from stockpool.entrypoints.cli.app import app, handled
from stockpool.entrypoints.cli.demo_processes import (
    Children,
    Stopped,
    demo_env,
    port_is_free,
    stop_on_sigterm,
)
from stockpool.entrypoints.cli.demo_scenario import (
    CANCELLATION_COSTS,
    DELAYS,
    HOT,
    connect,
    open_api,
    rush,
    sandbox_args,
    start_buyers,
    stock_up,
    stop_buyers,
)
from stockpool.entrypoints.cli.demo_watch import Watch
from stockpool.entrypoints.cli.output import console


@app.command()
@handled
def demo(
    port: Annotated[
        int, typer.Option(min=1, max=65535, help="Port of the API and dashboard.")
    ] = 8000,
    directory: Annotated[
        Path | None,
        typer.Option(
            "--dir", help="Where the database and logs go (default: a new temporary one)."
        ),
    ] = None,
    seconds: Annotated[
        float | None, typer.Option(min=1, help="Stop after this many seconds (default: Ctrl-C).")
    ] = None,
    pace: Annotated[
        float, typer.Option(min=0.1, max=20, help="Buyers' rate: 1 is 4 orders a minute a channel.")
    ] = 1.0,
    every: Annotated[float, typer.Option(min=1, help="Seconds between live lines.")] = 5.0,
) -> None:
    """Run stockpool with the sandbox marketplaces, a sample catalogue and buyers; watch orders
    arrive from three channels, the numbers move, and a conflict decided by cancellation cost."""
    if not port_is_free(port):
        raise InvalidRequest(f"Port {port} is taken: pick another with --port.")
    where = directory or Path(tempfile.mkdtemp(prefix="stockpool-demo-"))
    where.mkdir(parents=True, exist_ok=True)
    if (where / "stockpool.db").exists():
        raise InvalidRequest(f"{where / 'stockpool.db'} exists: the demo starts on a fresh one.")
    url = f"http://127.0.0.1:{port}"
    # Amazon's searchOrders allows a burst of 20 then one call every 3 minutes: at the default
    # pace, one poll every 10 s keeps Amazon's orders coming for the first few minutes.
    poll_seconds = max(3.0, 10.0 / pace)
    children = Children(where, demo_env(f"sqlite:///{where / 'stockpool.db'}", url, poll_seconds))
    stop_on_sigterm()
    try:
        _run(children, port, seconds, pace, every)
    except (KeyboardInterrupt, Stopped):
        console.print("Stopping.")  # while starting: nothing to sum up
    finally:
        children.stop()
    console.print(f"Stopped; the database and logs stay in {where}.")


def _run(children: Children, port: int, seconds: float | None, pace: float, every: float) -> None:
    console.print(f"Starting stockpool and the sandbox marketplaces in {children.directory} ...")
    children.run("db", "upgrade")
    secret = children.run("keys", "create", "--role", "admin", "--name", "demo").splitlines()[-1]
    lines = children.sandboxes(sandbox_args())
    url = children.serve(port)
    api = open_api(url, secret.strip(), lines)
    try:
        stock_up(api)
        connect(api, lines)
        took = rush(api)
        start_buyers(api, pace)
        _welcome(url, secret.strip(), lines, took)
        watch = Watch(api)
        with contextlib.suppress(KeyboardInterrupt, Stopped):
            _watch(watch, seconds, every)
        console.print("Stopping: the buyers first.")
        with contextlib.suppress(InvalidRequest, httpx.HTTPError):
            stop_buyers(api)
        console.print(watch.summary(), highlight=False, soft_wrap=True)
    finally:
        api.close()


def _watch(watch: Watch, seconds: float | None, every: float) -> None:
    start = time.monotonic()
    while seconds is None or time.monotonic() - start < seconds:
        time.sleep(
            every if seconds is None else min(every, max(0.0, start + seconds - time.monotonic()))
        )
        try:
            watch.tick(time.monotonic() - start)
        except (InvalidRequest, httpx.HTTPError) as error:
            # A loaded machine can be slow to answer: say so, and look again next time.
            console.print(f"[dim]no answer this time: {escape(str(error))}[/]", soft_wrap=True)


def _welcome(url: str, secret: str, lines: dict[str, dict[str, Any]], took: list[str]) -> None:
    costs = ", ".join(
        f"{p} {c}" for p, c in sorted(CANCELLATION_COSTS.items(), key=lambda i: -i[1])
    )
    delays = ", ".join(f"{p} {s} s" for p, s in DELAYS.items())
    sandboxes = ", ".join(f"{p} {line['url']}" for p, line in lines.items())
    console.print(
        f"""
[bold]stockpool demo[/] is running.

  Dashboard   {url}/
  API docs    {url}/docs
  Admin key   {secret}
              (curl -H 'Authorization: Bearer {secret}' {url}/v1/orders)
  Sandboxes   {sandboxes}

What to watch, within a minute:
  - buyers order on Shopify, Amazon and Walmart; each order comes in (Shopify by webhook,
    the others by polling) and takes its units from the pool at once;
  - every channel's numbers move: stockpool decides each and pushes it, and each platform shows it
    after its propagation delay ({delays});
  - {HOT} has 2 units, but every platform still shows the 5 it showed before stockpool's
    number reached it: buyers on {", ".join(took) or "no platform"} ordered it
    ({len(took)} orders for 2 units), and the conflict is decided by what a cancellation costs
    ({costs}).
Ctrl-C stops everything.
""",
        highlight=False,
    )
