"""A demo killed outright (SIGKILL: no chance to stop anything) still leaves no process behind:
its children were started to get SIGTERM when it dies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from tests.sandbox.timing import eventually

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's"
)

DEMO = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from stockpool.entrypoints.cli.demo_processes import Children
    children = Children(Path(sys.argv[1]), dict(os.environ))
    children.sandboxes(["--shopify-port=0", "--amazon-port=0", "--walmart-port=0"])
    print(children.started[0].pid, flush=True)
    time.sleep(600)
    """
)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is dead, only not yet reaped
        return stat.read().split(") ")[-1][0] != "Z"


def test_the_demos_children_end_when_it_is_killed(tmp_path):
    demo = subprocess.Popen(
        [sys.executable, "-c", DEMO, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        child = int((demo.stdout.readline() if demo.stdout else "").strip())
        assert alive(child)
        demo.send_signal(signal.SIGKILL)
        demo.wait(timeout=10)
        eventually(lambda: not alive(child), seconds=20)
    finally:
        if demo.poll() is None:
            demo.kill()
        if demo.stdout:
            demo.stdout.close()
