"""The sync worker: for every connected channel, a loop in its own thread that holds the
channel's lease and, round after round, pushes what the outbox holds, follows its feeds,
reconciles a page of listings when a pass is due, and runs the channel's other jobs (order
polling, cancellations sent back) at their own pace. It runs inside `stockpool serve` (the
default, STOCKPOOL_WORKER=embedded) or on its own as `stockpool worker`; any number of
processes may run: each channel is worked by one at a time (services/sync_worker.py).

A supervisor looks at the connections every few seconds: a channel connected starts its loop,
one disconnected stops it, one whose connection changed restarts it with a new connector.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import reduce

from stockpool.bootstrap import Container
from stockpool.channels.shopify import ShopifyConnector
from stockpool.domain.errors import CircuitOpen, PlatformUnavailable
from stockpool.domain.sync_health import Vitals
from stockpool.services.platform_cancellations import SEND_BATCH
from stockpool.services.ports.connectors import Connector
from stockpool.services.sync_worker import ChannelSync

log = logging.getLogger("stockpool.worker")

SUPERVISE_EVERY = 5.0
UNAVAILABLE_WAIT_MAX = 60.0
CIRCUIT_WAIT_MIN = 0.1  # the breaker's clock and ours differ by a little
CANCELLATIONS_EVERY = 5.0
VITALS_EVERY = 30.0  # told even when unchanged: its time says a worker still watches the channel
JOIN_SECONDS = 5.0


@dataclass(frozen=True)
class ChannelJob:
    """Work a channel loop runs every `every` seconds (0: never) with the channel's connector;
    run answers whether more is waiting (then it runs again next round)."""

    name: str
    every: float
    run: Callable[[str, Connector], bool]


def unavailable_wait(error: PlatformUnavailable, in_a_row: int) -> float:
    """How long a channel's loop waits after its platform could not be reached, the in_a_row-th
    time running: until an open circuit half-opens (nothing was tried), else doubling from a
    second, at most a minute."""
    if isinstance(error, CircuitOpen):
        return min(UNAVAILABLE_WAIT_MAX, max(error.retry_in, CIRCUIT_WAIT_MIN))
    return min(UNAVAILABLE_WAIT_MAX, 2.0**in_a_row / 2)


def worker_name() -> str:
    """A name no other worker process has: host, pid and a random part."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class ChannelLoop:
    """One connected channel, while this process holds its lease: pushes in one thread, and in
    another, with a connector of its own, reconciliation and the other jobs - whose calls may
    wait long on the platform's rate limits (Amazon allows a search of orders every 3 minutes),
    never holding up a push."""

    def __init__(
        self,
        container: Container,
        sync: ChannelSync,
        code: str,
        jobs: Sequence[ChannelJob],
    ) -> None:
        self.code = code
        self._container = container
        self._sync = sync
        self._jobs = jobs
        self._last_run: dict[str, float] = {}
        self._reconciling: str | None = None
        self._in_pass = False
        self._registered = False
        self._holding = threading.Event()  # this process holds the channel's lease
        self._halt = threading.Event()
        self._vitals: dict[str, Vitals] = {}  # each thread's connector's, as of its last turn
        self._told: tuple[Vitals, float] | None = None  # the vitals last told, and when
        self._vitals_lock = threading.Lock()
        self._threads = [
            threading.Thread(target=self._run, args=(self._push,), name=f"sync-{code}"),
            threading.Thread(target=self._run, args=(self._chores,), name=f"jobs-{code}"),
        ]
        for thread in self._threads:
            thread.daemon = True

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._halt.set()

    def join(self, timeout: float = JOIN_SECONDS) -> None:
        """Wait for its threads; one still inside a platform call (a rate limit's wait can be
        minutes) is left to end on its own: a daemon, its lease lapses."""
        for thread in self._threads:
            thread.join(timeout)

    @property
    def alive(self) -> bool:
        return all(thread.is_alive() for thread in self._threads)

    def _run(self, turn: Callable[[Connector], float]) -> None:
        """Turn after turn with a connector of the thread's own, until halted; a platform that
        cannot be reached backs the turns off, doubling up to a minute, and one whose circuit
        is open waits exactly until it half-opens."""
        try:
            connector = self._container.connector_for(self.code)
        except Exception:
            log.exception("%s: cannot build its connector", self.code)
            return
        unavailable = 0
        try:
            while not self._halt.is_set():
                try:
                    wait = turn(connector)
                    unavailable = 0
                except PlatformUnavailable as error:
                    unavailable += not isinstance(error, CircuitOpen)
                    wait = unavailable_wait(error, unavailable)
                    log.warning("%s unavailable (%s); again in %.1f s", self.code, error, wait)
                except Exception:
                    log.exception("%s: %s failed", self.code, threading.current_thread().name)
                    wait = 5.0
                self._tell_vitals(connector)
                self._halt.wait(wait)
        finally:
            if turn == self._push:
                self._holding.clear()
                self._let_go()
            connector.close()

    def _tell_vitals(self, connector: Connector) -> None:
        """The channel's circuit and throttling (both threads' connectors as one), told to the
        store when they changed or every VITALS_EVERY seconds, and only while this process
        holds the lease: another worker's idle connectors must not speak for the channel."""
        if not self._holding.is_set():
            return
        try:
            with self._vitals_lock:
                self._vitals[threading.current_thread().name] = connector.vitals()
                merged = reduce(Vitals.worst, self._vitals.values())
                now, told = time.monotonic(), self._told
                if told is not None and told[0] == merged and now - told[1] < VITALS_EVERY:
                    return
                more = merged.throttled - (told[0].throttled if told else 0)
                self._container.sync.vitals(self.code, merged, max(more, 0))
                self._told = (merged, now)
        except Exception:  # told again after the next turn
            log.exception("%s: telling the connector's vitals failed", self.code)

    def _push(self, connector: Connector) -> float:
        settings = self._container.settings
        if not self._sync.lease(self.code, settings.lease_seconds):
            self._holding.clear()
            return settings.lease_seconds / 3
        if not self._registered:  # once the channel is ours (a no-op when already registered)
            self._registered = True
            self._register(connector)
        self._holding.set()
        self._sync.run(self.code, connector)
        return settings.sync_seconds

    def _chores(self, connector: Connector) -> float:
        if self._holding.is_set():
            self._reconcile(connector)
            self._run_jobs(connector)
        return max(self._container.settings.sync_seconds, 0.2)

    def _reconcile(self, connector: Connector) -> None:
        reconciliation = self._container.reconciliation
        if reconciliation.every.total_seconds() <= 0:
            return
        if not self._in_pass:
            if not reconciliation.due(self.code):
                return
            self._in_pass, self._reconciling = True, None
        done = reconciliation.step(self.code, connector, self._reconciling)
        if done.drift:
            log.warning("%s: %d listing(s) drifted; repairs queued", self.code, done.drift)
        self._reconciling = done.after
        self._in_pass = done.after is not None

    def _run_jobs(self, connector: Connector) -> None:
        now = time.monotonic()
        for job in self._jobs:
            if job.every <= 0 or now - self._last_run.get(job.name, -job.every) < job.every:
                continue
            self._last_run[job.name] = now
            try:
                if job.run(self.code, connector):
                    self._last_run[job.name] = now - job.every  # more waits: next round
            except PlatformUnavailable:
                raise  # backs the chores off
            except Exception:
                log.exception("%s: %s failed", self.code, job.name)

    def _register(self, connector: Connector) -> None:
        public_url = self._container.settings.public_url
        if public_url and isinstance(connector, ShopifyConnector):
            url = f"{public_url.rstrip('/')}/webhooks/shopify/{self.code}"
            try:
                connector.register_webhooks(url)
            except Exception:  # orders still arrive by polling
                log.exception("%s: registering Shopify webhooks to %s failed", self.code, url)

    def _let_go(self) -> None:
        try:
            self._sync.let_go(self.code)
        except Exception:  # the lease lapses by itself
            log.exception("%s: letting go of its lease failed", self.code)


