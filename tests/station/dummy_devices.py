"""A dummy device for core tests: emits a fixed list of reads, then idles (Mopidy-style dummy_*)."""

from __future__ import annotations

import threading

from garita.drivers.events import DeviceHealth, DeviceRead, Emit


class DummyDevice:
    def __init__(self, name: str, reads: list[DeviceRead], crash_first: bool = False):
        self.name = name
        self.health = DeviceHealth()
        self.reads = reads
        self.crash_first = crash_first
        self.runs = 0

    def run(self, emit: Emit, stop: threading.Event) -> None:
        self.runs += 1
        if self.crash_first and self.runs == 1:
            raise RuntimeError("driver bug on first start")
        self.health.mark_connected()
        for read in self.reads:
            emit(read)
            self.health.frame_ok()
        self.reads = []
        stop.wait()
