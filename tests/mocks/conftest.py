"""Shared fixtures for the hardware-mock tests: leak checks and small byte readers."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial


def _pty_fds() -> set[str]:
    """File descriptors of this process that point at a pty (master or slave)."""
    out = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("/dev/pts/") or target == "/dev/ptmx":
            out.add(f"{fd}->{target}")
    return out


@pytest.fixture(autouse=True)
def no_leaks() -> Iterator[None]:
    """Every test must close its ptys and join its threads."""
    fds, threads = _pty_fds(), threading.active_count()
    yield
    deadline = time.monotonic() + 3.0
    while threading.active_count() > threads and time.monotonic() < deadline:
        time.sleep(0.02)
    assert threading.active_count() <= threads, [t.name for t in threading.enumerate()]
    assert _pty_fds() <= fds, "leaked pty file descriptors"


@pytest.fixture
def open_serial() -> Iterator:
    """Open serial ports on pty symlinks; all are closed after the test."""
    ports: list[serial.Serial] = []

    def _open(path: str | Path, timeout: float = 0.1) -> serial.Serial:
        port = serial.Serial(str(path), timeout=timeout)
        ports.append(port)
        return port

    yield _open
    for port in ports:
        port.close()
