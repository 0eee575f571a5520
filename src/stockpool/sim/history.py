"""Reading what `stockpool backtest` replays: a real order history (one line per order line:
channel, SKU, quantity, time) and the stock at its start (SKU, quantity, location).

Each platform's own order export names these columns its own way; a Layout says which column
holds which field, with a preset per platform (FORMATS). Every error names the file, the line
and what to fix, as a LabError: the CLI prints it and exits with code 2, before any output.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from stockpool.domain.channels import Platform
from stockpool.sim.scenario import LabError

FIELDS = ("channel", "sku", "quantity", "time")

# Besides ISO 8601 (with or without an offset; datetime.fromisoformat), the times the
# platforms' exports write: Shopify "2026-03-01 14:05:00 -0500", US dates in Walmart's.
TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%d %H:%M %z",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y",
)
TIME_HELP = "ISO 8601 (2026-03-01T14:05:00+00:00), 2026-03-01 14:05:00 -0500 or 03/01/2026 14:05"


@dataclass(frozen=True, slots=True)
class Layout:
    """Which column holds each field of an order line. With no channel column, every line is
    on the scenario's channel of `platform`; `order`, when set, names the order's id column:
    a line whose time is blank takes the time of the line before it in the same order (Shopify
    writes an order's fields on its first line only)."""

    time: str
    sku: str
    quantity: str
    channel: str | None
    platform: Platform | None = None
    order: str | None = None


FORMATS: dict[str, Layout] = {
    "plain": Layout("time", "sku", "quantity", "channel"),
    # Shopify admin, Orders > Export: one row per line item.
    "shopify": Layout(
        "Created at", "Lineitem sku", "Lineitem quantity", None, Platform.SHOPIFY, "Name"
    ),
    # Amazon Seller Central's All Orders report (tab-separated flat file).
    "amazon": Layout("purchase-date", "sku", "quantity", None, Platform.AMAZON, "amazon-order-id"),
    # Walmart Seller Center, Order Management > download: one row per PO line.
    "walmart": Layout("Order Date", "SKU", "Qty", None, Platform.WALMART, "PO#"),
}


def layout(preset: str, columns: str | None) -> Layout:
    """A preset, with the columns `--columns channel=COL,sku=COL,...` names instead. Naming a
    channel column puts each line on the channel that column names."""
    if preset not in FORMATS:
        raise LabError(f"no format {preset!r}: the formats are {', '.join(FORMATS)}.")
    chosen = FORMATS[preset]
    if not columns:
        return chosen
    changes: dict[str, object] = {}
    for pair in columns.split(","):
        field, sep, column = pair.partition("=")
        field, column = field.strip(), column.strip()
        if not sep or field not in FIELDS or not column:
            raise LabError(
                f"--columns: {pair.strip()!r} is not FIELD=COLUMN with FIELD one of "
                f"{', '.join(FIELDS)} (e.g. --columns sku=Item,quantity=Qty)."
            )
        changes[field] = column
    if "channel" in changes:
        changes["platform"] = None
    return dataclasses.replace(chosen, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class OrderLine:
    line: int  # in the file, for messages
    time: datetime  # aware (a time without an offset is read as UTC)
    channel: str | None  # as the file names it; None: the layout's platform
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class History:
    source: str
    layout: Layout
    lines: tuple[OrderLine, ...]
    skipped: int  # lines without a SKU (gift cards, tips, shipping) or with quantity 0


@dataclass(frozen=True, slots=True)
class StockLine:
    line: int
    sku: str
    location: str | None  # None: the scenario's first location
    quantity: int


def parse_time(text: str) -> datetime | None:
    """The moment a cell names, aware; None if no format fits."""
    text = text.strip()
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    for pattern in TIME_FORMATS:
        if moment is not None:
            break
        try:
            moment = datetime.strptime(text, pattern)
        except ValueError:
            continue
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _rows(path: Path, what: str) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """The header, and each non-blank row with the line it starts on. Comma-, tab- or
    semicolon-separated, as the header shows; a UTF-8 byte order mark is ignored."""
    if not path.is_file():
        raise LabError(f"no {what} file {path}.")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise LabError(f"{path}: not UTF-8 text ({error.reason}); save it as UTF-8.") from None
    first = text.split("\n", 1)[0]
    if not first.strip():
        raise LabError(f"{path}:1: empty: the first line must be the header of its columns.")
    delimiter = "\t" if "\t" in first else ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(text.splitlines(keepends=True), delimiter=delimiter)
    header = [name.strip() for name in next(reader)]

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        start = reader.line_num + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield start, dict(zip(header, (cell.strip() for cell in cells), strict=False))
            start = reader.line_num + 1

    return header, rows()


def _column(path: Path, header: list[str], name: str, field: str, hint: str) -> str:
    """The header's column of that name (exactly, else ignoring case)."""
    if name in header:
        return name
    folded = [column for column in header if column.lower() == name.lower()]
    if len(folded) == 1:
        return folded[0]
    raise LabError(
        f"{path}:1: no column {name!r} for the {field}; the columns are "
        f"{', '.join(repr(c) for c in header)}. {hint}"
    )


def read_orders(path: Path, chosen: Layout) -> History:
    """Every order line of the file, in file order."""
    header, rows = _rows(path, "orders")
    hint = "Name it with --columns (e.g. --columns sku=Item) or choose --format."
    time_col = _column(path, header, chosen.time, "time", hint)
    sku_col = _column(path, header, chosen.sku, "sku", hint)
    qty_col = _column(path, header, chosen.quantity, "quantity", hint)
    channel_col = _column(path, header, chosen.channel, "channel", hint) if chosen.channel else None
    order_col = chosen.order if chosen.order in header else None
    lines: list[OrderLine] = []
    skipped = 0
    last: tuple[str, datetime] | None = None  # the previous line's order id and time
    for number, row in rows:
        order = row.get(order_col, "") if order_col else ""
        moment = _time(path, number, time_col, row.get(time_col, ""), order, last)
        last = (order, moment)
        quantity = _quantity(path, number, qty_col, row.get(qty_col, ""))
        sku = row.get(sku_col, "")
        if not sku or not quantity:
            skipped += 1
            continue
        channel = row.get(channel_col, "") if channel_col else None
        if channel_col and not channel:
            raise LabError(f"{path}:{number}: no channel in column {channel_col!r}.")
        lines.append(OrderLine(number, moment, channel, sku, quantity))
    if not lines:
        raise LabError(f"{path}: no order lines to replay ({skipped} without a SKU or units).")
    return History(str(path), chosen, tuple(lines), skipped)


def _time(
    path: Path, number: int, column: str, text: str, order: str, last: tuple[str, datetime] | None
) -> datetime:
    if not text and order and last is not None and last[0] == order:
        return last[1]  # a later line of the same order: the order's fields were on its first
    moment = parse_time(text)
    if moment is None:
        shown = repr(text) if text else "nothing"
        raise LabError(f"{path}:{number}: {column} is {shown}, not a time: write {TIME_HELP}.")
    return moment


def _quantity(path: Path, number: int, column: str, text: str) -> int:
    try:
        quantity = int(text)
    except ValueError:
        quantity = -1
    if quantity < 0:
        shown = repr(text) if text else "nothing"
        raise LabError(f"{path}:{number}: {column} is {shown}, not a whole number of units.")
    return quantity


def read_stock(path: Path) -> tuple[StockLine, ...]:
    """The stock file: sku and quantity, and location if the stock sits in several."""
    header, rows = _rows(path, "stock")
    hint = "The stock file's columns are sku, quantity and (optionally) location."
    sku_col = _column(path, header, "sku", "sku", hint)
    qty_col = _column(path, header, "quantity", "quantity", hint)
    loc_col = next((c for c in header if c.lower() == "location"), None)
    found: list[StockLine] = []
    for number, row in rows:
        sku = row.get(sku_col, "")
        if not sku:
            raise LabError(f"{path}:{number}: no SKU in column {sku_col!r}.")
        quantity = _quantity(path, number, qty_col, row.get(qty_col, ""))
        location = (row.get(loc_col) or None) if loc_col else None
        found.append(StockLine(number, sku, location, quantity))
    return tuple(found)
