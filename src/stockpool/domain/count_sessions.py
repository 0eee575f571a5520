"""Counts as sessions: opened for a location and its SKUs, counted line by line (by one counter
or several), submitted, approved by another person when a variance is large, then posted.

Each line keeps what the ledger held when it was counted (expected), so the posting applies
variances, not counted totals: what moved after a line was counted stays counted exactly once.

A count waits for approval when a line's |variance| is above the units threshold, or when the
value of all its variances (|variance| x the SKU's unit cost when counted, unpriced SKUs counting
0) is above the value threshold. Both are kept with the count from when it opened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Literal

from stockpool.domain.catalog import location_code, sku_code
from stockpool.domain.counts import CountLine, CountVariance, PostVariances
from stockpool.domain.errors import Conflict, InvalidRequest
from stockpool.domain.quantities import non_negative

COUNT_SKUS_MAX = 500
VALUE_THRESHOLD_MAX = Decimal(10) ** 13  # the column keeps 14 digits before the point
_MONEY_STEP = Decimal("0.0001")

# Which threshold a count's variances are over: why it waits (or waited) for approval.
Threshold = Literal["units", "value"]


class CountStatus(StrEnum):
    OPEN = "open"
    AWAITING_APPROVAL = "awaiting_approval"
    POSTED = "posted"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class NewCount:
    """What opening a count asks for: a location, the SKUs to count there, blind or not."""

    location: str
    skus: tuple[str, ...]
    blind: bool = False

    def __post_init__(self) -> None:
        location_code(self.location)
        if not self.skus:
            raise InvalidRequest("a count needs at least one SKU to count.")
        if len(self.skus) > COUNT_SKUS_MAX:
            raise InvalidRequest(f"a count takes at most {COUNT_SKUS_MAX} SKUs; open several.")
        for sku in self.skus:
            sku_code(sku)
        if len(set(self.skus)) != len(self.skus):
            raise InvalidRequest("each SKU is named once in a count.")


# One counter's total for one SKU: what a one-shot count's line says.
LineCounted = CountLine


@dataclass(frozen=True, slots=True)
class SessionLine:
    """A SKU of a count: not counted yet (counted None), or counted against what the ledger
    held at that moment (expected)."""

    sku: str
    counted: int | None = None
    expected: int | None = None
    counted_by: str | None = None
    counted_at: datetime | None = None
    unit_cost: Decimal | None = None  # the SKU's when counted; None: unpriced

    @property
    def variance(self) -> int | None:
        if self.counted is None or self.expected is None:
            return None
        return self.counted - self.expected

    @property
    def variance_value(self) -> Decimal:
        """|variance| x unit cost; 0 when uncounted or unpriced."""
        if self.variance is None or self.unit_cost is None:
            return Decimal(0)
        return abs(self.variance) * self.unit_cost


@dataclass(frozen=True, slots=True)
class CountSession:
    id: int
    location: str
    blind: bool
    threshold: int  # units: a larger |variance| on any line waits for approval
    status: CountStatus
    lines: tuple[SessionLine, ...]
    opened_by: str
    opened_at: datetime
    submitted_by: str | None = None
    approved_by: str | None = None
    cancelled_by: str | None = None
    updated_at: datetime | None = None
    value_threshold: Decimal | None = None  # money: a larger variance value waits; None: no limit

    @property
    def reference(self) -> str:
        return f"count {self.id}"

    @property
    def shows_expected(self) -> bool:
        """A blind count hides expected and variance from everyone until it is submitted."""
        return not self.blind or self.status not in (CountStatus.OPEN, CountStatus.CANCELLED)

    def check_open(self, doing: str) -> None:
        if self.status != CountStatus.OPEN:
            raise Conflict(f"Count {self.id} is {self.status.value}: {doing} needs an open count.")

    def check_lines(self, lines: Sequence[LineCounted]) -> None:
        """Lines may be added only while open, and only for the SKUs the count was opened for."""
        self.check_open("adding lines")
        if not lines:
            raise InvalidRequest("send at least one line (sku and counted).")
        skus = [line.sku for line in lines]
        if len(set(skus)) != len(skus):
            raise InvalidRequest("each SKU appears once per request; send its latest total.")
        known = {line.sku for line in self.lines}
        stray = sorted(set(skus) - known)
        if stray:
            raise InvalidRequest(
                f"Count {self.id} at {self.location} does not count {', '.join(stray)}; "
                f"it counts {', '.join(sorted(known))}."
            )

    def after_submit(self) -> CountStatus:
        """Posted now, or waiting for approval when any line's variance exceeds the threshold.
        Refused while a SKU is still uncounted."""
        self.check_open("submitting")
        missing = [line.sku for line in self.lines if line.counted is None]
        if missing:
            raise Conflict(
                f"Count {self.id}: {', '.join(missing)} not counted yet; add their lines first."
            )
        return CountStatus.AWAITING_APPROVAL if self.over_thresholds else CountStatus.POSTED

    @property
    def variance_value(self) -> Decimal:
        """The value of every line's variance, up or down: |variance| x unit cost, summed."""
        return sum((line.variance_value for line in self.lines), Decimal(0))

    @property
    def unpriced(self) -> tuple[str, ...]:
        """Counted SKUs that had no unit cost: their variance is worth 0 to the value threshold."""
        return tuple(
            line.sku for line in self.lines if line.counted is not None and line.unit_cost is None
        )

    @property
    def over_thresholds(self) -> tuple[Threshold, ...]:
        """The thresholds the counted lines are above: units (a line's |variance|), value (the
        count's variance value). Any of them makes a submitted count wait for approval."""
        over: list[Threshold] = []
        if any(abs(line.variance or 0) > self.threshold for line in self.lines):
            over.append("units")
        if self.value_threshold is not None and self.variance_value > self.value_threshold:
            over.append("value")
        return tuple(over)

    def check_approval(self, actor: str) -> None:
        if self.status != CountStatus.AWAITING_APPROVAL:
            raise Conflict(
                f"Count {self.id} is {self.status.value}, not awaiting approval: "
                "nothing to approve."
            )
        if actor in (self.opened_by, self.submitted_by):
            raise Conflict(
                f"Count {self.id} was opened or submitted by {actor}: another person approves it."
            )

    def posting(self) -> PostVariances:
        """The variances to post, as a stock command."""
        variances = tuple(
            CountVariance(line.sku, line.variance)
            for line in self.lines
            if line.variance is not None
        )
        return PostVariances(self.location, variances, self.reference)


