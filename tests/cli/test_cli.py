"""The CLI, invoked as a user would (Typer's runner in-process; the installed script once)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from stockpool.domain.balance import Balance
from stockpool.domain.listings import Listing
from stockpool.domain.operations import Receive
from stockpool.domain.orders import NewOrder, OrderLine
from stockpool.domain.reservations import NewReservation
from stockpool.entrypoints.cli.main import app
from stockpool.services.sync import Push
from stockpool.store import migrate
from stockpool.store.engine import make_engine
from stockpool.store.migrate import head_revision

runner = CliRunner()


@pytest.fixture
def cli(container, seeded, monkeypatch, tmp_path):
    """Run `stockpool ...` against the test database; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("STOCKPOOL_DATABASE_URL", container.settings.database_url)
    monkeypatch.chdir(tmp_path)

    def run(*args: str):
        result = runner.invoke(app, list(args))
        return result.exit_code, result.stdout, result.stderr

    return run


def stock_at(container, sku, location):
    return container.catalog.stock(sku).locations.get(location, Balance())


def test_receive_move_adjust_transfer_count_and_safety_stock(cli, container, seeded):
    tee, dal, nyc = seeded.tee, seeded.dallas, seeded.store
    assert cli("receive", tee, dal, "10", "--reference", "PO-1")[0] == 0
    assert cli("move", tee, dal, "2", "--from", "available", "--to", "damaged")[0] == 0
    assert cli("adjust", tee, dal, "-1", "--reason", "write_off", "--state", "damaged")[0] == 0
    assert cli("transfer", tee, dal, nyc, "3")[0] == 0
    assert cli("receive", tee, nyc, "3", "--from-incoming")[0] == 0
    assert cli("safety-stock", tee, dal, "1")[0] == 0
    code, out, _ = cli("count", dal, f"{tee}=4", f"{seeded.mug}=2")
    assert code == 0 and "variance -2" in out and "variance +2" in out
    assert stock_at(container, tee, dal) == Balance(available=2, damaged=1, safety_stock=1)
    assert stock_at(container, tee, nyc) == Balance(available=3)
    code, out, _ = cli("stock", tee)
    assert code == 0 and dal in out and "total" in out
    assert cli("check") == (0, "Balances match the ledger, the orders and the reservations.\n", "")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("receive", "TEE-M-BLK", "DAL-1", "0"), "greater than 0"),
        (("receive", "GHOST", "DAL-1", "1"), "Unknown SKU 'GHOST'"),
        (("receive", "TEE-M-BLK", "MARS", "1"), "Unknown location 'MARS'"),
        (("receive", "TEE-M-BLK", "DAL-1", "1", "--state", "damaged"), "state must be one of"),
        (
            ("move", "TEE-M-BLK", "DAL-1", "5", "--from", "available", "--to", "damaged"),
            "0 available at DAL-1, 5 requested",
        ),
        (("adjust", "TEE-M-BLK", "DAL-1", "-1", "--reason", "found"), "adds stock"),
        (("adjust", "TEE-M-BLK", "DAL-1", "1", "--reason", "stolen"), "reason must be one of"),
        (("count", "DAL-1", "TEE-M-BLK:3"), "SKU=COUNTED"),
        (("count", "DAL-1", "[bold]TEE"), "'[bold]TEE': write each count"),  # text, not markup
    ],
)
def test_bad_input_exits_non_zero_with_the_reason_and_writes_nothing(cli, container, args, message):
    code, _, err = cli(*args)
    assert code == 1
    assert message in " ".join(err.split())
    assert container.ledger.entries() == []


def test_the_same_key_twice_applies_once(cli, container, seeded):
    assert cli("receive", seeded.tee, seeded.dallas, "2", "--key", "po-7")[0] == 0
    code, out, _ = cli("receive", seeded.tee, seeded.dallas, "2", "--key", "po-7")
    assert code == 0 and "Replayed" in out
    assert stock_at(container, seeded.tee, seeded.dallas).available == 2
    assert cli("receive", seeded.tee, seeded.dallas, "3", "--key", "po-7")[0] == 1


