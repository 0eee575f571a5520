"""The reservation sweep, run in the background: by the API server, and by `stockpool
reservations sweep --every N` as a worker of its own. Any number may run at once; each expired
reservation is released exactly once (services/holds.py)."""

from __future__ import annotations

import logging
import threading

from stockpool.services.reservations import ReservationService

log = logging.getLogger("stockpool.sweeper")


class Sweeper:
    def __init__(self, reservations: ReservationService, every: float) -> None:
        self._reservations = reservations
        self._every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        try:
            released = self._reservations.sweep()
        except Exception:  # a failed sweep is retried next time; expiry is also lazy
            log.exception("reservation sweep failed")
            return 0
        if released:
            log.info("released %d expired reservations", released)
        return released

    def run_forever(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._stop.wait(self._every)

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.run_forever, name="reservation-sweeper", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
