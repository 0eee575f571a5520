"""The issue's acceptance: a 100,000-SKU catalog with 3 channels and 2 locations recomputes
fully on SQLite. The catalog and its stock are written straight into the tables (the services
would take minutes to make 100,000 SKUs and do nothing different here)."""

from __future__ import annotations

import random
import sqlite3
from datetime import timedelta

from stockpool.domain.advertised import decode
from stockpool.domain.catalog import Location, LocationKind
from stockpool.domain.channels import Channel, Platform
from stockpool.domain.policies import Policy
from tests.conftest import make_container, sqlite_copy

SKUS = 100_000
CHANNELS = ("shopify", "amazon", "walmart")


def test_a_100000_sku_catalog_recomputes_fully(sqlite_template, tmp_path, clock):
    url = sqlite_copy(sqlite_template, tmp_path)
    container = make_container(url, clock)
    try:
        for code in CHANNELS:
            container.channels.put(Channel(code, Platform(code)))
        container.catalog.put_locations(
            [
                Location("DAL-1", LocationKind.WAREHOUSE, "Dallas"),
                Location(
                    "FBA-US", LocationKind.MARKETPLACE_FULFILLED, "FBA", frozenset({"amazon"})
                ),
            ]
        )
        rng = random.Random(4)
        stamp = clock.now.strftime("%Y-%m-%d %H:%M:%S.%f")
        codes = [f"SKU-{n:06d}" for n in range(SKUS)]
        stock = {(c, loc): rng.randint(0, 30) for c in codes for loc in ("DAL-1", "FBA-US")}
        database = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        database.execute("BEGIN")
        database.executemany(
            "INSERT INTO skus (code, name, created_at, updated_at) VALUES (?, '', ?, ?)",
            [(c, stamp, stamp) for c in codes],
        )
        database.executemany(
            "INSERT INTO balances (sku, location, available, reserved, committed, "
            "quality_control, damaged, safety_stock, incoming) VALUES (?, ?, ?, 0, 0, 0, 0, 0, 0)",
            [(c, loc, n) for (c, loc), n in stock.items()],
        )
        database.executemany(  # a tenth of the catalog sells
            "INSERT INTO demand (sku, channel, units_per_hour, as_of) VALUES (?, ?, ?, ?)",
            [(c, ch, rng.uniform(0.01, 3), stamp) for c in codes[::10] for ch in CHANNELS],
        )
        database.execute("COMMIT")
        database.close()

        done = container.availability.recompute_all()

        assert (done.skus, done.changed) == (SKUS, SKUS)
        with container.uow(write=False) as uow:
            texts = dict(uow.availability.lock(codes, clock.now))
        assert len(texts) == SKUS
        for code in codes[::997]:  # a sample, against deciding afresh with the explanation
            numbers = decode(texts[code])
            assert set(numbers) == set(CHANNELS)
            assert numbers == {
                c.channel: c.advertised for c in container.availability.explain(code).channels
            }
            dallas, fba = stock[(code, "DAL-1")], stock[(code, "FBA-US")]
            assert numbers["shopify"] <= dallas and numbers["walmart"] <= dallas
            assert numbers["amazon"] <= dallas + fba
        assert container.availability.recompute_all().changed == 0

        # A policy-wide change: every SKU's Walmart number, in the transaction that made it.
        container.policies.put_channel("walmart", Policy(cap=5))
        with container.uow(write=False) as uow:
            capped = uow.availability.lock(codes, clock.now + timedelta(seconds=1))
        assert all(decode(text)["walmart"] <= 5 for text in capped.values())
    finally:
        container.close()