def test_keys_create_prints_the_key_alone_on_the_last_line_then_list_and_revoke(cli, container):
    code, out, _ = cli("keys", "create", "--role", "operator", "--name", "warehouse scanner")
    secret = out.splitlines()[-1]
    assert code == 0 and secret.startswith("sp_") and " " not in secret
    key = container.keys.authenticate(secret)
    assert key is not None and key.role.value == "operator" and key.name == "warehouse scanner"
    code, out, _ = cli("keys", "list")
    assert code == 0 and key.id in out and "operator" in out
    assert cli("keys", "revoke", key.id)[0] == 0
    # Revoked by another process: this one may remember the key for STOCKPOOL_KEY_CACHE_SECONDS
    # (tests/store/test_key_memory.py holds it to that bound); the database has it revoked.
    assert next(k for k in container.keys.list() if k.id == key.id).revoked_at is not None
    assert cli("keys", "revoke", key.id)[0] == 1
    assert cli("keys", "create", "--role", "root")[0] == 1


def write(tmp_path: Path, name: str, content: str) -> str:
    path = tmp_path / name
    path.write_text(content)
    return str(path)


def test_imports_then_export_round_trips(cli, container, tmp_path):
    skus = write(
        tmp_path, "skus.csv", "sku,name,barcode\nCAP-RED,Red cap,0001\nCAP-BLU,Blue cap,\n"
    )
    locations = write(
        tmp_path,
        "locations.csv",
        "code,kind,name,channels,priority\nWMT-3PL,3pl,Walmart 3PL,walmart;shopify,20\n",
    )
    stock = write(
        tmp_path,
        "stock.csv",
        "sku,location,available,quality_control,incoming\nCAP-RED,WMT-3PL,7,1,\nCAP-BLU,WMT-3PL,3,,4\n",
    )
    code, out, _ = cli("import", "skus", skus)
    assert code == 0 and "Imported 2 SKUs (2 new)." in out
    assert cli("import", "locations", locations)[0] == 0
    assert container.catalog.get_location("WMT-3PL").channels == {"walmart", "shopify"}
    code, out, _ = cli("import", "stock", stock)
    assert code == 0 and "4 ledger movements" in out
    assert stock_at(container, "CAP-BLU", "WMT-3PL") == Balance(available=3, incoming=4)
    exported = tmp_path / "out.csv"
    assert cli("export", "stock", str(exported))[0] == 0
    lines = exported.read_text().splitlines()
    assert (
        lines[0]
        == "sku,location,available,reserved,committed,quality_control,damaged,safety_stock,incoming,on_hand"
    )
    assert "CAP-RED,WMT-3PL,7,0,0,1,0,0,0,8" in lines
    # Re-importing an export is a no-op: every level already matches.
    code, out, _ = cli("import", "stock", str(exported))
    assert (
        code == 0
        and "0 ledger movements" in out
        and "Left alone: reserved, committed, on_hand" in out
    )


def test_a_stock_import_with_any_wrong_row_applies_nothing_and_names_every_row(
    cli, container, seeded, tmp_path
):
    good_then_bad = write(
        tmp_path,
        "stock.csv",
        "sku,location,quantity\n"
        f"{seeded.tee},{seeded.dallas},5\n"
        f"{seeded.tee},{seeded.dallas},-2\n"
        f"GHOST,{seeded.dallas},1\n"
        f"{seeded.mug},{seeded.dallas},many\n"
        f"{seeded.mug},{seeded.dallas}\n"
        f"{seeded.tee},{seeded.dallas},6\n",
    )
    code, _, err = cli("import", "stock", good_then_bad)
    err = " ".join(err.split())
    assert code == 1 and "nothing was imported" in err
    for row in (
        "row 3: quantity must be a whole number of 0 or more",
        "row 4: unknown SKU 'GHOST'",
        "row 5: quantity must be a whole number",
        "row 6: 2 fields, the header has 3",
        "row 7: repeats row 2",
    ):
        assert row in err
    assert container.ledger.entries() == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty"),
        ("name\nx\n", "missing column(s) sku"),
        ("sku,location,avail\nA,B,1\n", "unknown column(s) avail"),
        ("sku,location,available\n", "no rows"),
        ("sku,name\nBAD SKU,x\nOK,y\nOK,z\n", "row 2"),
    ],
)
def test_malformed_files_are_refused_whole(cli, container, tmp_path, content, message):
    kind = "skus" if content.startswith(("sku,name", "name")) or not content else "stock"
    code, _, err = cli("import", kind, write(tmp_path, "f.csv", content))
    assert code == 1 and message in " ".join(err.split())
    assert [s.code for s in container.catalog.list_skus()] == ["MUG-12OZ", "TEE-M-BLK"]


