"""Test-side helpers: a pseudo-terminal "device" and a threaded driver runner."""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time
import tty
from collections.abc import Callable

from garita.drivers.events import DeviceRead


class FakePort:
    """A pty pair: the driver opens `path`, the test talks on the master side."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)  # no echo or CR translation before the driver configures it
        self.path = os.ttyname(self.slave)

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def read(self, timeout: float = 0.05) -> bytes:
        if select.select([self.master], [], [], timeout)[0]:
            try:
                return os.read(self.master, 4096)
            except OSError:
                return b""
        return b""

    def close(self) -> None:
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)


class Running:
    """Runs device.run in a thread, collecting reads; always stopped and joined."""

    def __init__(self, device) -> None:
        self.device, self.reads = device, []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=device.run, args=(self.reads.append, self.stop))
        self.thread.start()

    def wait_for(self, cond: Callable[[], bool], timeout: float = 5.0) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if cond():
                return True
            time.sleep(0.02)
        return cond()

    def wait_reads(self, n: int, timeout: float = 5.0) -> list[DeviceRead]:
        assert self.wait_for(lambda: len(self.reads) >= n, timeout), (self.reads,
                                                                      self.device.health)
        return self.reads

    def close(self) -> float:
        t0 = time.monotonic()
        self.stop.set()
        self.thread.join(3)
        assert not self.thread.is_alive()
        return time.monotonic() - t0
