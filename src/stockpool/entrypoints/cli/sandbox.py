"""`stockpool sandbox`: local Shopify, Amazon and Walmart marketplaces, until interrupted."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from typing import Annotated

import typer
from rich.table import Table

from stockpool.domain.errors import InvalidRequest
from stockpool.entrypoints.cli.output import console
from stockpool.sandbox import launch
from stockpool.sandbox.core import Sandbox
from stockpool.sandbox.serve import bind, serve_all, url_of

Port = Annotated[int | None, typer.Option(min=0, max=65535, help="0: any free port.")]


def sandbox(
    shopify_port: Port = launch.DEFAULT_PORTS["shopify"],
    amazon_port: Port = launch.DEFAULT_PORTS["amazon"],
    walmart_port: Port = launch.DEFAULT_PORTS["walmart"],
    only: Annotated[
        list[str] | None, typer.Option(help="Start only these platforms (repeat the option).")
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    seed_skus: Annotated[
        int, typer.Option(min=0, max=100_000, help="Listings SKU-0001…SKU-N on every platform.")
    ] = 0,
    shown: Annotated[
        int, typer.Option(min=0, max=1_000_000, help="What each seeded listing shows at start.")
    ] = 0,
    delay: Annotated[
        list[str] | None,
        typer.Option(help="Propagation delay in seconds: PLATFORM=SECONDS, or SECONDS for all."),
    ] = None,
    fault: Annotated[
        list[str] | None,
        typer.Option(help="A fault at start: [PLATFORM.]NAME=VALUE, e.g. amazon.error_rate=0.1."),
    ] = None,
    buyers: Annotated[
        list[str] | None,
        typer.Option(help="Shoppers' orders a minute: PLATFORM=RATE, or RATE for all."),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed the sandboxes' randomness.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per platform and line.")
    ] = False,
) -> None:
    """Serve the sandbox marketplaces; print each one's URL and the credentials it accepts."""
    ports = _chosen({"shopify": shopify_port, "amazon": amazon_port, "walmart": walmart_port}, only)
    try:
        plan = launch.Launch(
            ports=ports,
            seed_skus=seed_skus,
            shown=shown,
            seed=seed,
            delays=launch.per_platform(delay or [], "a delay"),
            faults=launch.faults(fault or []),
            buyers_per_minute=launch.per_platform(buyers or [], "a buyers rate"),
        )
    except ValueError as error:
        raise InvalidRequest(str(error)) from None
    served = _listening(plan.build(), host)
    if as_json:
        for sandbox_, _ in served:
            print(json.dumps(sandbox_.describe()), flush=True)
    else:
        _show(served_sandboxes=[sandbox_ for sandbox_, _ in served])
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_all(served))


def _chosen(ports: dict[str, int | None], only: list[str] | None) -> dict[str, int | None]:
    """The platforms `--only` names (all when it names none), each with its port."""
    unknown = sorted(set(only or []) - set(launch.PLATFORMS))
    if unknown:
        raise InvalidRequest(f"--only {', '.join(unknown)}: one of {', '.join(launch.PLATFORMS)}.")
    if only:
        return {platform: port for platform, port in ports.items() if platform in only}
    return ports


def _listening(
    sandboxes: list[tuple[Sandbox, int]], host: str
) -> list[tuple[Sandbox, socket.socket]]:
    """Each sandbox with a socket bound on its port, and its base URL set to that address."""
    served = []
    for sandbox_, port in sandboxes:
        try:
            served.append((sandbox_, bind(host, port or 0)))
        except OSError as error:
            raise InvalidRequest(
                f"{sandbox_.platform}: cannot listen on {host}:{port} ({error.strerror}); "
                f"pick another with --{sandbox_.platform}-port, or 0 for any free port."
            ) from None
    for sandbox_, sock in served:
        sandbox_.base_url = url_of(sock)
    return served


def _show(served_sandboxes: list[Sandbox]) -> None:
    for sandbox_ in served_sandboxes:
        described = sandbox_.describe()
        table = Table(title=f"{sandbox_.platform} sandbox at {described['url']}", show_header=False)
        table.add_column("credential")
        table.add_column("value")
        for name, value in described["credentials"].items():
            table.add_row(name, str(value))
        for name, value in described.items():
            if name not in ("platform", "url", "credentials"):
                table.add_row(f"[dim]{name}[/]", str(value))
        if sandbox_.buyers.rate_per_minute > 0:
            table.add_row("[dim]buyers[/]", f"{sandbox_.buyers.rate_per_minute:g} orders a minute")
        console.print(table)
    console.print(
        "Control: <url>/_sandbox (listings, orders, requests, faults, delay, buyers). Ctrl-C stops."
    )
