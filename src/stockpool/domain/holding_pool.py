"""What lines hold of one SKU while a run of short lines is settled against it in turn.

Settling many short lines at once (a group-committed batch of orders past the last unit) reads
the holdings once, then keeps them here: each take moves units from the line that gave them up
to the line that took them, so the next short line sees what the ones before it left, exactly
as if each had read the database after the last one wrote.

Lines of a batch are decided in the batch's order: a short line never takes from an order
placed after it in the batch (that order was not there yet when the line came), nor from its
own order.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Iterable, Iterator, Mapping

from stockpool.domain.conflicts import Holding, LineRef, Take, cancellation_rank

HoldingKey = tuple[tuple[int, float, float], int, int, str]  # rank, order, line, location


def holding_key(holding: Holding) -> HoldingKey:
    """The order resolve() weighs holdings in: the cheapest to cancel first."""
    line = holding.line
    return (cancellation_rank(line), line.order_id, line.line_no, holding.location)


class HoldingPool:
    def __init__(self, holdings: Iterable[Holding], places: Mapping[int, int]) -> None:
        """holdings: every holding a line of the run could take from (at least the cheapest
        ones, enough for all the units short); places: each order of the batch by its place."""
        self._ranked = sorted(holdings, key=holding_key)
        self._places = places

    def __iter__(self) -> Iterator[Holding]:
        return iter(self._ranked)

    def open_to(self, line: LineRef, locations: Collection[str], units: int) -> list[Holding]:
        """The holdings line may take from, cheapest first, until they hold units: those of
        lines cheaper to cancel than it, at locations that serve it, of other orders not placed
        after it in the batch."""
        rank = cancellation_rank(line)
        place = self._places.get(line.order_id)
        found: list[Holding] = []
        for holding in self._ranked:
            if units <= 0 or cancellation_rank(holding.line) >= rank:
                break
            owner = holding.line.order_id
            if (
                owner == line.order_id
                or holding.location not in locations
                or (place is not None and self._places.get(owner, -1) > place)
            ):
                continue
            found.append(holding)
            units -= holding.units
        return found

    def move(self, take: Take, to: LineRef) -> None:
        """The units of take now belong to line to, at the same location."""
        gave = self._pop(take.line, take.location)
        if gave is None:
            raise LookupError(
                f"order {take.line.order_id} line {take.line.line_no} holds nothing at "
                f"{take.location}"
            )
        if gave.units > take.units:
            self._put(Holding(gave.line, gave.location, gave.units - take.units))
        taker = self._pop(to, take.location)
        held = take.units + (taker.units if taker else 0)
        self._put(Holding(to, take.location, held))

    def _pop(self, line: LineRef, location: str) -> Holding | None:
        for i, holding in enumerate(self._ranked):
            same = (holding.line.order_id, holding.line.line_no, holding.location)
            if same == (line.order_id, line.line_no, location):
                return self._ranked.pop(i)
        return None

    def _put(self, holding: Holding) -> None:
        bisect.insort(self._ranked, holding, key=holding_key)
