"""What the query-plan tests share: the statements a piece of work sends to PostgreSQL,
captured as the driver gets them, and the tables each one's plan still reads with a Seq Scan
when the planner is told to avoid them (no index can serve that read)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from stockpool.bootstrap import Container

Captured = tuple[str, Any]

# (table, a piece of SQL only that query has): a query allowed to read its whole table.
Allowed = tuple[str, str]

READS = ("SELECT", "WITH")
WRITES = ("UPDATE", "DELETE")


@contextmanager
def capturing(container: Container, kinds: Sequence[str] = READS) -> Iterator[list[Captured]]:
    """The statements of kinds (their first word) sent to the driver inside the block, with
    their parameters (an executemany's first set)."""
    seen: list[Captured] = []
    prefixes = tuple(kinds)

    def record(_c: Any, _cur: Any, statement: str, parameters: Any, _ctx: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith(prefixes):
            seen.append((statement, parameters[0] if many and parameters else parameters))

    event.listen(container.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(container.engine, "before_cursor_execute", record)


def sequential_scans(container: Container, statement: str, parameters: Any) -> set[str]:
    """The tables a plan still reads with a Seq Scan when the planner is told to avoid them.
    Plain EXPLAIN: an UPDATE or DELETE is planned, not run."""
    connection = container.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters or None)
        plan = cursor.fetchone()[0]
        connection.rollback()
    finally:
        connection.close()
    found: set[str] = set()
    nodes = [step["Plan"] for step in (json.loads(plan) if isinstance(plan, str) else plan)]
    while nodes:
        node = nodes.pop()
        if node["Node Type"] == "Seq Scan":
            found.add(node["Relation Name"])
        nodes.extend(node.get("Plans", ()))
    return found


def unserved(
    container: Container, label: str, captured: Sequence[Captured], allowed: Sequence[Allowed]
) -> tuple[list[str], set[Allowed]]:
    """The captured statements no index serves (one line each, under label), and the allowed
    whole-table reads that were needed."""
    scanned: list[str] = []
    used: set[Allowed] = set()
    for statement, parameters in captured:
        for table in sequential_scans(container, statement, parameters):
            fits = {(t, p) for t, p in allowed if t == table and p in statement}
            used |= fits
            if not fits:
                scanned.append(f"{label}: Seq Scan on {table}: {' '.join(statement.split())}")
    return scanned, used
