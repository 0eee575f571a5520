"""bench/api_http.py's load: wrk with the Lua script in bench/wrk/, its figures read back as JSON,
and the CPU time the server's processes spent meanwhile (from /proc)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "wrk" / "stockpool.lua"
BATCH = 500  # orders per POST /v1/orders:batch, as in the Lua script (the API's most)
MARKER = "WRK_JSON "


@dataclass(frozen=True)
class Load:
    """How hard wrk pushes: threads, open connections, seconds."""

    threads: int
    connections: int
    seconds: float


@dataclass(frozen=True)
class Request:
    """What each of wrk's requests is (the Lua script's arguments)."""

    mode: str  # get, order or batch
    path: str
    key: str = "-"  # the API key, "-" for none
    prefix: str = "-"  # external_id prefix of the orders
    sku: str = "-"
    placed_at: str = "-"


@dataclass(frozen=True)
class WrkRun:
    """What wrk counted in one run, and the server's CPU seconds meanwhile."""

    seconds: float
    responses: int
    p50_ms: float
    p99_ms: float
    sent: int  # requests written (the last ones may be unanswered when the run ends)
    orders_sent: int
    ok: int  # 2xx responses
    bad: int  # other responses
    inner_ok: int  # batch: orders answered 200/201 inside 2xx responses
    socket_errors: int
    timeouts: int
    cpu_seconds: float
    drain_seconds: float  # after wrk stopped, until the server was idle (to the next 0.5 s)

    @property
    def per_second(self) -> float:
        return self.responses / self.seconds

    @property
    def cpu_ms_per_request(self) -> float:
        """Per request sent: the server finishes those left open when wrk stopped, and its CPU
        is read once it is idle again."""
        return 1000 * self.cpu_seconds / self.sent if self.sent else float("nan")


def require_wrk() -> str:
    """The wrk binary, or a clear exit saying how to install it."""
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit(
            "bench/api_http.py needs wrk, the HTTP load generator: apt-get install wrk"
        )
    return found


def run_wrk(base_url: str, request: Request, load: Load, server_pid: int) -> WrkRun:
    """One wrk run of request at load, the server's CPU sampled before and after."""
    command = [
        require_wrk(),
        f"-t{load.threads}",
        f"-c{load.connections}",
        f"-d{load.seconds:g}s",
        "--timeout",
        "30s",
        "--latency",
        "-s",
        str(SCRIPT),
        base_url,
        "--",
        request.mode,
        request.path,
        request.key,
        request.prefix,
        request.sku,
        request.placed_at,
    ]
    cpu_before = cpu_seconds(server_pid)
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    drain = settle(server_pid)  # the requests still open when wrk stopped, done before the next
    cpu_after = cpu_seconds(server_pid)
    figures = _reported(finished)
    return WrkRun(
        seconds=figures["duration_us"] / 1e6,
        responses=int(figures["responses"]),
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        sent=int(figures["sent"]),
        orders_sent=int(figures["orders_sent"]),
        ok=int(figures["ok"]),
        bad=int(figures["bad"]),
        inner_ok=int(figures["inner_ok"]),
        socket_errors=int(figures["socket_errors"]),
        timeouts=int(figures["timeouts"]),
        cpu_seconds=cpu_after - cpu_before,
        drain_seconds=drain,
    )


def _reported(finished: subprocess.CompletedProcess[str]) -> dict[str, float]:
    for line in finished.stdout.splitlines():
        if line.startswith(MARKER):
            figures: dict[str, float] = json.loads(line.removeprefix(MARKER))
            return figures
    raise RuntimeError(
        f"wrk exited {finished.returncode} without its report:\n{finished.stdout}{finished.stderr}"
    )


# CPU time of the server and its children (uvicorn --workers forks them), from /proc.

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of pid and every live descendant, in seconds."""
    return sum(_own_cpu_ticks(process) for process in _family(pid)) / TICKS


def settle(pid: int, timeout: float = 120) -> float:
    """Wait until the server's processes are idle (under 5% of a CPU over half a second); the
    seconds until the end of the last busy half second (0 if none was)."""
    started = time.monotonic()
    busy_until = started
    before = cpu_seconds(pid)
    while time.monotonic() < started + timeout:
        time.sleep(0.5)
        now = cpu_seconds(pid)
        if now - before < 0.025:
            return busy_until - started
        before, busy_until = now, time.monotonic()
    raise RuntimeError(f"the server was still busy {timeout:g} s after wrk stopped")


def _own_cpu_ticks(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:  # it ended between the listing and now
        return 0
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)


def _family(pid: int) -> list[int]:
    """pid and its descendants, through each thread's children list."""
    found, waiting = [], [pid]
    while waiting:
        current = waiting.pop()
        found.append(current)
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                waiting += [int(child) for child in children.read_text().split()]
            except FileNotFoundError:
                continue
    return found
