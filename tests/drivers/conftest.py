"""Fixtures for driver tests: pty ports and driver threads that are always joined."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pty_device import FakePort, Running

from garita.hardware_mocks.alien_rfid_reader import AlienRfidReader


@pytest.fixture
def tcp_reader(tmp_path: Path) -> Iterator[AlienRfidReader]:
    """A networked mock Alien reader on a loopback command port."""
    reader = AlienRfidReader("rfid-1", tmp_path, tcp=True)
    reader.start()
    yield reader
    reader.stop()


def tcp_url(reader: AlienRfidReader) -> str:
    """The lane-config spelling of the mock's command port."""
    return reader.endpoint.replace("socket://", "tcp://")


@pytest.fixture
def fake_port() -> Iterator[FakePort]:
    port = FakePort()
    yield port
    port.close()


@pytest.fixture
def run_device() -> Iterator[Callable[[object], Running]]:
    started: list[Running] = []

    def start(device) -> Running:
        r = Running(device)
        started.append(r)
        return r

    yield start
    for r in started:
        if r.thread.is_alive():
            r.close()
