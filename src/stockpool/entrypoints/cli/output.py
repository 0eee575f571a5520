"""How the CLI shows things: Rich tables on stdout, errors on stderr."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from stockpool.domain.balance import Balance
from stockpool.domain.states import ALL_STATES
from stockpool.services.stock import StockChange

# Piped or captured output gets a wide fixed width, so tables are not squeezed to 80 columns.
console = Console(width=None if sys.stdout.isatty() else 160)
errors = Console(stderr=True, width=None if sys.stderr.isatty() else 160)

COLUMNS = [s.value for s in ALL_STATES] + ["on_hand"]


def balance_table(title: str, rows: list[tuple[str, Balance]], first: str = "location") -> Table:
    table = Table(title=title)
    table.add_column(first)
    for column in COLUMNS:
        table.add_column(column, justify="right")
    for label, balance in rows:
        quantities = balance.as_dict()
        table.add_row(label, *(str(quantities[c]) for c in COLUMNS))
    return table


def show_change(change: StockChange) -> None:
    if change.replayed:
        console.print("[yellow]Replayed:[/] this idempotency key was used before; nothing written.")
    for entry in change.movements:
        m = entry.movement
        source = m.from_state.value if m.from_state else "outside"
        target = m.to_state.value if m.to_state else "outside"
        console.print(
            f"#{entry.id} {m.sku} @ {m.location}: {m.quantity} {source} -> {target} ({m.reason.value})"
        )
    for result in change.counts:
        console.print(
            f"count {result.sku}: expected {result.expected}, counted {result.counted}, "
            f"variance {result.variance:+d}"
        )
    if change.balances:
        rows = [(f"{sku} @ {loc}", b) for (sku, loc), b in sorted(change.balances.items())]
        console.print(balance_table("Balances now", rows, first="sku @ location"))


def availability_panel(sku: str, c: dict[str, Any]) -> Panel:
    """One channel's explained number (the document GET /v1/skus/{sku}/availability returns)."""
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column()
    for label, text in _availability_rows(c):
        facts.add_row(label, text)
    return Panel(
        Group(facts, Text(""), Text(c["why"])),
        title=f"{sku} on {c['channel']}: {c['advertised']}",
        title_align="left",
    )


def _availability_rows(c: dict[str, Any]) -> list[tuple[str, str]]:
    """The panel's rows, (label, text), in the order shown."""
    recorded = c["recorded"]
    rows = [
        (
            "advertised",
            f"{c['advertised']}"
            + (
                f" (recorded {recorded})"
                if recorded is not None and recorded != c["advertised"]
                else ""
            ),
        ),
        ("mode", c["mode"]),
    ]
    if c["pool"]:
        pool = c["pool"]
        rows.append(
            (
                "pool",
                f"{pool['eligible']} eligible, {pool['exclusive']} exclusive, "
                f"{pool['ring_fenced']} ring-fenced, {pool['held_back_stale_snapshots']} held back "
                "(stale snapshots)",
            )
        )
    demand, lag = c["demand"], c["lag"]
    rows.append(
        (
            "demand",
            f"{demand['units_per_hour']:.3f}/h here{' (floor)' if demand['floored'] else ''}, "
            f"rivals {demand['rivals_units_per_hour']:.3f}/h",
        )
    )
    rows.append(("lag", f"{lag['seconds']:g} s ({lag['source']}, {lag['samples']} samples)"))
    if c["buffer"]:
        rows += _buffer_rows(c["buffer"])
    rows += [
        ("limit", f"{limit['rule']} {limit['value']}: {limit['before']} -> {limit['after']}")
        for limit in c["limits"]
    ]
    return rows + _bundle_and_sync_rows(c)


def _buffer_rows(buffer: dict[str, Any]) -> list[tuple[str, str]]:
    """The buffer, and each shared group it was decided on."""
    rows = [
        (
            "buffer",
            f"{buffer['units']} ({buffer['source']}), epsilon {buffer['epsilon']:g}"
            + (" (default)" if buffer["epsilon_default"] else ""),
        )
    ]
    for g in buffer["groups"]:
        rows.append(
            (
                "",
                f"{'+'.join(g['locations'])} ({', '.join(g['channels'])}): {g['units']} units, "
                f"{g['mode']}, shows {g['shown']}; rivals' window mean {g['window_mean']:.3f}, "
                f"quantile {g['quantile']}, stale exposure {g['stale_exposure']}, slice {g['slice']}"
                + (
                    f"; may be missing unseen {g['shrink_mean']:.2f}, held for it {g['shrink_held']}"
                    if g["shrink_mean"]
                    else ""
                ),
            )
        )
    return rows


def _bundle_and_sync_rows(c: dict[str, Any]) -> list[tuple[str, str]]:
    """What the components of a bundle make, then sync health and each listing's sync."""
    rows = []
    if c["bundle"]:
        b = c["bundle"]
        rows.append(
            (
                "bundle",
                f"components make {b['made_from']} (scarcest {b['scarcest']}), pool {b['pool']}",
            )
        )
    health = c["health"]
    rows.append(
        (
            "sync",
            health["status"] + (f": {'; '.join(health['reasons'])}" if health["reasons"] else ""),
        )
    )
    return rows + [("listing", listing_sync(x)) for x in c["listings"]]


def listing_sync(x: dict[str, Any]) -> str:
    """What a listing was last pushed and seen to show; either may not have happened yet."""
    pushed = (
        "never pushed"
        if x["pushed_quantity"] is None
        else f"pushed {x['pushed_quantity']}{_at(x['pushed_at'])}"
    )
    seen = (
        "not seen on the platform yet"
        if x["confirmed_quantity"] is None
        else f"seen showing {x['confirmed_quantity']}{_at(x['confirmed_at'])}"
    )
    return f"{x['channel_sku']}: {pushed}; {seen}"


def _at(moment: datetime | None) -> str:
    return f" at {moment.isoformat(timespec='seconds')}" if moment is not None else ""
