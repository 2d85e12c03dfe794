"""Small blocking readers for the mock tests (written from the spec, not from drivers/)."""

from __future__ import annotations

import time

import serial


def read_until(port: serial.Serial, terminator: bytes, timeout: float = 2.0) -> bytes:
    """Read from a serial port until ``terminator`` (inclusive) or fail after ``timeout``."""
    data = b""
    deadline = time.monotonic() + timeout
    while not data.endswith(terminator):
        assert time.monotonic() < deadline, f"timed out waiting for {terminator!r}: {data!r}"
        data += port.read(1)
    return data


def read_for(port: serial.Serial, seconds: float) -> bytes:
    """Read whatever arrives within ``seconds``."""
    data = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        data += port.read(port.in_waiting or 1)
    return data
