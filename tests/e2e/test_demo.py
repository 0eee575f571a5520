"""`stockpool demo` as a newcomer runs it (faster buyers, 45 seconds): orders come in from all
three channels, a conflict is decided by cancellation cost, every channel's numbers move, and it
exits 0 leaving no process behind. Checked from what it prints and from its API, with the admin
key it prints, while it runs."""

from __future__ import annotations

import os
import re
import socket
import subprocess
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.processes import CLI, PLATFORMS, free_port

SECONDS = 40


def test_the_demo_shows_orders_from_three_channels_a_conflict_and_numbers_moving(tmp_path: Path):
    port = free_port()
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("STOCKPOOL_DATABASE_URL", None)
    args = ["demo", f"--seconds={SECONDS}", f"--port={port}", f"--dir={tmp_path / 'demo'}"]
    process = subprocess.Popen(
        [*CLI, *args, "--pace=3", "--every=3"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        printed, seen = _follow(process, f"http://127.0.0.1:{port}")
        code = process.wait(timeout=120)
    finally:
        if process.poll() is None:
            process.terminate()  # the demo stops its children on SIGTERM
            process.wait(timeout=60)
    output = "".join(printed)
    assert code == 0, output

    summary = re.search(
        r"summary: orders shopify=(\d+) amazon=(\d+) walmart=(\d+); conflicts decided (\d+) .*"
        r"listings moved shopify=(\d+) amazon=(\d+) walmart=(\d+)",
        output,
    )
    assert summary, output
    orders, conflicts, moved = summary.groups()[:3], summary[4], summary.groups()[4:]
    assert all(int(n) > 0 for n in orders), output  # orders from all three channels
    assert int(conflicts) >= 1, output
    assert all(int(n) > 0 for n in moved), output  # every platform showed a pushed number
    assert re.search(r"conflict \d+: .* costs \d+ to cancel", output), output

    # What the API said with the printed key while the demo ran.
    assert seen["orders"] and all(seen["orders"][p] > 0 for p in PLATFORMS), seen
    assert any("cost" in str(c["resolution"]) for c in seen["conflicts"]), seen
    assert all(c["decided_by"] == "policy:auto" for c in seen["conflicts"]), seen

    # Nothing left behind: the server and the three sandboxes no longer answer.
    for url in [f"http://127.0.0.1:{port}", *seen["sandboxes"]]:
        try:
            httpx.get(f"{url}/health", timeout=2)
        except httpx.TransportError:
            continue
        raise AssertionError(f"{url} still answers after the demo exited")


def _follow(process: subprocess.Popen[str], url: str) -> tuple[list[str], dict[str, Any]]:
    """Read the demo's output to its end; at each live line, ask the API what it holds."""
    printed: list[str] = []
    seen: dict[str, Any] = {"orders": {}, "conflicts": [], "sandboxes": []}
    secret = None
    for line in process.stdout or []:
        printed.append(line)
        if found := re.search(r"Admin key\s+(\S+)", line):
            secret = found[1]
        if found := re.search(r"Sandboxes\s+(.*)", line):
            seen["sandboxes"] = re.findall(r"http://127\.0\.0\.1:\d+", found[1])
        if secret and " orders: " in line:
            _ask(url, secret, seen)
    return printed, seen


def _ask(url: str, secret: str, seen: dict[str, Any]) -> None:
    headers = {"Authorization": f"Bearer {secret}"}
    try:
        with httpx.Client(base_url=url, headers=headers, timeout=10) as client:
            orders = {}
            for platform in PLATFORMS:
                answer = client.get("/v1/orders", params={"channel": platform, "limit": 500})
                answer.raise_for_status()
                orders[platform] = len(answer.json()["items"])
            conflicts = client.get("/v1/conflicts", params={"status": "resolved"})
            conflicts.raise_for_status()
    except httpx.TransportError:
        return  # the demo is stopping: keep what was seen last
    seen["orders"] = orders
    seen["conflicts"] = conflicts.json()["items"]


def test_the_demo_refuses_a_directory_with_a_database_and_a_taken_port(tmp_path: Path):
    (tmp_path / "stockpool.db").write_text("")
    env = {**os.environ, "COLUMNS": "200"}
    used = subprocess.run(
        [*CLI, "demo", f"--port={free_port()}", f"--dir={tmp_path}", "--seconds=1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert used.returncode == 1
    assert "exists: the demo starts on a fresh one" in used.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = subprocess.run(
            [*CLI, "demo", f"--port={port}", f"--dir={tmp_path / 'new'}", "--seconds=1"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert busy.returncode == 1
    assert f"Port {port} is taken" in busy.stderr
