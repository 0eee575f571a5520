"""`stockpool sandbox`, run as a seller would: a process that prints where each sandbox is."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from stockpool.entrypoints.cli.output import console
from stockpool.entrypoints.cli.sandbox import _show
from stockpool.sandbox import launch

STOCKPOOL = str(Path(sys.executable).with_name("stockpool"))


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [STOCKPOOL, "sandbox", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )


def test_three_sandboxes_start_seeded_and_print_their_urls_and_credentials() -> None:
    process = start(
        "--json", "--shopify-port", "0", "--amazon-port", "0", "--walmart-port", "0",
        "--seed-skus", "3", "--shown", "2", "--fault", "walmart.stuck_feeds=true",
    )  # fmt: skip
    try:
        assert process.stdout is not None
        lines = [json.loads(process.stdout.readline()) for _ in range(3)]
        assert [line["platform"] for line in lines] == ["shopify", "amazon", "walmart"]
        credentials = {line["platform"]: line["credentials"] for line in lines}
        assert {"shop_domain", "access_token", "webhook_secret"} <= set(credentials["shopify"])
        assert {
            "client_id",
            "client_secret",
            "refresh_token",
            "seller_id",
            "marketplace_id",
        } <= set(credentials["amazon"])
        assert {"client_id", "client_secret"} <= set(credentials["walmart"])
        for line in lines:
            listings = httpx.get(f"{line['url']}/_sandbox/listings", timeout=5).json()
            assert [(item["sku"], item["shown"]) for item in listings] == [
                ("SKU-0001", 2),
                ("SKU-0002", 2),
                ("SKU-0003", 2),
            ]
        faults = {
            line["platform"]: httpx.get(f"{line['url']}/_sandbox/faults", timeout=5).json()
            for line in lines
        }
        assert faults["walmart"]["stuck_feeds"] and not faults["amazon"]["stuck_feeds"]
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)
    assert process.returncode == 0


def test_only_some_platforms_with_a_human_listing() -> None:
    process = start("--only", "amazon", "--amazon-port", "0")
    try:
        assert process.stdout is not None
        seen = ""
        while "Ctrl-C" not in seen:
            line = process.stdout.readline()
            assert line, (
                f"the sandbox stopped early: {process.stderr.read() if process.stderr else ''}"
            )
            seen += line
        assert "amazon sandbox at http://127.0.0.1:" in seen and "refresh_token" in seen
        assert "/auth/o2/token" in seen  # where the SDK exchanges its refresh token
        assert "shopify" not in seen and "walmart" not in seen
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fault", "amazon.nope=1"], "unknown fault 'nope'"),
        (["--fault", "ebay.error_rate=0.1"], "unknown platform 'ebay'"),
        (["--delay", "amazon=soon"], "a delay must be a number"),
        (["--buyers", "-3"], "cannot be negative"),
        (["--only", "ebay"], "--only ebay"),
    ],
)
def test_bad_options_are_refused_with_what_to_do(args: list[str], message: str) -> None:
    done = subprocess.run(
        [STOCKPOOL, "sandbox", *args], capture_output=True, text=True, timeout=60,
        env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    assert done.returncode == 1 and message in done.stderr


def test_a_port_in_use_is_refused_with_what_to_do() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [STOCKPOOL, "sandbox", "--only", "walmart", "--walmart-port", str(port)],
            capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "200"},
        )  # fmt: skip
    assert done.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr and "--walmart-port" in done.stderr


def test_the_table_names_each_setting_once_and_buyers_per_minute_as_the_flag_said() -> None:
    [(walmart, _)] = launch.Launch(ports={"walmart": 0}, buyers_per_minute={"walmart": 30}).build()
    try:
        walmart.base_url = "http://127.0.0.1:8103"
        with console.capture() as captured:
            _show([walmart])
        assert walmart.buyers.describe()["rate_per_minute"] == 30
    finally:
        walmart.close()
    table = captured.get()
    assert table.count("ship_node") == 1
    assert "30 orders a minute" in table
