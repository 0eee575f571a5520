"""A conflict reads only the holdings it could take, the cheapest to cancel first: the database's
order must be the domain's cancellation_rank exactly (cost, later ship-by, newer order, then
order, line and location), ties and missing ship-by dates included, on both engines."""

from __future__ import annotations

import random
from datetime import timedelta

from stockpool.domain.conflicts import cancellation_rank
from stockpool.domain.operations import Receive
from stockpool.domain.orders import NewOrder, OrderLine

TEE, DAL, NYC = "TEE-M-BLK", "DAL-1", "NYC-STORE"


def rank(holding):
    line = holding.line
    return (cancellation_rank(line), line.order_id, line.line_no, holding.location)


def test_the_cheapest_holdings_come_first_in_the_domains_order(container, seeded, clock):
    draw = random.Random(7)
    for location in (DAL, NYC):
        container.stock.execute(Receive(TEE, location, 200), actor="test")
    start = clock.now
    for n in range(40):
        placed = start - timedelta(hours=draw.choice([1, 2, 2, 3]))  # ties on purpose
        ship_by = draw.choice([None, None, start + timedelta(days=draw.randint(1, 3))])
        channel = draw.choice(["shopify", "amazon", "walmart"])
        lines = (OrderLine(TEE, draw.randint(1, 3)),)
        container.intake.ingest(NewOrder(channel, f"O-{n}", lines, placed, ship_by), actor="t")

    with container.uow(write=False) as uow:
        every = uow.conflicts.holdings(TEE, [DAL, NYC])
        ranked = sorted(every, key=rank)
        assert len(every) >= 40
        for cheapest in (1, 2, 5, 17, len(every), len(every) + 5):
            found = uow.conflicts.holdings(TEE, [DAL, NYC], cheapest=cheapest)
            assert found == ranked[:cheapest]
        costliest = max(h.line.cost for h in every)
        below = uow.conflicts.holdings(TEE, [DAL, NYC], cost_at_most=costliest - 1, cheapest=6)
        assert below == [h for h in ranked if h.line.cost < costliest][:6]
