"""A backtest replays a real order history through the lab: each line a shopper at its time on
its channel, ordering against what that channel shows; the platforms' exports read by their
own column names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from stockpool.domain.channels import Platform
from stockpool.sim.backtest import backtest, base_scenario, channel_names
from stockpool.sim.compare import compare
from stockpool.sim.history import layout, parse_time, read_orders, read_stock
from stockpool.sim.metrics import ChannelResult, RunResult
from stockpool.sim.scenario import LabError
from stockpool.sim.strategies import strategy
from tests.sim.conftest import scenario

# Shopify's numbers land at once; Walmart's an hour late, always.
RACE = scenario(
    channels=[
        {
            "code": "shopify",
            "platform": "shopify",
            "demand_share": 1,
            "delay_median_seconds": 0,
            "delay_sigma": 0,
        },
        {
            "code": "walmart",
            "platform": "walmart",
            "demand_share": 1,
            "delay_median_seconds": 3600,
            "delay_sigma": 0,
        },
    ],
    fixed_buffer=2,
)
HISTORY = """time,channel,sku,quantity
2026-03-02T09:00:00Z,shopify,MUG,2
2026-03-02T09:10:00+00:00,Walmart Marketplace,MUG,1
2026-03-02 11:00:00,walmart,MUG,1
2026-03-02T11:30:00Z,shopify,TEE,2
"""
STOCK = "sku,quantity\nMUG,2\nTEE,1\nHAT,5\n"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def replay(tmp_path: Path, *names: str) -> dict[str, RunResult]:
    history = read_orders(write(tmp_path, "orders.csv", HISTORY), layout("plain", None))
    stock = read_stock(write(tmp_path, "stock.csv", STOCK))
    run = backtest(
        history, stock, "stock.csv", RACE, channel_names(["Walmart Marketplace=walmart"], RACE), 1
    )
    results = compare(run.scenario, [strategy(n, run.scenario) for n in names], 1, draws=run.draws)
    return {r.strategy: r for r in results}


def channel(result: RunResult, code: str) -> ChannelResult:
    return next(c for c in result.channels if c.channel == code)


def test_the_late_channel_oversells_under_mirror_and_a_short_shelf_loses_the_sale(
    tmp_path,
) -> None:
    """Shopify sells both mugs at 09:00; Walmart still shows 2 until 10:00 and takes an order at
    09:10: one order too many, and conflicts.resolve cancels the line cheaper to cancel -
    Shopify's, whose units go to Walmart. At 11:00 Walmart shows 0 with none left: no sale, and
    none lost. The shopper wanting 2 tees of 1 on the shelf is a lost sale."""
    mirror = replay(tmp_path, "mirror")["mirror"]
    shopify, walmart = channel(mirror, "shopify"), channel(mirror, "walmart")
    assert (shopify.shoppers, walmart.shoppers) == (2, 2)
    assert (shopify.orders, walmart.orders) == (1, 1)
    assert mirror.total("oversold_orders") == 1 and shopify.oversold_units == 1
    assert mirror.total("cancellations") == 1
    assert (shopify.lost_sales, shopify.lost_units, walmart.lost_sales) == (1, 2, 0)


def test_a_channel_shown_0_while_stock_is_there_loses_every_shopper(tmp_path) -> None:
    """A buffer of 2 over 2 mugs and 1 tee shows 0 everywhere: all four shoppers are lost."""
    held = replay(tmp_path, "fixed-buffer")["fixed-buffer"]
    assert held.total("orders") == 0
    assert held.total("lost_sales") == 4
    assert held.total("oversold_orders") == 0


def test_the_run_is_built_from_the_files(tmp_path) -> None:
    history = read_orders(write(tmp_path, "orders.csv", HISTORY), layout("plain", None))
    stock = read_stock(write(tmp_path, "stock.csv", "sku,quantity,location\nMUG,2,WH-1\n"))
    run = backtest(history, stock, "stock.csv", RACE, {"Walmart Marketplace": "walmart"}, 1)
    assert run.skus == ("MUG", "TEE")  # HAT was never ordered; TEE starts at 0
    assert run.draws.stock == ((2,), (0,))
    assert [s.time for s in run.draws.shoppers] == [0, 600, 7200, 9000]
    assert [s.channel for s in run.draws.shoppers] == [0, 1, 1, 0]
    assert run.draws.demand == (4.0, 2.0)  # units over one day (the history is shorter)
    assert run.draws.shrinkage == ()
    assert [c.demand_share for c in run.scenario.channels] == [4.0, 2.0]
    assert run.start == datetime(2026, 3, 2, 9, tzinfo=UTC)


def test_an_unknown_channel_names_the_line_and_the_channels(tmp_path) -> None:
    history = read_orders(write(tmp_path, "orders.csv", HISTORY), layout("plain", None))
    with pytest.raises(LabError) as error:
        backtest(history, (), "stock.csv", RACE, {}, 1)
    assert "orders.csv:3: channel 'Walmart Marketplace'" in error.value.message
    assert "(shopify, walmart)" in error.value.message


SHOPIFY = (
    "Name,Email,Financial Status,Created at,Lineitem quantity,Lineitem name,Lineitem sku\n"
    "#1001,a@example.com,paid,2026-03-02 10:00:00 -0500,1,Mug,MUG\n"
    "#1001,,,,2,Tee,TEE\n"
    "#1002,b@example.com,paid,2026-03-02 11:00:00 -0500,1,Gift card,\n"
)
AMAZON = (
    "amazon-order-id\tmerchant-order-id\tpurchase-date\tlast-updated-date\torder-status\t"
    "fulfillment-channel\tsales-channel\tsku\tasin\tquantity\n"
    "111-1\t\t2026-03-02T15:00:00+00:00\t2026-03-03T10:00:00+00:00\tShipped\tMerchant\t"
    "Amazon.com\tMUG\tB0X\t3\n"
    "111-2\t\t2026-03-02T16:00:00+00:00\t2026-03-03T10:00:00+00:00\tCancelled\tMerchant\t"
    "Amazon.com\tTEE\tB0Y\t0\n"
)
WALMART = (
    "PO#,Order#,Order Date,Ship By,Status,Qty,SKU\n"
    "1001,2001,03/02/2026,03/04/2026,Acknowledged,1,MUG\n"
    "1002,2002,03/02/2026 18:30,03/04/2026,Shipped,2,TEE\n"
)


@pytest.mark.parametrize(
    ("preset", "text", "expected", "skipped"),
    [
        (
            "shopify",
            SHOPIFY,
            [("2026-03-02T15:00:00+00:00", "MUG", 1), ("2026-03-02T15:00:00+00:00", "TEE", 2)],
            1,
        ),
        ("amazon", AMAZON, [("2026-03-02T15:00:00+00:00", "MUG", 3)], 1),
        (
            "walmart",
            WALMART,
            [("2026-03-02T00:00:00+00:00", "MUG", 1), ("2026-03-02T18:30:00+00:00", "TEE", 2)],
            0,
        ),
    ],
)
def test_each_platforms_export_is_read_by_its_preset(
    tmp_path, preset: str, text: str, expected: list[tuple[str, str, int]], skipped: int
) -> None:
    """A Shopify order's later lines take its first line's time; a line with no SKU (a gift
    card) or no units (a cancelled Amazon order) is skipped; every line is on the platform's
    channel of the scenario (here catalog-500's)."""
    history = read_orders(write(tmp_path, "export.csv", text), layout(preset, None))
    read = [
        (line.time.astimezone(UTC).isoformat(), line.sku, line.quantity) for line in history.lines
    ]
    assert read == expected
    assert history.skipped == skipped
    base = base_scenario(None)
    run = backtest(history, (), "stock.csv", base, {}, 1)
    assert {base.channels[s.channel].platform for s in run.draws.shoppers} == {Platform(preset)}


def test_columns_override_a_preset_and_name_the_channel(tmp_path) -> None:
    chosen = layout("amazon", "channel=sales-channel")
    history = read_orders(write(tmp_path, "export.tsv", AMAZON), chosen)
    assert [line.channel for line in history.lines] == ["Amazon.com"]
    base = base_scenario(None)
    run = backtest(history, (), "stock.csv", base, channel_names(["Amazon.com=amazon"], base), 1)
    assert run.scenario.channels[run.draws.shoppers[0].channel].code == "amazon"


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2026-03-02T10:00:00Z", datetime(2026, 3, 2, 10, tzinfo=UTC)),
        ("2026-03-02T10:00:00", datetime(2026, 3, 2, 10, tzinfo=UTC)),
        ("2026-03-02 10:00:00 -0500", datetime(2026, 3, 2, 15, tzinfo=UTC)),
        (
            "2026-03-02T10:00:00+01:00",
            datetime(2026, 3, 2, 10, tzinfo=timezone(timedelta(hours=1))),
        ),
        ("03/02/2026 10:00", datetime(2026, 3, 2, 10, tzinfo=UTC)),
        ("03/02/2026 1:05:00 PM", datetime(2026, 3, 2, 13, 5, tzinfo=UTC)),
        ("yesterday", None),
    ],
)
def test_times_in_the_formats_exports_use(text: str, moment: datetime | None) -> None:
    assert parse_time(text) == moment