def test_a_locations_import_naming_an_unknown_channel_imports_nothing(cli, container, tmp_path):
    locations = write(
        tmp_path,
        "locations.csv",
        "code,kind,channels\nWMT-3PL,3pl,walmart\nFBA-CA,marketplace_fulfilled,amazom;shopfy\n",
    )
    code, _, err = cli("import", "locations", locations)
    assert code == 1
    assert "FBA-CA names 'amazom', 'shopfy'; the channels are amazon, manual" in err
    assert [loc.code for loc in container.catalog.list_locations()] == [
        "DAL-1",
        "FBA-US",
        "NYC-STORE",
    ]


def test_a_skus_import_sets_restock_on_receipt_and_unit_cost_and_stock_shows_them(
    cli, container, tmp_path
):
    skus = write(
        tmp_path,
        "skus.csv",
        "sku,restock_on_receipt,unit_cost\nCAP-RED,yes,4.25\nCAP-BLU,,\nCAP-GRN,maybe,1.00001\n",
    )
    code, _, err = cli("import", "skus", skus)
    err = " ".join(err.split())
    assert code == 1 and "row 4: restock_on_receipt must be true or false" in err
    assert "CAP-GRN" not in [s.code for s in container.catalog.list_skus()]

    write(tmp_path, "skus.csv", "sku,restock_on_receipt,unit_cost\nCAP-RED,yes,4.25\nCAP-BLU,,\n")
    assert cli("import", "skus", skus)[0] == 0
    red, blue = container.catalog.get_sku("CAP-RED"), container.catalog.get_sku("CAP-BLU")
    assert (red.restock_on_receipt, red.unit_cost) == (True, Decimal("4.25"))
    assert (blue.restock_on_receipt, blue.unit_cost) == (False, None)
    code, out, _ = cli("stock", "CAP-RED")
    assert code == 0 and "unit cost: 4.2500; returns restocked on receipt: yes" in out


def test_duplicate_rows_are_named(cli, tmp_path):
    code, _, err = cli("import", "skus", write(tmp_path, "f.csv", "sku\nA\nB\nA\n"))
    assert code == 1 and "row 4: repeats row 2" in err


def test_check_exits_non_zero_on_a_difference_and_repair_fixes_it(cli, container, seeded):
    cli("receive", seeded.tee, seeded.dallas, "4")
    with container.engine.begin() as connection:
        connection.execute(text("UPDATE balances SET available = 9"))
    code, out, err = cli("check")
    assert code == 1 and "available" in out and "1 differences" in err
    assert cli("check", "--repair")[0] == 0
    assert cli("check")[0] == 0
    assert stock_at(container, seeded.tee, seeded.dallas).available == 4


