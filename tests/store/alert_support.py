"""A local webhook subscriber for the alert tests: a tiny HTTP server on 127.0.0.1 in a thread
that records each delivery and answers with the status codes it is told (200 otherwise)."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from stockpool.bootstrap import Container
from stockpool.domain.subscribers import NewSubscriber
from stockpool.domain.webhook_signing import verify
from stockpool.entrypoints.outbound import http_post


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)


class Receiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.answers: list[int] = []  # status codes for the next requests, then 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append(Received(dict(self.headers.items()), body))
                code = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/hooks/stockpool"

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class Subscribed:
    """The receiver registered with a container, and its secret."""

    def __init__(self, container: Container, receiver: Receiver) -> None:
        self.container = container
        self.receiver = receiver
        _, self.secret = container.alerting.webhooks.register(NewSubscriber(receiver.url, None))

    def evaluate_and_deliver(self) -> list[dict[str, Any]]:
        """Evaluate alerts, send what is due, and the events received (each verified)."""
        before = len(self.receiver.received)
        self.container.alerting.alerts.evaluate()
        self.container.alerting.sender.send_due(http_post)
        fresh = self.receiver.received[before:]
        now = self.container.clock().timestamp()
        for got in fresh:
            signed = got.headers["Stockpool-Signature"]
            stamp = got.headers["Stockpool-Timestamp"]
            if not verify(self.secret, stamp, got.body, signed, now=now):
                raise AssertionError(f"delivery {got.headers['Stockpool-Delivery']} fails")
        return [got.event for got in fresh]


def open_alerts(container: Container) -> set[tuple[str, str]]:
    return {
        (a.alert.kind.value, a.alert.subject) for a in container.alerting.alerts.list(status="open")
    }


def events(received: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(e["event"], e["alert"]["kind"], e["alert"]["subject"]) for e in received]
