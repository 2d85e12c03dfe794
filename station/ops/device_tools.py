"""Field technician tools: device health, probe one device, grab a camera snapshot.

They build the same drivers as the daemon from the same config, so what a probe shows is
what the lane would read. With ``mock=True`` the device is the mock lane's emulator.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from garita.drivers.events import Device, DeviceRead, Snapshotter
from garita.station.config.lane_config import DeviceSection, LaneConfig


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
def mock_endpoints(scenario: str, speed: float, device: str | None = None,
                   on_skip: Callable[[float], None] | None = None,
                   rfid_protocol: str = "alien") -> Iterator[dict[str, str]]:
    """Run the mock lane (playing ``scenario``) in a temporary directory; yield its endpoints.

    With ``device``, play starts shortly before that device's first event (``on_skip`` hears
    how many scenario seconds were skipped), so a probe shows a read within seconds.
    """
    from garita.hardware_mocks.mock_lane import MockLane
    from garita.hardware_mocks.scenario import load_scenario

    with tempfile.TemporaryDirectory(prefix="garita-probe-") as tmp:
        lane = MockLane(load_scenario(scenario), Path(tmp), speed=speed, rfid_protocol=rfid_protocol)
        lane.start()
        firsts = [step.at for step in lane.schedule() if step.device == device]
        start_at = max(min(firsts) - 1.0, 0.0) if firsts else 0.0
        if start_at and on_skip:
            on_skip(start_at)
        stop = threading.Event()
        # A short lead-in lets the probed driver connect before the first vehicle.
        player = threading.Thread(target=lambda: stop.wait(1.0) or lane.play(stop, start_at), daemon=True)
        player.start()
        try:
            yield lane.endpoints
        finally:
            stop.set()
            lane.stop()


def build_one(section: DeviceSection, endpoint: str | None = None) -> Device:
    """The driver for one device, as the daemon would build it."""
    from garita.drivers.registry import build_device

    port = endpoint or section.port
    url = endpoint or section.url
    try:
        return build_device(section.name, section.kind, section.driver, port, url, section.options)
    except ValueError as exc:
        raise TechnicianError(str(exc)) from None


# Reader internals that say nothing to a technician reading the line (--json keeps everything).
_QUIET = {"raw", "lines", "reader_discovered", "reader_last_seen", "first_seen", "last_seen", "checks", "format",
          "protocol", "epc", "document_number", "document_type", "document_code", "valid"}


def _words(read: DeviceRead) -> str:
    """What the read says, as a sentence rather than a dict."""
    data = read.data
    if read.kind == "rfid":
        return f"tag {read.value} on antenna {data.get('antenna', '?')}, seen {data.get('count', 1)} times"
    if read.kind == "document":
        checks = data.get("checks") or {}
        ok = data.get("valid") is not False and all(checks.values())
        return (f"{data.get('format', 'document')} {data.get('document_type', '')} {read.value} of "
                f"{data.get('surname', '?')}, {data.get('given_names', '?')} ({data.get('nationality', '?')}), "
                f"born {data.get('birth_date', '?')}, expires {data.get('expiry_date', '?')}, "
                f"check digits {'OK' if ok else 'FAILED'}")
    if read.kind == "barcode":
        kind = data.get("type", "barcode")
        return f"{kind} barcode {read.value!r}" + (f" ({data['symbology']})" if data.get("symbology") else "")
    if read.kind == "image":
        return f"camera frame, {len(read.image or b'')} bytes"
    return f"{read.kind} {read.value or '-'}"


def format_read(read: DeviceRead, raw: bool) -> str:
    """One line per read: time, kind, what it says in words, other decoded fields; raw bytes when asked."""
    extra = {k: v for k, v in read.data.items() if v not in (None, "", [], {}) and k not in _QUIET
             and k not in {"antenna", "count", "surname", "given_names", "nationality", "birth_date",
                           "expiry_date", "type", "symbology"}}
    line = f"{read.at.strftime('%H:%M:%S.%f')[:-3]} {read.kind:<9} {_words(read)}"
    if extra:
        line += "; " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in extra.items())
    if raw and read.raw is not None:
        line += f"\n    raw {read.raw!r}"
    return line


def read_json(read: DeviceRead) -> str:
    """One read as a JSON line (everything the driver decoded; raw bytes as hex)."""
    return json.dumps({"at": read.at.isoformat(), "device": read.device, "kind": read.kind, "value": read.value,
                       "data": read.data, "image_bytes": len(read.image) if read.image else None,
                       "raw_hex": read.raw.hex() if read.raw is not None else None}, default=str)


def health_words(health: dict[str, Any]) -> str:
    """The device's health as a sentence, taken while it was still open."""
    state = "connected" if health["connected"] else f"NOT connected ({health['last_error'] or 'no reason given'})"
    last = health["last_frame_at"]
    return (f"health: {state}; {health['frames_ok']} frames ok, {health['frames_rejected']} rejected, "
            f"{health['bytes_discarded']} bytes of noise discarded, {health['reconnects']} reconnects; "
            f"last frame {str(last)[11:19] if last else 'never'}"
            + (f"; last error: {health['last_error']}" if health["last_error"] and health["connected"] else ""))


def probe(device: Device, seconds: float, on_read: Callable[[DeviceRead], None]) -> dict[str, Any]:
    """Run the driver for ``seconds`` (Ctrl-C ends early), handing each read on; return its health.

    The health is taken before the port is closed: it says whether the device was connected.
    """
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
        health = device.health.snapshot()
        stop.set()
        thread.join(timeout=3)
    return health


def snapshot(device: Device, timeout_s: float) -> bytes:
    """Start a camera driver until it has a frame; return that frame as JPEG."""
    if not isinstance(device, Snapshotter):
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
