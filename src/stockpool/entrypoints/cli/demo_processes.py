"""The processes `stockpool demo` runs: the sandbox marketplaces and `stockpool serve`, each a
child of the demo, every one of them stopped when it ends (Ctrl-C, SIGTERM, or its time is up).

Children rather than threads: each is the very command a person would run, its log goes to a file
in the demo's directory, and stopping one is a signal, not a cooperative shutdown to get right."""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO, Any

import httpx

from stockpool.domain.errors import InvalidRequest

CLI = [sys.executable, "-c", "from stockpool.entrypoints.cli.main import main; main()"]
PLATFORMS = ("shopify", "amazon", "walmart")
PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies
STARTUP_SECONDS = 60.0  # a loaded two-core machine takes a while to import and migrate


class Stopped(Exception):
    """SIGTERM arrived: stop like Ctrl-C does."""


def stop_on_sigterm() -> None:
    """Turn SIGTERM into `Stopped` so the demo's `finally` stops its children; and let Ctrl-C
    through even where the demo was started with SIGINT ignored (a shell's background job)."""

    def raise_stopped(signum: int, frame: FrameType | None) -> None:
        raise Stopped

    signal.signal(signal.SIGTERM, raise_stopped)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def die_with(parent: int) -> Callable[[], None] | None:
    """What a child runs before its command so that it gets SIGTERM when the demo dies, even by
    SIGKILL, which leaves the demo no chance to stop it (Linux's PR_SET_PDEATHSIG; elsewhere
    None: only a demo that is stopped stops its children)."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)

    def arm() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the demo died before the signal was armed
            os.kill(os.getpid(), signal.SIGTERM)

    return arm


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@dataclass
class Children:
    """What the demo started, in `directory`; `stop` ends them all, last started first."""

    directory: Path
    env: dict[str, str]
    started: list[subprocess.Popen[Any]] = field(default_factory=list)
    logs: list[IO[bytes]] = field(default_factory=list)

    def run(self, *args: str) -> str:
        """A `stockpool` command to its end; its output (exit code 0 required)."""
        done = subprocess.run(
            [*CLI, *args], env=self.env, capture_output=True, text=True, timeout=120, check=False
        )
        if done.returncode != 0:
            raise InvalidRequest(f"stockpool {' '.join(args)} failed: {done.stdout}{done.stderr}")
        return done.stdout

    def sandboxes(self, args: list[str]) -> dict[str, dict[str, Any]]:
        """`stockpool sandbox --json ARGS`; each platform's line (url, credentials)."""
        process = self._start(["sandbox", "--json", *args], "sandbox.log", stdout=subprocess.PIPE)
        lines: dict[str, dict[str, Any]] = {}
        for _ in PLATFORMS:
            line = process.stdout.readline() if process.stdout else b""
            if not line:
                raise InvalidRequest(
                    f"The sandboxes did not start (exit {process.poll()}); "
                    f"see {self.directory / 'sandbox.log'}."
                )
            described = json.loads(line)
            lines[described["platform"]] = described
        return lines

    def serve(self, port: int) -> str:
        """`stockpool serve` on `port`, once it answers /health; its URL."""
        url = f"http://127.0.0.1:{port}"
        process = self._start(["serve", "--host", "127.0.0.1", "--port", str(port)], "serve.log")
        deadline = time.monotonic() + STARTUP_SECONDS
        with httpx.Client(base_url=url, timeout=5) as client:
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    raise InvalidRequest(
                        f"stockpool serve exited {process.returncode}; "
                        f"see {self.directory / 'serve.log'}."
                    )
                try:
                    if client.get("/health").status_code == 200:
                        return url
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
        raise InvalidRequest(f"stockpool serve did not answer within {STARTUP_SECONDS:g}s.")

    def _start(
        self, args: list[str], log_name: str, stdout: int | None = None
    ) -> subprocess.Popen[Any]:
        log = (self.directory / log_name).open("ab")
        self.logs.append(log)
        process = subprocess.Popen(
            [*CLI, *args],
            env=self.env,
            stdout=stdout if stdout is not None else log,
            stderr=log,
            # Its own session: Ctrl-C in the terminal reaches the demo alone, which then stops
            # its children in order (the server before the platforms it talks to).
            start_new_session=True,
            preexec_fn=die_with(os.getpid()),
        )
        self.started.append(process)
        return process

    def stop(self) -> None:
        for process in reversed(self.started):
            if process.poll() is None:
                process.terminate()
        for process in reversed(self.started):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)
            if process.stdout:
                process.stdout.close()
        for log in self.logs:
            log.close()
        self.started.clear()


def demo_env(database_url: str, public_url: str, order_poll_seconds: float) -> dict[str, str]:
    """The children's environment: the demo's database and a worker paced for a demo."""
    return {
        **os.environ,
        "STOCKPOOL_DATABASE_URL": database_url,
        "STOCKPOOL_PUBLIC_URL": public_url,  # Shopify's webhooks come back here
        "STOCKPOOL_WORKER": "embedded",
        "STOCKPOOL_CONFLICT_POLICY": "auto",
        "STOCKPOOL_ORDER_POLL_SECONDS": f"{order_poll_seconds:g}",
        "STOCKPOOL_SYNC_SECONDS": "0.5",
        "STOCKPOOL_RECONCILE_SECONDS": "10",
    }