class Worker:
    """Every connected channel's loop, kept in step with the connections."""

    def __init__(
        self,
        container: Container,
        jobs: Sequence[ChannelJob] = (),
        *,
        name: str | None = None,
        supervise_every: float = SUPERVISE_EVERY,
    ) -> None:
        self.name = name or worker_name()
        self._container = container
        self._jobs = tuple(jobs)
        self._sync = container.channel_sync(self.name)
        self._every = supervise_every
        self._loops: dict[str, tuple[datetime, ChannelLoop]] = {}
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="sync-worker", daemon=True)
        self._thread.start()

    def run(self) -> None:
        """Supervise until halted (the `stockpool worker` command runs this in the foreground)."""
        log.info("sync worker %s started", self.name)
        while not self._halt.is_set():
            try:
                self.supervise()
            except Exception:
                log.exception("sync worker: looking at the connections failed")
            self._halt.wait(self._every)
        for _, loop in self._loops.values():
            loop.stop()
        for _, loop in self._loops.values():
            loop.join()
        self._loops.clear()
        log.info("sync worker %s stopped", self.name)

    def supervise(self) -> None:
        connected = {
            code: shown.updated_at
            for code, shown in self._container.channels.connections_shown().items()
        }
        for code, (since, loop) in list(self._loops.items()):
            if connected.get(code) != since or not loop.alive:
                loop.stop()
                loop.join()
                del self._loops[code]
        for code, since in sorted(connected.items()):
            if code not in self._loops:
                loop = ChannelLoop(self._container, self._sync, code, self._jobs)
                self._loops[code] = (since, loop)
                loop.start()

    def halt(self) -> None:
        """Ask it to stop (safe from a signal handler)."""
        self._halt.set()

    def stop(self) -> None:
        self.halt()
        if self._thread is not None:
            self._thread.join(timeout=60)


