"""Charts as inline SVG, drawn on the server: a SKU's on-hand units over its last movements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from stockpool.domain.movements import LedgerEntry
from stockpool.domain.states import PHYSICAL_STATES

WIDTH, HEIGHT, PAD = 600, 140, 8


@dataclass(frozen=True, slots=True)
class Timeline:
    points: str  # the SVG polyline's points
    low: int
    high: int
    movements: int
    width: int = WIDTH
    height: int = HEIGHT


def on_hand_change(entry: LedgerEntry) -> int:
    """How much the entry changed on-hand units (physical states only)."""
    deltas = entry.movement.deltas()
    return sum(q for state, q in deltas.items() if state in PHYSICAL_STATES)


def on_hand_timeline(on_hand_now: int, newest_first: Sequence[LedgerEntry]) -> Timeline:
    """The on-hand level after each of the movements (oldest on the left), worked back from
    today's on-hand through the newest movements."""
    levels = [on_hand_now]
    for entry in newest_first:
        levels.append(levels[-1] - on_hand_change(entry))
    levels.reverse()  # the level before the oldest movement first, now last
    low, high = min(levels), max(levels)
    span = max(high - low, 1)
    step = (WIDTH - 2 * PAD) / max(len(levels) - 1, 1)
    points = " ".join(
        f"{PAD + i * step:.1f},{HEIGHT - PAD - (level - low) * (HEIGHT - 2 * PAD) / span:.1f}"
        for i, level in enumerate(levels)
    )
    return Timeline(points, low, high, len(newest_first))


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    height: float
    count: int


BAR_WIDTH, BARS_HEIGHT = 10, 30


def hour_bars(counts: Sequence[int]) -> list[Bar]:
    """One bar per hour, scaled to the busiest hour, for a small inline SVG."""
    top = max(max(counts, default=0), 1)
    bars = []
    for i, count in enumerate(counts):
        height = BARS_HEIGHT * count / top
        bars.append(Bar(i * BAR_WIDTH, BARS_HEIGHT - height, height, count))
    return bars
