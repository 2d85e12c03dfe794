"""Soak: mock traffic for a while, with hostile load injected at random; nothing may be lost.

While vehicles pass (reads fed to the lane, an officer deciding each crossing through the booth
API), at random moments: line noise floods the real barcode scanner driver on a pty, hundreds of
half-open connections, huge request bodies, and all along a client pounds sign-in with wrong PINs
and holds event streams open. At the end: reads lost, decisions lost, RSS growth, fd count.

    python -m tests.booth.soak --minutes 30        (by hand; tests/booth/test_soak.py runs ~40 s)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import socket
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.booth.conftest import Lane, seed_officers
from tests.drivers.pty_device import FakePort


@dataclass
class Figures:
    seconds: float = 0.0
    vehicles: int = 0
    reads_sent: int = 0
    reads_stored: int = 0
    decisions_acknowledged: int = 0
    decisions_stored: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    signin_attempts: int = 0
    rss_start_mb: float = 0.0
    rss_end_mb: float = 0.0
    fds_start: int = 0
    fds_end: int = 0
    fds_peak: int = 0

    @property
    def reads_lost(self) -> int:
        return self.reads_sent - self.reads_stored

    @property
    def decisions_lost(self) -> int:
        return self.decisions_acknowledged - self.decisions_stored


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        return int(next(line for line in status if line.startswith("VmRSS:")).split()[1]) / 1024


def _fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


class Officer:
    """The booth officer: signed in once, decides whatever crossing is current."""

    def __init__(self, url: str):
        self.client = httpx.Client(base_url=url, timeout=30)
        csrf = self.client.get("/api/session").json()["csrf"]
        answer = self.client.post("/api/signin/pin", json={"officer_id": "o-100", "pin": "4321"},
                                  headers={"x-csrf-token": csrf})
        answer.raise_for_status()
        self.csrf = answer.json()["csrf"]

    def decide_current(self) -> bool:
        crossing = self.client.get("/api/crossings/current").json()["crossing"]
        if crossing is None:
            return False
        answer = self.client.post(f"/api/crossings/{crossing['id']}/decision", json={"action": "release"},
                                  headers={"x-csrf-token": self.csrf})
        return answer.status_code == 200


def _pound_signin(url: str, stop: threading.Event, figures: Figures) -> None:
    with httpx.Client(base_url=url, timeout=30) as client:
        csrf = client.get("/api/session").json()["csrf"]
        while not stop.is_set():
            with contextlib.suppress(httpx.HTTPError):
                client.post("/api/signin/pin", json={"officer_id": f"x-{random.randrange(10**6)}", "pin": "0000"},
                            headers={"x-csrf-token": csrf})
                figures.signin_attempts += 1


def _hold_stream(officer: Officer, stop: threading.Event) -> None:
    while not stop.is_set():
        with contextlib.suppress(httpx.HTTPError), officer.client.stream("GET", "/api/events", timeout=30) as stream:
            for _ in stream.iter_raw():
                if stop.is_set():
                    return


def _noise(port: FakePort) -> None:
    data = random.randbytes(random.randrange(10_000, 300_000))
    view = memoryview(data)
    while view:
        view = view[os.write(port.master, view[:65536]):]


def _half_open(lane: Lane) -> None:
    sockets = []
    for _ in range(random.randrange(100, 400)):
        with contextlib.suppress(OSError):
            sockets.append(socket.create_connection(("127.0.0.1", lane.port), timeout=5))
    time.sleep(random.uniform(0.5, 2))
    for sock in sockets:
        sock.close()


def _huge_body(lane: Lane) -> None:
    def chunks():
        for _ in range(64):
            yield b"x" * 65536

    with contextlib.suppress(httpx.HTTPError):
        httpx.post(lane.url + "/api/signin/pin", content=chunks(), timeout=30)


def _vehicle(lane: Lane, officer: Officer, n: int, figures: Figures) -> None:
    lane.send("rfid-1", "rfid", f"SOAK{n:06d}")
    lane.send("docs-1", "document", f"SOAKDOC{n:06d}")
    figures.reads_sent += 2
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if officer.decide_current():
            figures.decisions_acknowledged += 1
            return
        time.sleep(0.05)


FAULTS = {"noise": lambda lane, port: _noise(port), "half_open": lambda lane, port: _half_open(lane),
          "huge_body": lambda lane, port: _huge_body(lane)}


def soak(seconds: float, work: Path, seed: int = 17) -> Figures:
    random.seed(seed)
    data_dir = work / "data"
    data_dir.mkdir(parents=True)
    seed_officers(data_dir)
    port = FakePort()
    lane = Lane(data_dir, port.path)
    lane.start()
    figures, stop = Figures(), threading.Event()
    try:
        officer = Officer(lane.url)
        pid = lane.process.pid
        time.sleep(1)
        figures.rss_start_mb, figures.fds_start = _rss_mb(pid), _fds(pid)
        helpers = [threading.Thread(target=_pound_signin, args=(lane.url, stop, figures), daemon=True)]
        # The officer's screen holds event streams (one session per officer: the same client).
        helpers += [threading.Thread(target=_hold_stream, args=(officer, stop), daemon=True) for _ in range(3)]
        for helper in helpers:
            helper.start()
        started, faults = time.monotonic(), []
        while time.monotonic() - started < seconds:
            if random.random() < 0.2:
                name = random.choice(list(FAULTS))
                figures.faults[name] = figures.faults.get(name, 0) + 1
                faults.append(threading.Thread(target=FAULTS[name], args=(lane, port), daemon=True))
                faults[-1].start()
            _vehicle(lane, officer, figures.vehicles, figures)
            figures.vehicles += 1
            figures.fds_peak = max(figures.fds_peak, _fds(pid))
        figures.seconds = time.monotonic() - started
        stop.set()
        for fault in faults:  # the end figures are the lane's own, not a burst still in flight
            fault.join(30)
        time.sleep(1)
        figures.rss_end_mb, figures.fds_end = _rss_mb(pid), _fds(pid)
    finally:
        stop.set()
        lane.stop()
        port.close()
    figures.reads_stored = lane.query("SELECT COUNT(*) AS n FROM reads WHERE value LIKE 'SOAK%'")[0]["n"]
    figures.decisions_stored = lane.query("SELECT COUNT(*) AS n FROM decisions")[0]["n"]
    return figures


def report(figures: Figures) -> str:
    return (f"soak {figures.seconds:.0f} s: {figures.vehicles} vehicles, faults {json.dumps(figures.faults)},"
            f" {figures.signin_attempts} hostile sign-ins; reads lost {figures.reads_lost} of {figures.reads_sent},"
            f" decisions lost {figures.decisions_lost} of {figures.decisions_acknowledged};"
            f" RSS {figures.rss_start_mb:.0f} -> {figures.rss_end_mb:.0f} MB;"
            f" fds {figures.fds_start} -> {figures.fds_end} (peak {figures.fds_peak})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="garita-soak-") as work:
        print(report(soak(args.minutes * 60, Path(work))))


if __name__ == "__main__":
    main()
