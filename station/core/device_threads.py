"""Runs each blocking device driver in its own thread and hands its reads to the asyncio core."""

from __future__ import annotations

import itertools
import logging
import threading
from collections import deque
from collections.abc import Callable

from garita.drivers.events import Device, DeviceRead
from garita.station.ops.event_log import log_event

log = logging.getLogger("garita.devices")


QUEUE_LIMIT = 64  # reads one device may have waiting for the core; more is a flood


class Arrivals:
    """The lane-wide arrival order of reads: one lock, so a number given out is in its queue before the next."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._numbers = itertools.count()

    def next(self) -> int:
        return next(self._numbers)


class DeviceQueue:
    """One device's bounded hand-off to the core: a flooding device loses only its own excess."""

    def __init__(self, device: Device, wake: Callable[[], None], limit: int = QUEUE_LIMIT,
                 arrivals: Arrivals | None = None) -> None:
        self.device, self.wake, self.limit = device, wake, limit
        self.arrivals = arrivals or Arrivals()
        self._reads: deque[tuple[int, DeviceRead]] = deque()

    def put(self, read: DeviceRead) -> None:
        """Called from the device's thread; never blocks (beyond the lane-wide lock, held for an append)."""
        with self.arrivals.lock:
            if len(self._reads) >= self.limit:
                self.device.health.read_dropped()
                return
            was_empty = not self._reads
            self._reads.append((self.arrivals.next(), read))
        if was_empty:  # one wake-up per batch keeps a flood off the event loop's own queue
            self.wake()

    def take_all(self) -> list[tuple[int, DeviceRead]]:
        """Every waiting read with its arrival number (the caller holds the lane-wide lock)."""
        taken = list(self._reads)
        self._reads.clear()
        return taken


class DeviceThread:
    """One device's thread; if the driver itself crashes it is restarted with backoff."""

    def __init__(self, device: Device, emit: Callable[[DeviceRead], None], stop: threading.Event):
        self.device = device
        self.emit = emit
        self.stop = stop
        self.crashes = 0
        self.thread = threading.Thread(target=self._loop, name=f"device-{device.name}", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _loop(self) -> None:
        backoff = 0.5
        while not self.stop.is_set():
            try:
                self.device.run(self.emit, self.stop)
            except Exception as exc:  # a driver bug must not take the lane down
                self.crashes += 1
                self.device.health.mark_disconnected(f"driver crashed: {exc}")
                log_event(log, "device.crashed", logging.ERROR, device=self.device.name,
                          error=repr(exc), retry_in_s=backoff)
                self.stop.wait(backoff)
                backoff = min(backoff * 2, 10.0)

    def join(self, timeout: float) -> bool:
        self.thread.join(timeout)
        return not self.thread.is_alive()


class DeviceSet:
    """All the lane's device threads, started and stopped together."""

    def __init__(self, devices: list[Device], wake: Callable[[], None], limit: int = QUEUE_LIMIT):
        self.stop_event = threading.Event()
        self.arrivals = Arrivals()
        self.queues = [DeviceQueue(device, wake, limit, self.arrivals) for device in devices]
        self.threads = [DeviceThread(q.device, q.put, self.stop_event) for q in self.queues]

    def take_round(self) -> list[DeviceRead]:
        """Every waiting read, in the order the devices emitted them, across devices too.

        Segmentation places a read by the reads before it (a passport scanned after the next car's plate
        belongs to the next car), so when the core lags the order must hold; taking one read of each device
        per round let a later document overtake the plate that opened the next crossing. A flooding device
        still loses only its own excess (its queue is bounded), so another device's read waits behind at
        most ``limit`` of its reads, and never behind one that arrived after it."""
        with self.arrivals.lock:
            waiting = [item for queue in self.queues for item in queue.take_all()]
        return [read for _, read in sorted(waiting, key=lambda item: item[0])]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()
            log_event(log, "device.started", device=thread.device.name)

    def stop(self, timeout: float = 2.0) -> list[str]:
        """Stop every thread; returns the names of any that did not stop in time."""
        self.stop_event.set()
        stuck = [t.device.name for t in self.threads if not t.join(timeout / max(len(self.threads), 1))]
        for name in stuck:
            log_event(log, "device.stop_timeout", logging.WARNING, device=name)
        return stuck

    def health(self) -> dict[str, dict]:
        return {t.device.name: t.device.health.snapshot() for t in self.threads}