def test_the_installed_command_migrates_and_creates_a_key(tmp_path):
    env = {**os.environ, "STOCKPOOL_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"}
    stockpool = Path(sys.executable).with_name("stockpool")
    upgrade = subprocess.run(
        [stockpool, "db", "upgrade"], env=env, capture_output=True, text=True, check=True
    )
    newest = head_revision(make_engine(env["STOCKPOOL_DATABASE_URL"]))
    assert upgrade.stdout.strip() == f"Database at schema {newest}."
    created = subprocess.run(
        [stockpool, "keys", "create", "--role", "admin"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert created.stdout.splitlines()[-1].startswith("sp_")


def test_reservations_sweep_releases_expired_holds(cli, container, seeded, clock):
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 5), actor="t")
    container.stock.execute(Receive(seeded.mug, seeded.dallas, 5), actor="t")
    # The CLI runs on the real clock: one hold ran out a minute ago, the other has an hour left.
    # (Other SKUs: reserving the same SKU would itself release the expired hold.)
    for reference, sku, ago, ttl in (("OLD", seeded.mug, 2, 1), ("NEW", seeded.tee, 0, 60)):
        clock.now = datetime.now(UTC) - timedelta(minutes=ago)
        hold = NewReservation("shopify", reference, (OrderLine(sku, 2),), timedelta(minutes=ttl))
        container.reservations.reserve(hold, actor="t")
    code, out, _ = cli("reservations", "sweep")
    assert (code, "Released 1 expired reservations." in out) == (0, True)
    code, out, _ = cli("reservations", "sweep")
    assert (code, "Released 0 expired reservations." in out) == (0, True)
    assert stock_at(container, seeded.tee, seeded.dallas) == Balance(available=3, reserved=2)
    assert stock_at(container, seeded.mug, seeded.dallas) == Balance(available=5)
    code, _, err = cli("reservations", "sweep", "--every", "0")
    assert code != 0 and "--every" in err


def test_why_explains_a_channels_number(cli, container, seeded):
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 12), actor="t")

    code, out, _ = cli("why", seeded.tee, "amazon")

    assert code == 0
    assert f"{seeded.tee} on amazon" in out
    assert "risk_model" in out and "900 s (default" in out
    assert "amazon shows" in " ".join(out.split())
    code, out, _ = cli("why", seeded.tee)
    assert code == 0 and all(c in out for c in ("on shopify", "on walmart", "on manual"))
    code, _, err = cli("why", seeded.tee, "ebay")
    assert code == 1 and "Unknown channel 'ebay'" in err


def test_why_says_a_listing_was_never_pushed_then_what_was_pushed_and_seen(cli, container, seeded):
    container.listings.put(Listing("amazon", "AMZ-TEE", seeded.tee))

    code, out, _ = cli("why", seeded.tee, "amazon")

    assert code == 0 and "None" not in out
    assert "AMZ-TEE: never pushed; not seen on the platform yet" in out
    container.sync.report(
        "amazon",
        pushes=[Push("AMZ-TEE", 0, None, ok=True, at=datetime(2026, 11, 28, 9, 0, tzinfo=UTC))],
    )
    code, out, _ = cli("why", seeded.tee, "amazon")
    assert code == 0
    assert "AMZ-TEE: pushed 0 at 2026-11-28T09:00:00+00:00; not seen on the platform yet" in out


def test_availability_recompute_reports_what_changed(cli, container, seeded, clock):
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 12), actor="t")
    code, out, _ = cli("availability", "recompute", "--chunk", "1")
    assert code == 0 and "Recomputed 2 SKUs: 0 changed." in out
    with container.uow() as uow:  # a number gone wrong behind stockpool's back
        uow.availability.write({seeded.tee: '{"amazon":0}'}, clock.now)
        uow.commit()
    code, out, _ = cli("availability", "recompute")
    assert code == 0 and "1 changed" in out
    assert container.availability.stored(seeded.tee)["manual"] == 12


def test_availability_refresh_judges_health_then_recomputes(cli, container, seeded):
    code, out, _ = cli("availability", "refresh")
    assert code == 0 and "amazon: ok" in out and "Recomputed 2 SKUs" in out