def channel_jobs(container: Container) -> list[ChannelJob]:
    """The jobs each channel loop runs besides pushing and reconciling: its orders polled every
    STOCKPOOL_ORDER_POLL_SECONDS (the first poll as the loop starts: a backfill after downtime,
    Shopify's webhooks included), its returns every STOCKPOOL_RETURN_POLL_SECONDS, its
    fulfilment network's stock every STOCKPOOL_FULFILLED_STOCK_SECONDS, and the cancellations
    stockpool decided sent to the platform every few seconds."""
    settings = container.settings

    def poll(channel: str, connector: Connector) -> bool:
        polled = container.platform_orders.poll(channel, connector)
        if polled.new or polled.refused:
            log.info("%s: polled %d order(s), %d new", channel, polled.orders, polled.new)
        return polled.more

    def poll_returns(channel: str, connector: Connector) -> bool:
        polled = container.platform_returns.poll(channel, connector)
        if polled.taken.new or polled.taken.refused:
            log.info("%s: polled %d return(s), %d new", channel, polled.returns, polled.taken.new)
        return polled.more

    def fetch_fulfilled(channel: str, connector: Connector) -> bool:
        fetched = container.fulfilled_stock.fetch(channel, connector)
        for done in fetched.applied:
            applied = done.snapshot
            log.info(
                "%s: fulfilment stock applied to %s: %d movement(s)",
                channel,
                applied.location,
                applied.movements,
            )
        return False

    def cancel(channel: str, connector: Connector) -> bool:
        sent = container.cancellations.send(channel, connector)
        if sent:
            log.info("%s: %d cancellation(s) sent to the platform", channel, sent)
        return sent >= SEND_BATCH  # a full batch: more may wait

    return [
        ChannelJob("order-poll", settings.order_poll_seconds, poll),
        ChannelJob("return-poll", settings.return_poll_seconds, poll_returns),
        ChannelJob("fulfilled-stock", settings.fulfilled_stock_seconds, fetch_fulfilled),
        ChannelJob("cancellations", CANCELLATIONS_EVERY, cancel),
    ]
