"""Runs each blocking device driver in its own thread and hands its reads to the asyncio core."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from drivers.events import Device, DeviceRead
from station.logs import log_event

log = logging.getLogger("garita.devices")


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

    def __init__(self, devices: list[Device], emit: Callable[[DeviceRead], None]):
        self.stop_event = threading.Event()
        self.threads = [DeviceThread(device, emit, self.stop_event) for device in devices]

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
