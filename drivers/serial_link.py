"""A serial (or socket://) link that reconnects forever and hands raw bytes to a driver."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable

import serial

from drivers.backoff import Backoff
from drivers.events import DeviceHealth

READ_TIMEOUT_S = 0.1
PRESENCE_CHECK_S = 0.5

OnData = Callable[[bytes], None]
OnEvent = Callable[[], None]


def port_exists(port: str) -> bool:
    """True for URLs (socket://, rfc2217://...) or a device path that resolves now."""
    return "://" in port or os.path.exists(port)


def _device_id(port: str) -> tuple[int, int] | None:
    # Identify the node behind a (possibly symlinked) path so a replug onto a
    # different pty is noticed even if the old one never reported an error.
    if "://" in port:
        return None
    try:
        st = os.stat(port)
    except OSError:
        return None
    return (st.st_rdev, st.st_ino)


class SerialLink:
    """Owns one port: opens it, reads with a short timeout, reconnects with backoff."""

    def __init__(self, port: str, health: DeviceHealth, baudrate: int = 9600,
                 backoff: Backoff | None = None) -> None:
        self.port, self.health, self.baudrate = port, health, baudrate
        self.backoff = backoff or Backoff()
        self._ser: serial.SerialBase | None = None
        self._dev_id: tuple[int, int] | None = None
        self._lock = threading.Lock()

    def write(self, data: bytes) -> None:
        """Send bytes; raises serial.SerialException when the link is down."""
        with self._lock:
            if self._ser is None:
                raise serial.SerialException(f"port {self.port} is not open")
            self._ser.write(data)

    def run(self, stop: threading.Event, on_data: OnData, on_connect: OnEvent | None = None,
            on_tick: OnEvent | None = None) -> None:
        """Loop until stop: connect, pump bytes to on_data, call on_tick after each read."""
        while not stop.is_set():
            if not self._open():
                if self.backoff.wait(stop):
                    break
                continue
            try:
                if on_connect:
                    on_connect()
                self._pump(stop, on_data, on_tick)
            except (serial.SerialException, OSError) as exc:
                self._close(f"port {self.port}: {exc}")
                if self.backoff.wait(stop):
                    break
        self._close(None)

    def _open(self) -> bool:
        if not port_exists(self.port):
            self.health.mark_disconnected(f"port {self.port} does not exist")
            return False
        try:
            ser = serial.serial_for_url(self.port, baudrate=self.baudrate, timeout=READ_TIMEOUT_S)
        except (serial.SerialException, OSError, ValueError) as exc:
            self.health.mark_disconnected(f"cannot open port {self.port}: {exc}")
            return False
        with self._lock:
            self._ser, self._dev_id = ser, _device_id(self.port)
        self.health.mark_connected()
        self.backoff.reset()
        return True

    def _pump(self, stop: threading.Event, on_data: OnData, on_tick: OnEvent | None) -> None:
        ser = self._ser
        assert ser is not None
        next_presence = time.monotonic() + PRESENCE_CHECK_S
        while not stop.is_set():
            data = ser.read(max(1, ser.in_waiting))
            if data:
                on_data(data)
            if on_tick:
                on_tick()
            if time.monotonic() >= next_presence:
                next_presence = time.monotonic() + PRESENCE_CHECK_S
                self._check_still_there()

    def _check_still_there(self) -> None:
        if self._dev_id is not None and _device_id(self.port) != self._dev_id:
            raise serial.SerialException("device disappeared or was replaced")

    def _close(self, error: str | None) -> None:
        with self._lock:
            ser, self._ser = self._ser, None
        if ser is not None:
            # Closing a vanished device can fail; it is gone either way.
            with contextlib.suppress(serial.SerialException, OSError):
                ser.close()
        if error:
            self.health.mark_disconnected(error)
        elif ser is not None:
            # Clean shutdown: report disconnected without counting a reconnect.
            self.health.connected = False
