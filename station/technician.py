"""Field technician tools: device health, probe one device, grab a camera snapshot.

They build the same drivers as the daemon from the same config, so what a probe shows is
what the lane would read. With ``mock=True`` the device is the mock lane's emulator.
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from drivers.events import Device, DeviceRead
from station.config import DeviceSection, LaneConfig


class TechnicianError(Exception):
    """A request the technician can fix (unknown device, not a camera, no frame)."""


def device_section(config: LaneConfig, name: str) -> DeviceSection:
    """The config section of the device called ``name``."""
    for section in config.devices:
        if section.name == name:
            return section
    names = ", ".join(s.name for s in config.devices) or "none"
    raise TechnicianError(f"no device {name!r} in the config (devices: {names})")


@contextlib.contextmanager
def mock_endpoints(scenario: str, speed: float, rfid_protocol: str = "alien") -> Iterator[dict[str, str]]:
    """Run the mock lane (playing ``scenario``) in a temporary directory; yield its endpoints."""
    from hardware_mocks.lane import MockLane
    from hardware_mocks.scenario import load_scenario

    with tempfile.TemporaryDirectory(prefix="garita-probe-") as tmp:
        lane = MockLane(load_scenario(scenario), Path(tmp), speed=speed, rfid_protocol=rfid_protocol)
        lane.start()
        stop = threading.Event()
        # A short lead-in lets the probed driver connect before the first vehicle.
        player = threading.Thread(target=lambda: stop.wait(1.0) or lane.play(stop), daemon=True)
        player.start()
        try:
            yield lane.endpoints
        finally:
            stop.set()
            lane.stop()


def build_one(section: DeviceSection, endpoint: str | None = None) -> Device:
    """The driver for one device, as the daemon would build it."""
    from drivers.registry import build_device

    port = endpoint or section.port
    url = endpoint or section.url
    try:
        return build_device(section.name, section.kind, section.driver, port, url, dict(section.options))
    except ValueError as exc:
        raise TechnicianError(str(exc)) from None


def format_read(read: DeviceRead, raw: bool) -> str:
    """One line per read: time, kind, value, decoded fields; raw bytes when asked."""
    fields = {k: v for k, v in read.data.items() if v not in (None, "", [], {})}
    line = f"{read.at.strftime('%H:%M:%S.%f')[:-3]} {read.kind:<9} {read.value or '-'}  {fields}"
    if read.image is not None:
        line += f"  image {len(read.image)} bytes"
    if raw and read.raw is not None:
        line += f"\n    raw {read.raw!r}"
    return line


def probe(device: Device, seconds: float, on_read: Callable[[DeviceRead], None]) -> dict[str, Any]:
    """Run the driver for ``seconds`` (Ctrl-C ends early), handing each read on; return its health."""
    stop = threading.Event()
    thread = threading.Thread(target=device.run, args=(on_read, stop), name=f"probe-{device.name}")
    thread.start()
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and thread.is_alive():
            time.sleep(0.1)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        thread.join(timeout=3)
    return device.health.snapshot()


def snapshot(device: Any, timeout_s: float) -> bytes:
    """Start a camera driver until it has a frame; return that frame as JPEG."""
    if not hasattr(device, "snapshot"):
        raise TechnicianError(f"device {device.name!r} is not a camera")
    stop = threading.Event()
    thread = threading.Thread(target=device.run, args=(lambda read: None, stop), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            shot = device.snapshot()
            if shot is not None:
                return shot[0]
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=3)
    error = device.health.last_error or "no frame arrived"
    raise TechnicianError(f"camera {device.name!r}: no frame within {timeout_s:.0f} s ({error})")