def test_import_listings(cli, container, seeded, tmp_path):
    listings = write(
        tmp_path,
        "listings.csv",
        f"channel,channel_sku,sku,fulfillment_channel\namazon,AMZ-TEE,{seeded.tee},DEFAULT\n"
        f"walmart,WM-MUG,{seeded.mug},\n",
    )
    code, out, _ = cli("import", "listings", listings)
    assert code == 0 and "Imported 2 listings (2 new, 0 re-mapped)" in out
    assert container.listings.get("walmart", "WM-MUG").listing.sku == seeded.mug

    broken = write(tmp_path, "broken.csv", "channel,channel_sku,sku\namazon,AMZ-X,GHOST\n")
    code, _, err = cli("import", "listings", broken)
    assert code == 1 and "GHOST" in err


@pytest.fixture
def unready(monkeypatch, tmp_path):
    """Run `stockpool ...` from an empty directory whose stockpool.db is not a migrated database."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STOCKPOOL_DATABASE_URL", "sqlite:///./stockpool.db")
    monkeypatch.delenv("STOCKPOOL_TEST_DATABASE_URL", raising=False)
    path = tmp_path / "stockpool.db"

    def run(*args: str):
        result = runner.invoke(app, list(args))
        return result.exit_code, result.stdout, result.stderr

    return path, run


READS_AND_WRITES = [
    ("stock", "TEE-M-BLK"),
    ("keys", "list"),
    ("keys", "create", "--role", "admin"),
    ("receive", "TEE-M-BLK", "DAL-1", "1"),
    ("why", "TEE-M-BLK"),
    ("check",),
    ("import", "skus", "skus.csv"),
    ("export", "stock", "out.csv"),
    ("reservations", "sweep"),
    ("availability", "recompute"),
    ("serve",),
]


@pytest.mark.parametrize("args", READS_AND_WRITES, ids=lambda a: " ".join(a))
def test_a_missing_database_is_named_in_one_line_and_not_created(unready, args):
    path, run = unready
    (path.parent / "skus.csv").write_text("sku\nCAP\n")
    code, out, err = run(*args)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert str(path) in err and "stockpool db upgrade" in err
    assert not path.exists()
    assert not (path.parent / "out.csv").exists()


def test_an_empty_or_older_database_says_to_upgrade_and_upgrade_then_works(unready):
    path, run = unready
    path.touch()
    code, _, err = run("keys", "list")
    assert code == 1 and err.count("\n") == 1
    assert f"The database at {path} has no stockpool tables yet" in err
    assert "stockpool db upgrade" in err
    older = make_engine(f"sqlite:///{path}")
    migrate.upgrade(older, "0002")
    older.dispose()
    code, _, err = run("stock", "TEE-M-BLK")
    assert code == 1 and err.count("\n") == 1
    assert "is at schema 0002, this stockpool needs" in err and "stockpool db upgrade" in err
    assert run("db", "upgrade")[0] == 0
    assert run("keys", "list")[0] == 0


def test_db_upgrade_creates_the_sqlite_file_and_says_when_its_directory_is_missing(
    unready, monkeypatch
):
    path, run = unready
    code, out, _ = run("db", "upgrade")
    assert code == 0 and path.is_file() and "Database at schema" in out
    monkeypatch.setenv("STOCKPOOL_DATABASE_URL", "sqlite:///./nowhere/stockpool.db")
    code, _, err = run("db", "upgrade")
    assert code == 1 and "No directory" in err and "nowhere" in err
    assert not (path.parent / "nowhere").exists()


def test_serve_without_keys_says_to_create_one_from_another_terminal(cli, monkeypatch):
    import uvicorn

    served = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **where: served.append(where))
    monkeypatch.setattr(sys, "argv", [".venv/bin/stockpool", "serve"])

    code, out, _ = cli("serve", "--port", "8765")

    assert code == 0 and [where["port"] for where in served] == [8765]
    assert "from another one, create a key: .venv/bin/stockpool keys create --role admin" in out


def test_channels_connect_takes_the_line_a_sandbox_prints(cli, container, tmp_path, monkeypatch):
    from cryptography.fernet import Fernet

    monkeypatch.setenv("STOCKPOOL_SECRET_KEY", Fernet.generate_key().decode())
    line = {
        "platform": "walmart",
        "url": "http://127.0.0.1:8103",
        "credentials": {"client_id": "cid", "client_secret": "very-secret", "ship_node": "N1"},
    }
    path = tmp_path / "walmart.json"
    path.write_text(json.dumps(line))
    code, out, err = cli("channels", "connect", "walmart", "--credentials", str(path))
    assert code == 0, err
    assert "Connected walmart to http://127.0.0.1:8103" in out and "very-secret" not in out
    assert container.channels.connection_shown("walmart").credentials_set == (
        "client_id",
        "client_secret",
        "ship_node",
    )
    code, _, err = cli("channels", "connect", "shopify", "--credentials", str(path))
    assert code == 1 and "is on shopify, not walmart" in err


def test_orders_poll_takes_a_connected_channels_orders_once(cli, container, seeded, monkeypatch):
    from stockpool.domain.channels import Channel, Platform
    from stockpool.domain.connections import Connection
    from stockpool.sandbox.serve import running
    from stockpool.sandbox.walmart import WalmartSandbox
    from tests.conftest import TEST_SECRET_KEY

    monkeypatch.setenv("STOCKPOOL_SECRET_KEY", TEST_SECRET_KEY)  # the key the container sealed with
    container.stock.execute(Receive(seeded.tee, seeded.dallas, 5), actor="t")
    walmart = WalmartSandbox(delay_seconds=0, seed=3)
    with walmart.lock:
        walmart.add_listing(seeded.tee, 5)
    with running(walmart) as url:
        connection = Connection(url, walmart.credentials)
        container.channels.put(Channel("walmart", Platform.WALMART), connection=connection)
        assert container.discovery.discover("walmart").mapped == (seeded.tee,)
        with walmart.lock:
            assert walmart.place_order(seeded.tee, 2) is not None
        code, out, err = cli("orders", "poll", "walmart")
        assert code == 0 and out.startswith("walmart: 1 order (1 new) in "), err
        assert cli("orders", "poll", "walmart")[1] == "walmart: 0 orders (0 new) in 1 page.\n"
    assert stock_at(container, seeded.tee, seeded.dallas) == Balance(available=3, committed=2)
    code, _, err = cli("orders", "poll", "shopify")
    assert code == 1 and "not connected" in err


def test_returns_open_list_inspect_and_show(cli, container, seeded):
    tee, dal = seeded.tee, seeded.dallas
    container.stock.execute(Receive(tee, dal, 2), actor="dock")
    placed = datetime(2026, 11, 28, 9, tzinfo=UTC)
    new = NewOrder("shopify", "S-9", (OrderLine(tee, 2),), placed)
    order = container.intake.ingest(new, actor="t").order
    container.fulfilment.ship(order.id, None, actor="packer")
    opened = ("returns", "open", "--channel", "shopify", "--order", "S-9", "--location", dal)
    code, out, _ = cli(*opened, "--line", f"{tee}=2", "--reason", "too small")
    assert code == 0 and "awaiting_inspection" in out, out
    code, _, err = cli(*opened, "--line", f"{tee}=1", "--reason", "again")
    assert code == 1 and "2 returned already" in err
    code, out, _ = cli("returns", "list", "--status", "awaiting_inspection")
    assert code == 0 and "S-9" in out
    inspect = ("returns", "inspect", "1", "--sku", tee, "--quantity", "1")
    code, _, err = cli(*inspect, "--disposition", "return_to_vendor")
    assert code == 1 and "needs a reference" in err
    assert cli(*inspect, "--disposition", "restock")[0] == 0
    code, out, _ = cli(*inspect, "--disposition", "return_to_vendor", "--reference", "RMA-1")
    assert code == 0 and "inspected" in out
    code, out, _ = cli("returns", "show", "1")
    assert code == 0 and "RMA-1" in out and "restock" in out
    assert stock_at(container, tee, dal) == Balance(available=1)