def counted_line(
    line: LineCounted,
    expected: int,
    actor: str,
    at: datetime,
    unit_cost: Decimal | None = None,
) -> SessionLine:
    """A line as counted at `at`, against the ledger's on-hand and the SKU's unit cost at that
    moment."""
    return SessionLine(
        line.sku, line.counted, non_negative(expected, "expected"), actor, at, unit_cost
    )


def value_threshold(value: object, field: str) -> Decimal:
    """A money threshold: 0 or more, below 10^13, at most 4 decimals."""
    try:
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        amount = Decimal("NaN")
    if isinstance(value, bool) or not amount.is_finite() or amount != amount.quantize(_MONEY_STEP):
        raise InvalidRequest(
            f"{field} must be an amount of money with at most 4 decimals (got {value!r})."
        )
    if not 0 <= amount < VALUE_THRESHOLD_MAX:
        raise InvalidRequest(f"{field} must be from 0 to less than 10^13 (got {value}).")
    return amount


@dataclass(frozen=True, slots=True)
class ApprovalThresholds:
    """Units of variance a count line may have, and the value of variance a count may have,
    before the count waits for approval: one figure each for every location (value None: no
    value limit), and per-location exceptions (a location's value None: no limit there)."""

    default: int = 10
    by_location: tuple[tuple[str, int], ...] = ()
    value: Decimal | None = None
    value_by_location: tuple[tuple[str, Decimal | None], ...] = ()

    def __post_init__(self) -> None:
        non_negative(self.default, "count approval threshold")
        for location, units in self.by_location:
            location_code(location)
            non_negative(units, f"count approval threshold of {location}")
        if self.value is not None:
            value_threshold(self.value, "count approval value")
        for location, amount in self.value_by_location:
            location_code(location)
            if amount is not None:
                value_threshold(amount, f"count approval value of {location}")

    def at(self, location: str) -> int:
        return dict(self.by_location).get(location, self.default)

    def value_at(self, location: str) -> Decimal | None:
        """The location's value threshold; None: no value limit."""
        return dict(self.value_by_location).get(location, self.value)
