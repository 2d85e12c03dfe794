"""A serial (or socket://) link that reconnects forever and hands raw bytes to a driver."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable

import serial

from garita.drivers.backoff import Backoff
from garita.drivers.events import DeviceHealth
from garita.drivers.tcp_port import TcpPort

READ_TIMEOUT_S = 0.1
PRESENCE_CHECK_S = 0.5
MAX_CHUNK = 65536
STABLE_S = 2.0  # a connection that lasted this long counts as good (backoff restarts)

OnData = Callable[[bytes], None]
OnEvent = Callable[[], None]


def port_exists(port: str) -> bool:
    """True for URLs (socket://, rfc2217://...) or a device path that resolves now."""
    return "://" in port or os.path.exists(port)


def is_network(port: str) -> bool:
    """True for a TCP endpoint (tcp:// or pyserial's socket://), opened with TcpPort."""
    return port.lower().startswith(("tcp://", "socket://"))


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
        self._ser: serial.SerialBase | TcpPort | None = None
        self._dev_id: tuple[int, int] | None = None
        self._lock = threading.Lock()

    def write(self, data: bytes) -> None:
        """Send bytes; raises serial.SerialException when the link is down."""
        with self._lock:
            if self._ser is None:
                raise serial.SerialException(f"port {self.port} is not open")
            self._ser.write(data)

    def local_host(self) -> str | None:
        """Our address on a TCP connection that is up; None for serial or while down."""
        with self._lock:
            ser = self._ser
        return ser.local_host if isinstance(ser, TcpPort) else None

    def run(self, stop: threading.Event, on_data: OnData, on_connect: OnEvent | None = None,
            on_tick: OnEvent | None = None) -> None:
        """Loop until stop: connect, pump bytes to on_data, call on_tick after each read."""
        while not stop.is_set():
            if not self._open():
                if self.backoff.wait(stop):
                    break
                continue
            opened = time.monotonic()
            try:
                if on_connect:
                    on_connect()
                self._pump(stop, on_data, on_tick)
            except (serial.SerialException, OSError) as exc:
                self._close(f"port {self.port}: {exc}")
                # Only a session that worked for a while restarts the backoff: a device
                # that accepts and at once drops us (bad login) must not be hammered.
                if time.monotonic() - opened >= STABLE_S:
                    self.backoff.reset()
                if self.backoff.wait(stop):
                    break
        self._close(None)

    def _open(self) -> bool:
        if not port_exists(self.port):
            self.health.mark_disconnected(f"port {self.port} does not exist")
            return False
        try:
            ser = self._connect()
        except (serial.SerialException, OSError, ValueError) as exc:
            self.health.mark_disconnected(f"cannot open port {self.port}: {exc}")
            return False
        with self._lock:
            self._ser, self._dev_id = ser, _device_id(self.port)
        self.health.mark_connected()
        return True

    def _connect(self) -> serial.SerialBase | TcpPort:
        if is_network(self.port):
            return TcpPort(self.port, READ_TIMEOUT_S)
        return serial.serial_for_url(self.port, baudrate=self.baudrate, timeout=READ_TIMEOUT_S)

    def _pump(self, stop: threading.Event, on_data: OnData, on_tick: OnEvent | None) -> None:
        ser = self._ser
        assert ser is not None
        next_presence = time.monotonic() + PRESENCE_CHECK_S
        while not stop.is_set():
            data = self._read_available(ser)
            if data:
                on_data(data)
            if on_tick:
                on_tick()
            if time.monotonic() >= next_presence:
                next_presence = time.monotonic() + PRESENCE_CHECK_S
                self._check_still_there()

    @staticmethod
    def _read_available(ser: serial.SerialBase | TcpPort) -> bytes:
        """Block briefly for one byte, then take whatever else is already there."""
        data = ser.read(max(1, ser.in_waiting))
        # A socket:// port reports in_waiting as 0/1 only, so drain it in a loop
        # rather than handing the driver (and its tick) one byte at a time.
        while data and len(data) < MAX_CHUNK and ser.in_waiting:
            data += ser.read(ser.in_waiting)
        return data

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
