"""`stockpool channels connect`: tell stockpool how to reach a channel's platform, from the line
`stockpool sandbox --json` prints for it (or a file holding just its credentials)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from stockpool.domain.channels import Channel, Platform
from stockpool.domain.connections import Connection
from stockpool.domain.errors import InvalidRequest, UnknownChannel
from stockpool.entrypoints.cli.app import channels_app, handled, services
from stockpool.entrypoints.cli.output import console


def _read(path: Path) -> dict[str, Any]:
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidRequest(f"No file {path}.") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidRequest(f"{path} is not a JSON object: {error}") from None
    if not isinstance(found, dict):
        raise InvalidRequest(f"{path} holds JSON, but not an object of credentials.")
    return found


@channels_app.command("connect")
@handled
def connect(
    code: Annotated[str, typer.Argument(help="The channel's code, e.g. shopify.")],
    credentials: Annotated[
        Path,
        typer.Option(
            help="A JSON file: the line `stockpool sandbox --json` printed for the platform "
            "(platform, url, credentials), or just the credentials object."
        ),
    ],
    platform: Annotated[str | None, typer.Option(help="shopify, amazon or walmart.")] = None,
    url: Annotated[str | None, typer.Option(help="The platform's base URL.")] = None,
    token_url: Annotated[str | None, typer.Option(help="Amazon: the token URL.")] = None,
) -> None:
    """Connect a channel to its platform (creating the channel if need be). The credentials are
    encrypted at rest and never shown again."""
    found = _read(credentials)
    line: dict[str, Any] = found if "credentials" in found else {"credentials": found}
    chosen = platform or line.get("platform")
    if chosen not in {p.value for p in Platform}:
        raise InvalidRequest("Say which platform: --platform shopify, amazon or walmart.")
    base = url or line.get("url")
    if not isinstance(base, str):
        raise InvalidRequest("Say where the platform is: --url https://...")
    connection = Connection(base, line["credentials"], token_url or line.get("token_url"))
    with services() as container:
        try:
            channel = container.channels.get(code)
        except UnknownChannel:
            channel = Channel(code, Platform(chosen))
        if channel.platform != chosen:
            raise InvalidRequest(
                f"Channel {code} is on {channel.platform.value}, not {chosen}: connect it to its "
                "own platform (or PUT /v1/channels/{code} to change its platform)."
            )
        container.channels.put(channel, connection=connection)
        shown = container.channels.connection_shown(code)
    keys = ", ".join(shown.credentials_set) if shown else ""
    console.print(f"Connected {code} to {connection.url} ({keys} set).", highlight=False)
