"""The end-to-end harness: the three sandbox marketplaces and `stockpool serve` as processes of
their own, talked to over HTTP, and every process killed when the test ends.

`Processes` owns what a test starts (as a fixture, it kills them all in its finalizer);
`Sandboxes` reads the JSON lines `stockpool sandbox --json` prints; `Stockpool` is the served API
with an admin key made by `stockpool keys create`."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import TEST_SECRET_KEY
from tests.sandbox.timing import eventually

CLI = [sys.executable, "-c", "from stockpool.entrypoints.cli.main import main; main()"]
PLATFORMS = ("shopify", "amazon", "walmart")
DELAYS = {"shopify": 2, "amazon": 5, "walmart": 5}  # propagation, seconds: the brief's


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Sandboxes:
    """The three marketplaces in one process: each platform's line (url, credentials,
    token_url for Amazon) and a client on it."""

    lines: dict[str, dict[str, Any]]
    clients: dict[str, httpx.Client]

    def get(self, platform: str, route: str, **params: Any) -> Any:
        response = self.clients[platform].get(f"/_sandbox{route}", params=params)
        response.raise_for_status()
        return response.json()

    def put(self, platform: str, path: str, body: Any) -> Any:
        response = self.clients[platform].put(f"/_sandbox{path}", json=body)
        response.raise_for_status()
        return response.json()

    def order(self, platform: str, sku: str) -> bool:
        """A buyer orders one unit; False when the platform shows fewer (409)."""
        response = self.clients[platform].post("/_sandbox/orders", json={"sku": sku, "quantity": 1})
        if response.status_code == 409:
            return False
        response.raise_for_status()
        return True

    def shown(self, platform: str) -> dict[str, int]:
        return {item["sku"]: item["shown"] for item in self.get(platform, "/listings")}

    def connection(self, platform: str) -> dict[str, Any]:
        """The `connection` of PUT /v1/channels/{code}: this platform's line, copied."""
        line = self.lines[platform]
        found = {"url": line["url"], "credentials": line["credentials"]}
        if line.get("token_url"):
            found["token_url"] = line["token_url"]
        return found


@dataclass
class Stockpool:
    """`stockpool serve` on its own port, and an admin key's client on it."""

    url: str
    client: httpx.Client
    env: dict[str, str]
    log: Path

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        response = self.client.request(method, path, json=body, params=params or None)
        if not response.is_success:
            raise AssertionError(f"{method} {path}: {response.status_code} {response.text}")
        return response.json() if response.content else None

    def orders(self, channel: str) -> list[dict[str, Any]]:
        """Every order of the channel, all pages."""
        found: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params: dict[str, Any] = {"channel": channel, "limit": 500}
            if cursor:
                params["cursor"] = cursor
            page = self.call("GET", "/v1/orders", **params)
            found += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                return found

    def recorded(self, sku: str) -> dict[str, int | None]:
        """The number stockpool recorded (and queues) for each channel."""
        answer = self.call("GET", f"/v1/skus/{sku}/availability")
        return {item["channel"]: item["recorded"] for item in answer["channels"]}

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*CLI, *args], env=self.env, capture_output=True, text=True, timeout=120
        )


@dataclass
class Processes:
    """Everything a test started; `stop` kills them all (the fixture's finalizer calls it)."""

    directory: Path
    started: list[subprocess.Popen[Any]] = field(default_factory=list)
    clients: list[httpx.Client] = field(default_factory=list)

    def stop(self) -> None:
        for client in self.clients:
            client.close()
        for process in self.started:
            if process.poll() is None:
                process.terminate()
        for process in self.started:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            if process.stdout:
                process.stdout.close()

    def sandboxes(self, skus: int, seed: int) -> Sandboxes:
        """`stockpool sandbox --json` on free ports with the brief's delays, SKU-0001..N listed."""
        ports = [f"--{platform}-port=0" for platform in PLATFORMS]
        delays = [f"--delay={platform}={seconds}" for platform, seconds in DELAYS.items()]
        args = ["sandbox", "--json", *ports, f"--seed-skus={skus}", *delays, f"--seed={seed}"]
        process = subprocess.Popen(
            [*CLI, *args],
            stdout=subprocess.PIPE,
            stderr=(self.directory / "sandbox.log").open("wb"),
            text=True,
        )
        self.started.append(process)
        lines = {}
        for _ in PLATFORMS:
            line = process.stdout.readline() if process.stdout else ""
            if not line:
                raise AssertionError(f"The sandbox printed no line: exit {process.poll()}")
            described = json.loads(line)
            lines[described["platform"]] = described
        clients = {name: self._client(line["url"]) for name, line in lines.items()}
        return Sandboxes(lines, clients)

    def stockpool(
        self,
        database_url: str,
        *,
        worker: str = "embedded",
        poll_seconds: float = 1,
        settings: dict[str, str] | None = None,
        workers: int = 1,
    ) -> Stockpool:
        """Create an admin key, then `stockpool serve` (with `workers` processes) on a free port
        until the test ends."""
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "STOCKPOOL_DATABASE_URL": database_url,
            "STOCKPOOL_SECRET_KEY": TEST_SECRET_KEY,
            "STOCKPOOL_WORKER": worker,
            "STOCKPOOL_PUBLIC_URL": url,
            "STOCKPOOL_ORDER_POLL_SECONDS": str(poll_seconds),
            "STOCKPOOL_SYNC_SECONDS": "0.2",
            "STOCKPOOL_RECONCILE_SECONDS": "5",
            **(settings or {}),
        }
        made = subprocess.run(
            [*CLI, "keys", "create", "--role", "admin", "--name", "e2e"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if made.returncode != 0:
            raise AssertionError(f"keys create: {made.stdout}{made.stderr}")
        secret = made.stdout.strip().splitlines()[-1]
        log = self.directory / f"serve-{port}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [*CLI, "serve", "--port", str(port), "--workers", str(workers)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.started.append(process)
        client = self._client(url, {"Authorization": f"Bearer {secret}"})
        eventually(lambda: _answers(client, process, log), seconds=30)
        return Stockpool(url, client, env, log)

    def worker(self, served: Stockpool) -> subprocess.Popen[Any]:
        """`stockpool worker` with the served stockpool's settings, until the test ends."""
        log = self.directory / f"worker-{len(self.started)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [*CLI, "worker"], env=served.env, stdout=out, stderr=subprocess.STDOUT
            )
        self.started.append(process)
        return process

    def _client(self, url: str, headers: dict[str, str] | None = None) -> httpx.Client:
        client = httpx.Client(base_url=url, headers=headers, timeout=30)
        self.clients.append(client)
        return client


def _answers(client: httpx.Client, process: subprocess.Popen[Any], log: Path) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"stockpool serve exited {process.returncode}: {log.read_text()}")
    try:
        return client.get("/health").status_code == 200
    except httpx.TransportError:
        return False


def started(directory: Path) -> Iterator[Processes]:
    """A `Processes` whose every process is stopped when the caller is done."""
    processes = Processes(directory)
    try:
        yield processes
    finally:
        processes.stop()


def paced(actions: list[Callable[[], Any]], seconds: float) -> list[Any]:
    """Run the actions spread evenly over `seconds`; their answers in order."""
    answers = []
    step = seconds / max(len(actions), 1)
    start = time.monotonic()
    for n, action in enumerate(actions):
        time.sleep(max(0.0, start + n * step - time.monotonic()))
        answers.append(action())
    return answers
