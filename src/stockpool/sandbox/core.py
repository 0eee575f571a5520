"""What every sandbox marketplace shares: its state, its lock, faults, buyers, the request log.

A platform subclasses `Sandbox`, builds its Starlette app in `routes()`, says how an order placed
by a buyer looks on it (`place_order`) and how it answers when it fails or throttles. Handlers
run on uvicorn's event loop and buyers on their own thread: both hold `lock` while they touch
state, and never while they wait on the network.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, ClassVar

from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import BaseRoute

from stockpool.sandbox.control import CONTROL_PREFIX, control_routes
from stockpool.sandbox.faults import Dice, Faults
from stockpool.sandbox.requests_log import RequestLog
from stockpool.sandbox.shelf import Listing, Shelf

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class Sandbox:
    platform: ClassVar[str]
    default_delay_seconds: ClassVar[float]

    def __init__(
        self,
        *,
        delay_seconds: float | None = None,
        seed: int | None = None,
        credentials: dict[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.shelf = Shelf(
            self.default_delay_seconds if delay_seconds is None else delay_seconds, clock
        )
        self.faults = Faults()
        self.dice = Dice(seed)
        self.requests = RequestLog()
        self.orders: list[dict[str, Any]] = []  # as the platform's API shows them
        self.credentials = credentials or self.new_credentials()
        self.buyers = Buyers(self)
        self.base_url = ""  # set once it is served
        control = [*control_routes(self), *self.control_routes()]
        app = Starlette(routes=[*control, *self.routes()])
        self.app = FaultsAndRecord(app, self)

    # -- what a platform provides -----------------------------------------------------------

    def new_credentials(self) -> dict[str, str]:
        raise NotImplementedError

    def routes(self) -> list[BaseRoute]:
        raise NotImplementedError

    def control_routes(self) -> list[BaseRoute]:
        """The platform's own steering under /_sandbox (a buyer cancelling, say)."""
        return []

    def add_listing(self, sku: str, quantity: int = 0) -> Listing:
        """A listing for `sku` with its platform ids, showing `quantity` now."""
        return self.shelf.add(sku, quantity)

    def place_order(self, sku: str, quantity: int) -> dict[str, Any] | None:
        """A buyer orders `quantity` of what `sku` shows (lock held): the order as the platform
        records it, or None when fewer are shown."""
        raise NotImplementedError

    def server_error(self, status: int) -> Response:
        """The platform's own answer when it fails (500, 503) or times out (504)."""
        raise NotImplementedError

    def throttled(self) -> Response:
        """The platform's own answer to a call over its quota."""
        raise NotImplementedError

    # -- shared --------------------------------------------------------------------------------

    def seed(self, count: int, quantity: int = 0) -> None:
        """Listings SKU-0001 … SKU-{count} (at least four digits)."""
        with self.lock:
            for number in range(1, count + 1):
                self.add_listing(f"SKU-{number:04d}", quantity)

    def describe(self) -> dict[str, Any]:
        return {"platform": self.platform, "url": self.base_url, "credentials": self.credentials}

    def close(self) -> None:
        self.buyers.stop()


class Buyers:
    """Shoppers placing orders at `rate_per_minute` (a Poisson process) for what is shown.
    Rates are per minute everywhere a person sets or reads them (the CLI, /_sandbox/buyers)."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox
        self.rate_per_minute = 0.0
        self.quantity = 1
        self.skus: list[str] | None = None
        self.placed = 0
        self.refused = 0
        self._wake = threading.Event()
        self._control = threading.Lock()
        self._thread: threading.Thread | None = None

    def set(self, rate_per_minute: float, quantity: int = 1, skus: list[str] | None = None) -> None:
        # Under _control so that a thread deciding to stop and a new rate cannot miss each other.
        with self._control:
            self.rate_per_minute, self.quantity, self.skus = rate_per_minute, quantity, skus
            self._wake.set()
            if rate_per_minute > 0 and self._thread is None:
                self._thread = threading.Thread(
                    target=self._shop, name=f"{self._sandbox.platform}-buyers", daemon=True
                )
                self._thread.start()

    def stop(self) -> None:
        thread = self._thread
        self.set(0.0)
        if thread is not None:
            thread.join(timeout=5)

    def describe(self) -> dict[str, Any]:
        return {
            "rate_per_minute": self.rate_per_minute,
            "quantity": self.quantity,
            "skus": self.skus,
            "placed": self.placed,
            "refused": self.refused,
        }

    def _shop(self) -> None:
        sandbox = self._sandbox
        while True:
            with self._control:
                self._wake.clear()  # before reading the rate: a later change wakes the wait
                rate = self.rate_per_minute
                if rate <= 0:
                    self._thread = None
                    return
            if self._wake.wait(sandbox.dice.wait(rate / 60)):
                continue  # the rate changed: draw the next wait with the new one
            with sandbox.lock:
                wanted = set(self.skus) if self.skus is not None else None
                shown = [
                    listing.sku
                    for listing in sandbox.shelf.all()
                    if listing.shown >= self.quantity and (wanted is None or listing.sku in wanted)
                ]
                if not shown:
                    self.refused += 1
                    continue
                if sandbox.place_order(sandbox.dice.choice(shown), self.quantity) is None:
                    self.refused += 1
                else:
                    self.placed += 1


class FaultsAndRecord:
    """ASGI middleware: records every platform call and injects the faults that are set.
    The control routes under /_sandbox are neither faulted nor recorded."""

    def __init__(self, app: Starlette, sandbox: Sandbox) -> None:
        self._app = app
        self._sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
            await self._app(scope, receive, send)
            return
        sandbox = self._sandbox
        body = bytearray()
        status = 0

        async def receive_recorded() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                body.extend(message.get("body", b""))
            return message

        async def send_recorded(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        with sandbox.lock:
            faults = sandbox.faults
            fault = (
                "timeout"
                if sandbox.dice.hit(faults.timeout_rate)
                else "error"
                if sandbox.dice.hit(faults.error_rate)
                else "throttle"
                if sandbox.dice.hit(faults.throttle_rate)
                else None
            )
            timeout_seconds = faults.timeout_seconds
        if fault is None:
            await self._app(scope, receive_recorded, send_recorded)
        else:
            while (await receive_recorded()).get("more_body", False):
                pass
            if fault == "timeout":
                await asyncio.sleep(timeout_seconds)
            with sandbox.lock:
                response = (
                    sandbox.throttled()
                    if fault == "throttle"
                    else sandbox.server_error(504 if fault == "timeout" else 500)
                )
            await response(scope, receive, send_recorded)
        headers = {
            key.decode("latin-1").lower(): value.decode("latin-1")
            for key, value in scope.get("headers", [])
        }
        with sandbox.lock:
            sandbox.requests.record(
                scope["method"],
                scope["path"],
                scope.get("query_string", b"").decode("latin-1"),
                headers,
                bytes(body),
                status,
                fault,
            )
