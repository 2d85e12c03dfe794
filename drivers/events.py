"""Typed events that drivers hand to the lane core, and each device's health record."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np

# Any driver's rejected frames past this budget mark the device noisy (one noise event per burst);
# the barcode scanner also drops frames while noisy (garita.drivers.noise_gate).
NOISE_BUDGET, NOISE_WINDOW_S, NOISE_QUIET_S = 5, 2.0, 0.5

ReadKind = Literal["rfid", "barcode", "document", "image", "presence"]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class DeviceRead:
    """One decoded read from one device.

    ``value`` is the normalised identifier the lane matches on (EPC hex, barcode
    payload, document number, ...); ``data`` holds the parsed details and must
    stay JSON-serialisable; ``image`` carries JPEG bytes for camera reads (the evidence kept on
    disk) and ``frame`` the decoded BGR frame they were encoded from, so recognition reads the
    frame in memory instead of waiting for the JPEG to be written, read back and decoded.
    """

    device: str
    kind: ReadKind
    value: str
    data: dict[str, Any] = field(default_factory=dict)
    at: datetime = field(default_factory=utc_now)
    raw: bytes | None = None
    image: bytes | None = None
    frame: np.ndarray | None = field(default=None, repr=False, compare=False)


@dataclass
class DeviceHealth:
    """What a technician needs to know about one device, updated by its thread."""

    connected: bool = False
    since: datetime | None = None
    last_frame_at: datetime | None = None
    frames_ok: int = 0
    frames_rejected: int = 0
    bytes_discarded: int = 0
    reconnects: int = 0
    last_error: str | None = None
    noisy: bool = False  # inside a noise burst now: frames are being dropped
    noise_events: int = 0  # bursts seen (each counted once, however long)
    noise_frames_dropped: int = 0
    reads_dropped: int = 0  # reads the core had no room for (this device flooded its queue)
    _rejects: deque = field(default_factory=deque, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def mark_connected(self) -> None:
        with self._lock:
            self.connected, self.since, self.last_error = True, utc_now(), None

    def mark_disconnected(self, error: str) -> None:
        with self._lock:
            if self.connected:
                self.reconnects += 1
            self.connected, self.since, self.last_error = False, utc_now(), error

    def mark_configuring(self) -> None:
        """The link is up but the device does not work yet (an LLRP reader being configured).

        The last error stays: it is why the previous attempt failed, until this one works.
        """
        with self._lock:
            self.connected, self.since = False, utc_now()

    def frame_ok(self) -> None:
        with self._lock:
            self.frames_ok += 1
            self.last_frame_at = utc_now()

    def frame_rejected(self, discarded_bytes: int = 0, error: str | None = None) -> None:
        with self._lock:
            self.frames_rejected += 1
            self.bytes_discarded += discarded_bytes
            if error:
                self.last_error = error
            now = time.monotonic()
            self._rejects.append(now)
            while self._rejects and now - self._rejects[0] > NOISE_WINDOW_S:
                self._rejects.popleft()
            if len(self._rejects) > NOISE_BUDGET and not self.noisy:
                self.noisy, self.noise_events = True, self.noise_events + 1

    def noise_started(self) -> None:
        with self._lock:
            if not self.noisy:  # one event per burst, whoever noticed it first
                self.noisy, self.noise_events = True, self.noise_events + 1
            self.last_error = "line noise: frames dropped until the line is quiet"

    def noise_dropped(self, size: int) -> None:
        with self._lock:
            self.noise_frames_dropped += 1
            self.bytes_discarded += size

    def noise_ended(self) -> None:
        with self._lock:
            self.noisy = False

    def read_dropped(self) -> None:
        with self._lock:
            self.reads_dropped += 1

    def record_error(self, error: str) -> None:
        """Note a problem that is neither a disconnect nor a rejected frame."""
        with self._lock:
            self.last_error = error

    def snapshot(self) -> dict[str, Any]:
        """A JSON-friendly copy, safe to read from another thread."""
        with self._lock:
            if self.noisy and self._rejects and time.monotonic() - self._rejects[-1] >= NOISE_QUIET_S:
                self.noisy = False  # quiet again (the scanner's gate also says so itself)
            return {
                "connected": self.connected,
                "since": self.since.isoformat() if self.since else None,
                "last_frame_at": self.last_frame_at.isoformat() if self.last_frame_at else None,
                "frames_ok": self.frames_ok,
                "frames_rejected": self.frames_rejected,
                "bytes_discarded": self.bytes_discarded,
                "reconnects": self.reconnects,
                "last_error": self.last_error,
                "noisy": self.noisy,
                "noise_events": self.noise_events,
                "noise_frames_dropped": self.noise_frames_dropped,
                "reads_dropped": self.reads_dropped,
            }


Emit = Callable[[DeviceRead], None]


class Device(Protocol):
    """What the lane core needs from every driver.

    ``run`` blocks in the device's own thread until ``stop`` is set. It must
    never raise for I/O trouble: it reconnects with capped backoff and records
    what happened in ``health``. It returns within about 0.5 s of ``stop``.
    """

    name: str
    health: DeviceHealth

    def run(self, emit: Emit, stop: threading.Event) -> None: ...


@runtime_checkable
class Snapshotter(Device, Protocol):
    """A device that can give its newest frame as JPEG (a camera): the technician's snapshot."""

    def snapshot(self) -> tuple[bytes, datetime] | None: ...
