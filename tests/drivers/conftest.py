"""Fixtures for driver tests: pty ports and driver threads that are always joined."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from pty_device import FakePort, Running


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
