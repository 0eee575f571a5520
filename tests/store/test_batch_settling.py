"""Orders decided together settle their shortfalls in one pass, reading what other lines hold
once for the batch: the outcome must be exactly that of the same orders taken one at a time -
who gave units to whom, what each line holds where, every conflict and cancellation."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from stockpool.domain.operations import Receive
from stockpool.domain.orders import NewOrder, OrderLine


def orders(
    draw: random.Random, now: datetime, sku: str, channels: list[str], count: int
) -> list[NewOrder]:
    made = []
    for n in range(count):
        placed = now - timedelta(hours=2, minutes=draw.randint(0, 30))
        ship_by = draw.choice([None, now + timedelta(days=draw.randint(1, 3))])
        if draw.random() < 0.1:
            ship_by = placed + timedelta(hours=1)  # overdue: settled as cancel
        made.append(
            NewOrder(
                draw.choice(channels),
                f"O-{n}",
                (OrderLine(sku, draw.choice([1, 1, 2, 3])),),
                placed,
                ship_by,
                confirmed=draw.random() > 0.1,
            )
        )
    return made


def renamed(order: NewOrder, sku: str) -> NewOrder:
    line = order.lines[0]
    return NewOrder(
        order.channel,
        "M" + order.external_id,
        (OrderLine(sku, line.quantity),),
        order.placed_at,
        order.ship_by,
        confirmed=order.confirmed,
    )


def outcome(container, sku):
    """Each order's lines and allocations, each conflict and each cancellation queued, with
    order ids as places among the orders of sku."""
    with container.uow(write=False) as uow:
        ids = uow.orders.ids(channel=None, status=None, after=None, limit=1000)
        mine = {i: o for i, o in uow.orders.get_many(ids).items() if o.lines[0].sku == sku}
        conflicts = [c for c in uow.conflicts.page(status=None, after=None, limit=1000)]
    place = {order_id: n for n, order_id in enumerate(sorted(mine))}
    orders_seen = [
        (
            o.external_id.removeprefix("M"),
            o.status,
            [(ln.committed, ln.short, ln.reserved) for ln in o.lines],
            sorted((a.location, a.units) for a in o.allocations),
        )
        for _, o in sorted(mine.items())
    ]
    settled = [
        (
            place[c.order_id],
            c.line_no,
            c.short,
            c.status,
            c.resolution["action"],
            [(place[t["order_id"]], t["location"], t["units"]) for t in c.resolution["take"]]
            if "take" in c.resolution
            else place[c.resolution["given_to"]["order_id"]],
        )
        for c in conflicts
        if c.order_id in place
    ]
    cancelled: dict[int, int] = {}  # units queued per order (once, or in parts)
    for c in container.cancellations.listed(limit=500):
        if c.order_id in place:
            units = sum(line.quantity for line in c.lines)
            cancelled[place[c.order_id]] = cancelled.get(place[c.order_id], 0) + units
    return orders_seen, settled, cancelled


@pytest.mark.parametrize(
    ("channels", "seed"),
    [
        (["shopify", "amazon", "walmart"], 1),  # each channel drawing on its own locations
        (["shopify", "amazon", "walmart"], 2),
        (["walmart"], 3),  # one channel: takes by ship-by and age alone
    ],
)
def test_a_batch_settles_exactly_as_its_orders_one_at_a_time(
    container, seeded, clock, channels, seed
):
    for sku in (seeded.tee, seeded.mug):
        for location, units in ((seeded.dallas, 6), (seeded.fba, 3), (seeded.store, 2)):
            container.stock.execute(Receive(sku, location, units), actor="t")
    batch = orders(random.Random(seed), clock.now, seeded.tee, channels, 40)
    answers = container.intake.ingest_many(batch, actor="t")
    assert all(not isinstance(a, Exception) for a in answers)
    for order in batch:
        container.intake.ingest(renamed(order, seeded.mug), actor="t")

    together, alone = outcome(container, seeded.tee), outcome(container, seeded.mug)
    assert together == alone
    taken = [c for c in together[1] if isinstance(c[5], list) and c[5]]
    assert taken, "no line took units from another: a weak case"
    assert together[2], "nothing was cancelled: a weak case"
    assert container.ledger.check() == []
