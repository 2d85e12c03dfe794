"""Issue 17 row 1: a flood of random bytes on the scanner's line is one noise event, not thousands of reads."""

from __future__ import annotations

import os
import random
import threading

from garita.drivers.barcode_scanner import BarcodeScanner
from garita.drivers.events import DeviceHealth
from garita.drivers.noise_gate import GateSettings, NoiseGate

FLOOD_BYTES = 2_000_000  # the attack used 10 MB; 2 MB shows the same on two shared cores


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_little_noise_is_tolerated_a_burst_is_one_event() -> None:
    health, clock = DeviceHealth(), Clock()
    gate = NoiseGate(health, GateSettings(noise_budget=2, quiet_s=0.5), clock)
    assert gate.admit(True, 10) and gate.admit(True, 10)  # within the budget: the scans are kept
    assert not gate.admit(True, 10)  # the third in the window starts the burst
    for _ in range(1000):
        clock.now += 0.001
        gate.on_bytes()
        assert not gate.admit(False, 5)  # clean-looking frames inside the burst are dropped too
    assert health.noisy and health.noise_events == 1 and health.noise_frames_dropped == 1001
    clock.now += 0.6
    assert gate.on_tick() and not health.noisy
    assert gate.admit(False, 20)  # the line is quiet: real frames pass at once


def test_frames_faster_than_a_person_can_scan_are_noise() -> None:
    health, clock = DeviceHealth(), Clock()
    gate = NoiseGate(health, GateSettings(max_frames_per_s=5), clock)
    admitted = 0
    for _ in range(50):
        clock.now += 0.01
        admitted += gate.admit(False, 12)
    assert admitted == 5 and health.noise_events == 1 and health.noise_frames_dropped == 45


def _flood(master: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(master, view[:65536]):]


def test_random_bytes_on_the_line_then_a_real_scan(fake_port, run_device) -> None:
    scanner = BarcodeScanner("scan-flood", fake_port.path)
    run = run_device(scanner)
    assert run.wait_for(lambda: scanner.health.connected)
    flood = random.Random(17).randbytes(FLOOD_BYTES)
    writer = threading.Thread(target=_flood, args=(fake_port.master, flood))
    writer.start()
    writer.join(120)
    assert not writer.is_alive()
    assert run.wait_for(lambda: scanner.health.noise_events >= 1, 10)
    assert run.wait_for(lambda: not scanner.health.noisy, 20), scanner.health
    bogus = len(run.reads)
    fake_port.write(b"]C0ABCD2403150001\r")
    reads = run.wait_reads(bogus + 1, 10)
    health = scanner.health.snapshot()
    print(f"\n2 MB of noise: {bogus} reads let through, {health['noise_frames_dropped']} frames dropped,"
          f" {health['bytes_discarded']} bytes discarded, {health['noise_events']} noise event(s)")
    assert health["noise_events"] == 1  # one burst, however long
    assert bogus <= GateSettings().noise_budget  # only what the budget tolerates before the burst is seen
    assert health["noise_frames_dropped"] > 1000
    assert reads[-1].value == "ABCD2403150001" and reads[-1].raw == b"]C0ABCD2403150001"
    run.close()


def test_any_driver_flooded_with_garbage_is_marked_noisy_once(fake_port, run_device) -> None:
    """The passport reader parses no read from noise; its health still says noisy, one event per burst."""
    from garita.drivers.document_reader import DocumentReader

    reader = DocumentReader("mrz-flood", fake_port.path, {"framing": "lines"})
    run = run_device(reader)
    assert run.wait_for(lambda: reader.health.connected)
    _flood(fake_port.master, b"NOT AN MRZ LINE\r" * 5000)
    assert run.wait_for(lambda: reader.health.frames_rejected >= 5000, 20)
    assert reader.health.noise_events == 1 and reader.health.snapshot()["noise_events"] == 1
    assert run.wait_for(lambda: not reader.health.snapshot()["noisy"], 5)
    assert not run.reads
    run.close()
