"""`garita bench rfid`: tag-report-to-read latency over loopback, LLRP against the Alien baseline,
and the LLRP driver's reconnect time per injected reader fault.

Latency is from the emulator putting a tag in its field (which sends the report at once) to
the driver handing the lane a DeviceRead. Mock mode only needs loopback; nothing leaves the host.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from garita.drivers.events import Device, DeviceRead
from garita.drivers.rfid_alien import AlienReader
from garita.drivers.rfid_llrp import LlrpReader

RECONNECT_FAULTS = ("drop", "reboot", "truncated", "refuse_rospec", "keepalive_stop")


def _epc(i: int) -> str:
    return f"E280{i:020X}"


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


class _Driven:
    """A driver running in a thread, with each read's arrival time noted."""

    def __init__(self, device: Device) -> None:
        self.device, self.arrived = device, {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=device.run, args=(self._on_read, self.stop), daemon=True)
        self.thread.start()

    def _on_read(self, read: DeviceRead) -> None:
        self.arrived[read.value] = time.perf_counter()

    def wait(self, cond: Callable[[], bool], timeout: float) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end and not cond():
            time.sleep(0.001)
        return cond()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(3)


def _latencies(reader: Any, driven: _Driven, tags: int) -> list[float]:
    """Each tag enters, is read, and leaves (so the field, and each re-read round, stays small)."""
    out = []
    for i in range(tags):
        epc = _epc(i)
        start = time.perf_counter()
        reader.put_tag(epc)
        if driven.wait(lambda e=epc: e in driven.arrived, 2.0):
            out.append((driven.arrived[epc] - start) * 1000)
        reader.remove_tag(epc)
    return out


def _summary(name: str, ms: list[float], tags: int) -> dict[str, Any]:
    return {"reader": name, "tags": tags, "read": len(ms), "p50_ms": statistics.median(ms) if ms else None,
            "p95_ms": _p95(ms) if ms else None}


def bench_llrp_latency(tags: int) -> dict[str, Any]:
    """LLRP reader emulator -> LlrpReader."""
    from garita.hardware_mocks.llrp_reader import LlrpReaderMock

    reader = LlrpReaderMock(reread_s=5.0)
    reader.start()
    driven = _Driven(LlrpReader("bench-llrp", reader.endpoint, {"forget_after_s": 600.0}))
    try:
        driven.wait(lambda: driven.device.health.connected, 5)
        return _summary("llrp", _latencies(reader, driven, tags), tags)
    finally:
        driven.close()
        reader.stop()


def bench_alien_latency(tags: int) -> dict[str, Any]:
    """Baseline: Alien reader emulator in notify mode over its TCP command port -> AlienReader."""
    from garita.hardware_mocks.alien_rfid_reader import AlienRfidReader

    with tempfile.TemporaryDirectory() as tmp:
        reader = AlienRfidReader("bench-alien", Path(tmp), tcp=True)
        reader.start()
        url = reader.endpoint.replace("socket://", "tcp://")
        driven = _Driven(AlienReader("bench-alien", url, {"mode": "notify", "forget_after_s": 600.0}))
        try:
            driven.wait(lambda: reader.attributes["NotifyMode"] == "ON", 5)
            return _summary("alien (notify, baseline)", _latencies(reader, driven, tags), tags)
        finally:
            driven.close()
            reader.stop()


def bench_reconnects(rounds: int) -> list[dict[str, Any]]:
    """Seconds from each fault until the LLRP driver inventories again (median, max of ``rounds``)."""
    from garita.hardware_mocks.llrp_reader import LlrpReaderMock

    results = []
    for fault in RECONNECT_FAULTS:
        times = []
        for _ in range(rounds):
            reader = LlrpReaderMock(reread_s=0.1)
            reader.start()
            device = LlrpReader("bench-llrp", reader.endpoint, {"keepalive_s": 0.2, "keepalive_timeout_s": 0.8})
            driven = _Driven(device)
            try:
                driven.wait(lambda d=device: d.health.connected, 5)
                before = device.stats["inventories"]
                start = time.perf_counter()
                reader.inject(fault)
                if driven.wait(lambda d=device, b=before: d.stats["inventories"] > b, 10):
                    times.append(time.perf_counter() - start)
            finally:
                driven.close()
                reader.stop()
        results.append({"fault": fault, "rounds": rounds, "recovered": len(times),
                        "median_s": statistics.median(times) if times else None,
                        "max_s": max(times) if times else None})
    return results


def run_bench(tags: int, rounds: int) -> dict[str, Any]:
    """Every figure of `garita bench rfid`."""
    return {"latency": [bench_llrp_latency(tags), bench_alien_latency(tags)],
            "reconnect": bench_reconnects(rounds)}
