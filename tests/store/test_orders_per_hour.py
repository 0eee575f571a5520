"""The overview's orders per channel per hour, counted by the database, on SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta, timezone

from stockpool.domain.orders import NewOrder, OrderLine
from stockpool.store.repositories.orders import OrderRepository

NOW = datetime(2026, 11, 28, 12, 30, tzinfo=UTC)  # the window of 4 hours starts at 09:00
TAKEN = [  # (when the order is taken, its channel)
    (datetime(2026, 11, 28, 8, 59, 59, 999999, tzinfo=UTC), "shopify"),  # before the window
    (datetime(2026, 11, 27, 11, 0, tzinfo=UTC), "walmart"),  # a day before, same hour of day
    (datetime(2026, 11, 28, 9, 0, tzinfo=UTC), "shopify"),  # the window's first instant
    (datetime(2026, 11, 28, 9, 59, 59, 500000, tzinfo=UTC), "amazon"),
    (datetime(2026, 11, 28, 10, 0, tzinfo=UTC), "amazon"),
    (datetime(2026, 11, 28, 12, 1, tzinfo=UTC), "shopify"),
    (datetime(2026, 11, 28, 12, 29, 59, tzinfo=UTC), "shopify"),
]


def take_orders(container, seeded, clock):
    for n, (at, channel) in enumerate(TAKEN):
        clock.now = at
        placed = NewOrder(channel, f"O-{n}", (OrderLine(seeded.tee, 1),), at)
        container.intake.ingest(placed, actor="t")
    clock.now = NOW


def test_orders_are_counted_per_channel_per_utc_hour_from_the_window_start(
    container, seeded, clock
):
    take_orders(container, seeded, clock)
    counted = container.orders.per_hour(NOW, hours=4)
    assert counted.since == datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    assert counted.channels == {"amazon": [1, 1, 0, 0], "shopify": [1, 0, 0, 2]}
    # The same instant given in another zone (half an hour off UTC) counts the same UTC hours.
    india = NOW.astimezone(timezone(timedelta(hours=5, minutes=30)))
    assert container.orders.per_hour(india, hours=4) == counted
    assert (
        container.orders.per_hour(NOW, hours=26).channels["walmart"][0] == 1
    )  # 11:00 the day before


def test_the_hours_do_not_depend_on_the_sessions_time_zone(container, seeded, clock):
    take_orders(container, seeded, clock)
    since = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    with container.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET TIME ZONE 'Asia/Kolkata'")  # UTC+05:30
        found = sorted(OrderRepository(connection).per_hour(since))
        connection.rollback()
    hour = datetime(2026, 11, 28, 9, tzinfo=UTC)
    assert found == [
        ("amazon", hour, 1),
        ("amazon", hour + timedelta(hours=1), 1),
        ("shopify", hour, 1),
        ("shopify", hour + timedelta(hours=3), 2),
    ]
