"""Units stockpool cancels that the platform must cancel too: which, counted so that settling
the same units again asks for nothing more, and as the platform's own lines.

A line's units stockpool has cancelled, or settled as cancel, are counted cumulatively: the
line's cancelled units plus, while its latest conflict says cancel, its short ones. What was
already queued is known by how far each line was counted ("0:1-2" queued units 1 to 2 of line
0); only units past that are queued again. The same units settled twice make the same count,
hence nothing new (and the same key, which the store keeps unique).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from stockpool.domain.errors import InvariantBroken
from stockpool.domain.orders import LineState
from stockpool.domain.platforms import CancellationOutcome, PlatformOrderLine

# A failed attempt is tried again after FIRST_RETRY, doubling each time up to LAST_RETRY.
FIRST_RETRY = timedelta(seconds=30)
LAST_RETRY = timedelta(hours=1)


class CancellationState(StrEnum):
    QUEUED = "queued"  # waiting to be sent
    DONE = "done"  # the platform cancelled the units (or a person did, by hand)
    MANUAL = "manual"  # a person must: detail says what to do
    FAILED = "failed"  # the last attempt failed for now: sent again at next_attempt_at


# What each outcome of an attempt leaves a cancellation in.
STATE_AFTER = {
    CancellationOutcome.DONE: CancellationState.DONE,
    CancellationOutcome.MANUAL: CancellationState.MANUAL,
    CancellationOutcome.FAILED: CancellationState.FAILED,
}


@dataclass(frozen=True, slots=True)
class LineUnits:
    """Units first to last (counted from 1 over every unit stockpool cancels) of an order line."""

    line_no: int
    first: int
    last: int


@dataclass(frozen=True, slots=True)
class ToCancel:
    """What to ask the platform: its lines, and which of stockpool's units they stand for."""

    lines: tuple[PlatformOrderLine, ...]
    units: tuple[LineUnits, ...]

    @property
    def key(self) -> str:
        """The units as stored and kept unique per order: "line:first-last,..."."""
        return ",".join(f"{u.line_no}:{u.first}-{u.last}" for u in self.units)


@dataclass(frozen=True, slots=True)
class PlatformCancellation:
    """A cancellation queued for a platform, and what became of it."""

    id: int
    channel: str
    external_id: str
    order_id: int
    lines: tuple[PlatformOrderLine, ...]
    reason: str
    state: CancellationState
    attempts: int
    next_attempt_at: datetime | None
    detail: str | None
    created_at: datetime
    updated_at: datetime


def queued_through(keys: Iterable[str]) -> dict[int, int]:
    """How far each line's units were queued already, from the keys of an order's rows."""
    through: dict[int, int] = {}
    for key in keys:
        for part in key.split(","):
            line, _, span = part.partition(":")
            last = int(span.partition("-")[2])
            through[int(line)] = max(through.get(int(line), 0), last)
    return through


def to_cancel(
    lines: Sequence[LineState],
    cancelling: Set[int],
    queued: Mapping[int, int],
    channel_skus: Mapping[str, str],
    per_bundle: Mapping[tuple[str, str], int],
) -> ToCancel | None:
    """What to ask the platform to cancel now (None: nothing new). cancelling: the lines whose
    latest conflict says cancel; queued: queued_through; channel_skus: the channel's SKU of
    each of ours (ours where it has none); per_bundle: units of a component in one bundle."""
    units: list[LineUnits] = []
    # A bundle's units are the platform's line: one bundle unit goes with any of its components.
    groups: dict[tuple[str, int], tuple[str, int, int]] = {}
    for line_no, line in enumerate(lines):
        through = line.cancelled + (line.short if line_no in cancelling else 0)
        before = queued.get(line_no, 0)
        if through > before:
            units.append(LineUnits(line_no, before + 1, through))
        sku, per, group = line.sku, 1, ("line", line_no)
        if line.bundle is not None and line.bundle_line is not None:
            sku, group = line.bundle, ("bundle", line.bundle_line)
            per = max(per_bundle.get((line.bundle, line.sku), 1), 1)
        _, wanted, covered = groups.get(group, (sku, 0, 0))
        groups[group] = (sku, max(wanted, _ceil(through, per)), max(covered, _ceil(before, per)))
    asked: dict[str, int] = {}
    for sku, wanted, covered in groups.values():
        if wanted > covered:
            channel_sku = channel_skus.get(sku, sku)
            asked[channel_sku] = asked.get(channel_sku, 0) + wanted - covered
    if not asked:
        return None
    return ToCancel(
        tuple(PlatformOrderLine(sku, quantity) for sku, quantity in asked.items()), tuple(units)
    )


def _ceil(units: int, per: int) -> int:
    return -(-units // per)


def retry_at(attempts: int, at: datetime) -> datetime:
    """When a cancellation that failed attempts times is tried again: backing off, capped."""
    if attempts < 1:
        raise InvariantBroken(f"retry_at after {attempts} attempts")
    return at + min(FIRST_RETRY * (1 << min(attempts - 1, 20)), LAST_RETRY)