@pytest.mark.parametrize(
    ("orders", "stock", "message"),
    [
        ("time,sku,quantity\n", STOCK, "orders.csv:1: no column 'channel'"),
        (HISTORY.replace("11:00:00", "eleven"), STOCK, "orders.csv:4: time is '2026-03-02 eleven'"),
        (HISTORY.replace(",2\n", ",two\n", 1), STOCK, "orders.csv:2: quantity is 'two'"),
        ("", STOCK, "orders.csv:1: empty"),
        ("time,channel,sku,quantity\n", STOCK, "orders.csv: no order lines"),
        (HISTORY, "sku,units\nMUG,2\n", "stock.csv:1: no column 'quantity'"),
        (HISTORY, "sku,quantity,location\nMUG,2,DAL-1\n", "stock.csv:2: no location 'DAL-1'"),
        (HISTORY, "sku,quantity\nMUG,2\nMUG,3\n", "stock.csv:3: MUG at WH-1 again"),
    ],
)
def test_bad_input_names_the_file_and_line(tmp_path, orders: str, stock: str, message: str) -> None:
    names = {"Walmart Marketplace": "walmart"}
    with pytest.raises(LabError) as error:
        history = read_orders(write(tmp_path, "orders.csv", orders), layout("plain", None))
        lines = read_stock(write(tmp_path, "stock.csv", stock))
        backtest(history, lines, str(tmp_path / "stock.csv"), RACE, names, 1)
    assert message in error.value.message
