"""Which units stockpool cancelled that the platform must cancel too: counted so that settling
the same units again asks for nothing more, and said in the platform's own lines."""

from datetime import UTC, datetime

import pytest

from stockpool.domain.errors import InvariantBroken
from stockpool.domain.orders import LineState
from stockpool.domain.platform_cancellations import (
    LAST_RETRY,
    queued_through,
    retry_at,
    to_cancel,
)
from stockpool.domain.platforms import PlatformOrderLine

TEE, MUG, KIT = "TEE-M-BLK", "MUG-12OZ", "KIT-GIFT"


def line(sku: str = TEE, bundle: str | None = None, bundle_line: int | None = None, **units: int):
    units.setdefault("committed", 0)
    units.setdefault("short", 0)
    return LineState(sku, sum(units.values()), bundle=bundle, bundle_line=bundle_line, **units)


def test_a_line_settled_as_cancel_asks_for_its_short_units_by_the_channels_sku() -> None:
    lines = [line(committed=1, short=2), line(MUG, short=1)]
    asked = to_cancel(lines, {0}, {}, {TEE: "shop-tee"}, {})
    assert asked is not None
    assert asked.lines == (PlatformOrderLine("shop-tee", 2),)  # the MUG line is backordered
    assert asked.key == "0:1-2"


def test_settling_the_same_units_again_asks_nothing_and_more_units_ask_only_for_those() -> None:
    lines = [line(committed=1, short=2)]
    assert to_cancel(lines, {0}, queued_through(["0:1-2"]), {}, {}) is None
    # The line lost its committed unit, settled as cancel again (one new unit); then a person
    # cancels all three in stockpool (nothing new).
    more = to_cancel([line(short=3)], {0}, queued_through(["0:1-2"]), {}, {})
    assert more is not None and more.key == "0:3-3" and more.lines == (PlatformOrderLine(TEE, 1),)
    assert to_cancel([line(cancelled=3)], set(), queued_through(["0:1-2", "0:3-3"]), {}, {}) is None


def test_a_bundles_components_ask_for_bundle_units_once() -> None:
    # One KIT ordered as two TEEs and a MUG: any short component cancels the one bundle unit.
    lines = [line(TEE, KIT, 0, committed=1, short=1), line(MUG, KIT, 0, short=1)]
    per_kit = {(KIT, TEE): 2, (KIT, MUG): 1}
    asked = to_cancel(lines, {0, 1}, {}, {KIT: "shop-kit"}, per_kit)
    assert asked is not None and asked.lines == (PlatformOrderLine("shop-kit", 1),)
    assert asked.key == "0:1-1,1:1-1"
    lines = [line(TEE, KIT, 0, cancelled=2), line(MUG, KIT, 0, cancelled=1)]
    again = to_cancel(lines, set(), queued_through([asked.key]), {KIT: "shop-kit"}, per_kit)
    assert again is None


def test_retries_back_off_to_a_cap() -> None:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    waits = [retry_at(n, at) - at for n in (1, 2, 3, 50)]
    assert waits[0] < waits[1] < waits[2] < waits[3] == LAST_RETRY
    with pytest.raises(InvariantBroken):
        retry_at(0, at)
