"""Work the server (or a worker process) runs in the background, every so often: the reservation
sweep, and the availability refresh. Any number may run at once: each job is safe to repeat and
to run concurrently (the sweep releases each hold once; a recompute writes only what changed)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from stockpool.domain.errors import WrittenMeanwhile

log = logging.getLogger("stockpool.periodic")


class Periodic:
    def __init__(self, name: str, job: Callable[[], object], every: float) -> None:
        self.name = name
        self._job = job
        self._every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> object:
        try:
            return self._job()
        except Exception:  # retried next time; the job's own callers stay correct meanwhile
            log.exception("%s failed", self.name)
            return None

    def run_forever(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self._every)

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run_forever, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)


def sweeper(release: Callable[[], int], every: float) -> Periodic:
    """Release expired reservations every so often (expiry is also lazy: see services/holds)."""

    def sweep() -> int:
        released = release()
        if released:
            log.info("released %d expired reservations", released)
        return released

    return Periodic("reservation-sweeper", sweep, every)


def refresher(refresh: Callable[[], object], every: float) -> Periodic:
    """Judge channel sync health and recompute every SKU's numbers every so often: demand decays
    and syncs go stale with no event to say so."""
    return Periodic("availability-refresher", refresh, every)


def alert_evaluator(evaluate: Callable[[], object], every: float) -> Periodic:
    """Decide which alerts hold every so often: most conditions (stock running out, a sync
    gone stale, a return waiting) arrive with no event to say so. Another process raising the
    same alert at the same moment is no failure: the next evaluation finds it open."""

    def evaluated() -> object:
        try:
            return evaluate()
        except WrittenMeanwhile:
            log.info("another process raised the same alert meanwhile; evaluated again next time")
            return None

    return Periodic("alert-evaluator", evaluated, every)


def webhook_sender(send: Callable[[], object], every: float) -> Periodic:
    """Deliver the queued webhook events (and retry those whose backoff ended)."""
    return Periodic("webhook-sender", send, every)
