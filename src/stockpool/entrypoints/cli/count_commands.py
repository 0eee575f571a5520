"""`stockpool counts ...`: count sessions, as /v1/counts has them. The actor is cli:<login>,
or cli:<NAME> with --as NAME (an approver must be someone other than who opened or submitted)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from stockpool.domain.count_sessions import CountSession, CountStatus, LineCounted, NewCount
from stockpool.entrypoints.cli.app import actor, app, handled, services
from stockpool.entrypoints.cli.output import console, show_change
from stockpool.services.counts import CountWrite

counts_app = typer.Typer(help="Counts as sessions: open, count lines, submit, approve.")
app.add_typer(counts_app, name="counts")

As = Annotated[
    str | None,
    typer.Option("--as", help="Act as NAME (recorded as cli:NAME) instead of your login."),
]
CountId = Annotated[int, typer.Argument(help="The count's id (stockpool counts list).", min=1)]


def _actor(name: str | None) -> str:
    return f"cli:{name}" if name else actor()


def show_count(count: CountSession) -> None:
    shown = count.shows_expected
    table = Table(title=f"count {count.id} at {count.location}: {count.status.value}")
    for column in ("sku", "counted", "expected", "variance", "counted by"):
        table.add_column(column)
    for line in count.lines:
        hidden = "hidden (blind)" if line.counted is not None else ""
        table.add_row(
            line.sku,
            "" if line.counted is None else str(line.counted),
            str(line.expected) if shown and line.expected is not None else hidden,
            f"{line.variance:+d}" if shown and line.variance is not None else hidden,
            line.counted_by or "",
        )
    console.print(table)
    console.print(_value_line(count), highlight=False)
    console.print(
        f"threshold {count.threshold} units; opened by {count.opened_by}"
        + (f", submitted by {count.submitted_by}" if count.submitted_by else "")
        + (f", approved by {count.approved_by}" if count.approved_by else ""),
        highlight=False,
    )


def _value_line(count: CountSession) -> str:
    """The variance's value against the value threshold, the unpriced SKUs, and which
    thresholds the count is over (hidden, as variances are, on an open blind count)."""
    limit = (
        "no value threshold"
        if count.value_threshold is None
        else (f"value threshold {count.value_threshold}")
    )
    if not count.shows_expected:
        return limit
    over = ", ".join(count.over_thresholds) or "none"
    unpriced = f"; unpriced: {', '.join(count.unpriced)}" if count.unpriced else ""
    return f"variance value {count.variance_value} ({limit}){unpriced}; over thresholds: {over}"


def _written(write: CountWrite) -> None:
    show_count(write.count)
    if write.posted is not None:
        show_change(write.posted)


@counts_app.command("open")
@handled
def open_count(
    location: Annotated[str, typer.Option("--location", help="Where to count.")],
    skus: Annotated[list[str], typer.Option("--sku", help="A SKU to count; repeat for more.")],
    blind: Annotated[bool, typer.Option(help="Hide expected quantities until submitted.")] = False,
    as_name: As = None,
) -> None:
    """Open a count of some SKUs at a location."""
    with services() as container:
        count = NewCount(location, tuple(skus), blind)
        _written(container.counts.open(count, actor=_actor(as_name)))


@counts_app.command("line")
@handled
def line(
    count_id: CountId,
    sku: str,
    counted: Annotated[int, typer.Argument(help="Units counted on hand.")],
    as_name: As = None,
) -> None:
    """Record what was counted of a SKU (again: the latest total replaces the earlier)."""
    with services() as container:
        lines = [LineCounted(sku, counted)]
        _written(container.counts.add_lines(count_id, lines, actor=_actor(as_name)))


@counts_app.command("submit")
@handled
def submit(count_id: CountId, as_name: As = None) -> None:
    """Submit: posted now, or awaiting approval when a variance is above the units threshold
    or the count's variance value above the value threshold."""
    with services() as container:
        _written(container.counts.submit(count_id, actor=_actor(as_name)))


@counts_app.command("approve")
@handled
def approve(count_id: CountId, as_name: As = None) -> None:
    """Approve a count awaiting approval (not one you opened or submitted); it is posted."""
    with services() as container:
        _written(container.counts.approve(count_id, actor=_actor(as_name)))


@counts_app.command("cancel")
@handled
def cancel(count_id: CountId, as_name: As = None) -> None:
    """Cancel an open count; nothing is posted."""
    with services() as container:
        _written(container.counts.cancel(count_id, actor=_actor(as_name)))


@counts_app.command("list")
@handled
def list_counts(
    status: Annotated[CountStatus | None, typer.Option(help="Only counts in this state.")] = None,
) -> None:
    """Counts, oldest first (the first 1000)."""
    with services() as container:
        found = container.counts.list(status=status, limit=1000)
    table = Table(title="counts")
    for column in ("id", "location", "status", "skus", "opened by"):
        table.add_column(column)
    for count in found:
        table.add_row(
            str(count.id), count.location, count.status.value, str(len(count.lines)),
            count.opened_by,
        )  # fmt: skip
    console.print(table)


@counts_app.command("show")
@handled
def show(count_id: CountId) -> None:
    """A count and its lines."""
    with services() as container:
        show_count(container.counts.get(count_id))
