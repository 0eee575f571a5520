"""Serving sandboxes: in a thread on a free port (tests), or all together in one loop (the CLI)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from stockpool.sandbox.core import Sandbox


def bind(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """A listening socket; port 0 picks a free one."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    """The base URL of what listens on `sock`."""
    host, port = sock.getsockname()[:2]
    return f"http://{host}:{port}"


def _server(sandbox: Sandbox) -> uvicorn.Server:
    config = uvicorn.Config(sandbox.app, log_level="warning", lifespan="off", access_log=False)
    return uvicorn.Server(config)


@contextmanager
def running(sandbox: Sandbox, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve `sandbox` on a thread until the block ends; yields its base URL."""
    sock = bind(host, port)
    sandbox.base_url = url_of(sock)
    server = _server(sandbox)
    thread = threading.Thread(
        target=server.run,
        kwargs={"sockets": [sock]},
        name=f"{sandbox.platform}-sandbox",
        daemon=True,
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"The {sandbox.platform} sandbox did not start.")
        time.sleep(0.01)
    try:
        yield sandbox.base_url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sandbox.close()
        sock.close()


async def serve_all(served: list[tuple[Sandbox, socket.socket]]) -> None:
    """Serve every sandbox on its bound socket in this loop until interrupted."""
    for sandbox, sock in served:
        sandbox.base_url = url_of(sock)
    servers = [(_server(sandbox), sock) for sandbox, sock in served]
    try:
        await asyncio.gather(*(server.serve(sockets=[sock]) for server, sock in servers))
    finally:
        for sandbox, _ in served:
            sandbox.close()
