"""CSV import and export. An import applies whole or not at all, and names every wrong row."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import IO, TypeVar

from stockpool.domain.catalog import Location, Sku, parse_kind, unit_cost
from stockpool.domain.errors import InvalidRequest, StockpoolError
from stockpool.domain.operations import SetLevels
from stockpool.domain.quantities import non_negative
from stockpool.domain.states import ADJUSTABLE_STATES, ALL_STATES, State
from stockpool.services.catalog import CatalogService
from stockpool.services.ports import Progress, UnitOfWorkFactory
from stockpool.services.stock import StockService

T = TypeVar("T")

# Columns an export writes that an import of it leaves alone: orders own reserved and committed,
# and on_hand is derived.
EXPORT_ONLY_COLUMNS = ("reserved", "committed", "on_hand")
STOCK_COLUMNS = ("sku", "location", *(s.value for s in ALL_STATES), "on_hand")
MAX_ERRORS_SHOWN = 50


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # the line number in the file, the header being line 1
    message: str


class ImportRejected(InvalidRequest):
    def __init__(self, errors: list[RowError]) -> None:
        shown = "\n".join(f"  row {e.row}: {e.message}" for e in errors[:MAX_ERRORS_SHOWN])
        more = len(errors) - MAX_ERRORS_SHOWN
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(
            f"{len(errors)} row(s) are wrong; nothing was imported. Fix them and import again:\n"
            f"{shown}{tail}"
        )
        self.errors = errors


@dataclass(frozen=True, slots=True)
class ImportSummary:
    rows: int
    created: int = 0
    movements: int = 0
    ignored_columns: tuple[str, ...] = ()


Rows = list[tuple[int, dict[str, str]]]


def read_rows(stream: IO[str], required: tuple[str, ...]) -> tuple[list[str], Rows, list[RowError]]:
    """The header, (line number, row) pairs, and the rows too ragged to read. A bad header is
    refused at once; row errors are returned, to be reported with every other wrong row."""
    reader = csv.reader(stream)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise ImportRejected(
            [RowError(1, "the file is empty; the first line must be a header")]
        ) from None
    except csv.Error as error:
        raise ImportRejected([RowError(1, f"not a CSV header: {error}")]) from None
    missing = [name for name in required if name not in header]
    if missing:
        raise ImportRejected(
            [
                RowError(
                    1, f"missing column(s) {', '.join(missing)}; the header has {', '.join(header)}"
                )
            ]
        )
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise ImportRejected([RowError(1, f"column(s) {', '.join(duplicated)} appear twice")])
    rows: Rows = []
    errors: list[RowError] = []
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                errors.append(RowError(line, f"{len(values)} fields, the header has {len(header)}"))
                continue
            rows.append(
                (line, {name: value.strip() for name, value in zip(header, values, strict=True)})
            )
    except csv.Error as error:
        errors.append(RowError(reader.line_num, f"not valid CSV: {error}"))
    if not rows and not errors:
        raise ImportRejected([RowError(2, "the file has a header but no rows")])
    return header, rows, errors


def parse_each(
    rows: Rows,
    parse: Callable[[dict[str, str]], T],
    identity: Callable[[T], object],
) -> tuple[list[tuple[int, T]], list[RowError]]:
    """Parse every row: (line, item) for the good ones, and every error, including a row that
    repeats an earlier one."""
    parsed: list[tuple[int, T]] = []
    errors: list[RowError] = []
    first_seen: dict[object, int] = {}
    for line, row in rows:
        try:
            item = parse(row)
        except StockpoolError as error:
            errors.append(RowError(line, error.message))
            continue
        key = identity(item)
        if key in first_seen:
            errors.append(RowError(line, f"repeats row {first_seen[key]} ({key})"))
            continue
        first_seen[key] = line
        parsed.append((line, item))
    return parsed, errors


def refuse(errors: list[RowError]) -> None:
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.row))


def parsed_or_refused(
    rows: Rows,
    unreadable: list[RowError],
    parse: Callable[[dict[str, str]], T],
    identity: Callable[[T], object],
) -> list[T]:
    parsed, errors = parse_each(rows, parse, identity)
    refuse(unreadable + errors)
    return [item for _, item in parsed]


def whole_number(text: str, column: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise InvalidRequest(f"{column} must be a whole number (got {text!r})") from None
    return non_negative(number, column)


_TRUE = frozenset({"true", "yes", "1", "y"})
_FALSE = frozenset({"false", "no", "0", "n", ""})


def yes_or_no(text: str, column: str) -> bool:
    """true/yes/1 or false/no/0 (blank: false)."""
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise InvalidRequest(f"{column} must be true or false (got {text!r})")


def _sku(row: dict[str, str]) -> Sku:
    cost = row.get("unit_cost", "")
    return Sku(
        row["sku"],
        row.get("name", ""),
        row.get("barcode") or None,
        restock_on_receipt=yes_or_no(row.get("restock_on_receipt", ""), "restock_on_receipt"),
        unit_cost=unit_cost(cost) if cost else None,
    )


def _location(row: dict[str, str]) -> Location:
    channels = row.get("channels", "").replace("|", ";").replace(",", ";").split(";")
    priority = row.get("priority", "")
    return Location(
        code=row.get("code") or row.get("location", ""),
        kind=parse_kind(row["kind"]),
        name=row.get("name", ""),
        channels=frozenset(c.strip() for c in channels if c.strip()),
        priority=whole_number(priority, "priority") if priority else 100,
        region=row.get("region") or None,
        snapshot_max_age_seconds=(
            whole_number(max_age, "snapshot_max_age_seconds")
            if (max_age := row.get("snapshot_max_age_seconds"))
            else None
        ),
    )


class CsvService:
    def __init__(
        self, uow: UnitOfWorkFactory, catalog: CatalogService, stock: StockService
    ) -> None:
        self._uow = uow
        self._catalog = catalog
        self._stock = stock

    def import_skus(self, stream: IO[str], progress: Progress | None = None) -> ImportSummary:
        """Columns: sku (required), name, barcode, restock_on_receipt (true/false), unit_cost
        (a decimal, blank: not priced). Each row replaces its SKU, as PUT /v1/skus/{sku} does."""
        _, rows, unreadable = read_rows(stream, ("sku",))
        skus = parsed_or_refused(rows, unreadable, _sku, lambda s: s.code)
        return ImportSummary(len(skus), created=self._catalog.put_skus(skus, progress))

    def import_locations(self, stream: IO[str], progress: Progress | None = None) -> ImportSummary:
        """Columns: code (or location), kind (required), name, channels (a;b), priority, region,
        snapshot_max_age_seconds."""
        header, rows, unreadable = read_rows(stream, ("kind",))
        if "code" not in header and "location" not in header:
            raise ImportRejected([RowError(1, "missing column code (or location)")])
        locations = parsed_or_refused(rows, unreadable, _location, lambda loc: loc.code)
        return ImportSummary(
            len(locations), created=self._catalog.put_locations(locations, progress)
        )

    def import_stock(
        self, stream: IO[str], *, actor: str, reference: str, progress: Progress | None = None
    ) -> ImportSummary:
        """Set stock levels: sku, location and one column per state to set (available,
        quality_control, damaged, safety_stock, incoming) - the layout `export stock` writes -
        or sku, location, quantity and an optional state column (default available). Each
        difference from the current level is posted to the ledger with reason import."""
        header, rows, unreadable = read_rows(stream, ("sku", "location"))
        long_form, state_columns = _stock_layout(header)

        def parse(row: dict[str, str]) -> SetLevels:
            return _levels(row, long_form, state_columns, reference)

        parsed, errors = parse_each(
            rows,
            parse,
            lambda c: (
                (c.sku, c.location, c.levels[0][0].value) if long_form else (c.sku, c.location)
            ),
        )
        refuse(unreadable + errors + self._unknown(parsed))
        commands = [command for _, command in parsed]
        change = self._stock.execute_all(commands, actor=actor, progress=progress)
        ignored = tuple(c for c in header if c in EXPORT_ONLY_COLUMNS)
        return ImportSummary(
            len(commands), movements=len(change.movements), ignored_columns=ignored
        )

    def _unknown(self, parsed: list[tuple[int, SetLevels]]) -> list[RowError]:
        with self._uow(write=False) as uow:
            skus = uow.catalog.known_skus(c.sku for _, c in parsed)
            locations = uow.catalog.known_locations(c.location for _, c in parsed)
        errors = []
        for line, command in parsed:
            if command.sku not in skus:
                errors.append(
                    RowError(line, f"unknown SKU {command.sku!r}: import or create it first")
                )
            if command.location not in locations:
                errors.append(
                    RowError(
                        line, f"unknown location {command.location!r}: import or create it first"
                    )
                )
        return errors

    def export_stock(self, stream: IO[str], progress: Progress | None = None) -> int:
        """Every balance as one row: sku, location, each state, on_hand. Returns the row count."""
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(STOCK_COLUMNS)
        written = 0
        with self._uow(write=False) as uow:
            for (sku, location), balance in uow.ledger.all_balances():
                quantities = balance.as_dict()
                writer.writerow([sku, location, *(quantities[c] for c in STOCK_COLUMNS[2:])])
                written += 1
                if progress is not None:
                    progress(written)
        return written

    def count_balances(self) -> int:
        with self._uow(write=False) as uow:
            return uow.ledger.count_balances()


_SETTABLE = [s.value for s in ADJUSTABLE_STATES]


def _stock_layout(header: Sequence[str]) -> tuple[bool, list[str]]:
    """Whether a stock file is long (quantity[,state]) or wide (a column per state), and its
    state columns; refused when it has unknown columns or none to set."""
    long_form = "quantity" in header
    known = {
        "sku",
        "location",
        *EXPORT_ONLY_COLUMNS,
        *(["quantity", "state"] if long_form else _SETTABLE),
    }
    unknown = [c for c in header if c not in known]
    if unknown:
        allowed = "quantity, state" if long_form else ", ".join(_SETTABLE)
        message = f"unknown column(s) {', '.join(unknown)}; stock columns are {allowed}"
        raise ImportRejected([RowError(1, message)])
    state_columns = [c for c in header if c in _SETTABLE]
    if not long_form and not state_columns:
        message = f"no quantity column: add quantity, or one of {', '.join(_SETTABLE)}"
        raise ImportRejected([RowError(1, message)])
    return long_form, state_columns


def _levels(
    row: dict[str, str], long_form: bool, state_columns: Sequence[str], reference: str
) -> SetLevels:
    """One row of a stock file as the levels it sets."""
    levels: tuple[tuple[State, int], ...]
    if long_form:
        state = row.get("state") or State.AVAILABLE.value
        if state not in _SETTABLE:
            raise InvalidRequest(f"state must be one of {', '.join(_SETTABLE)} (got {state!r})")
        levels = ((State(state), whole_number(row["quantity"], "quantity")),)
    else:
        levels = tuple((State(c), whole_number(row[c], c)) for c in state_columns if row[c] != "")
    return SetLevels(row["sku"], row["location"], levels, reference)
