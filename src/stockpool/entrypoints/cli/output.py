"""How the CLI shows things: Rich tables on stdout, errors on stderr."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table

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
