"""Booth test fixtures: a lane daemon subprocess with feed devices, officers, and a headless Chromium."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
OFFICERS = [  # id, name, role, pin, badge
    ("o-100", "Ana Ruiz", "officer", "4321", "E2000000000000000000B001"),
    ("s-200", "Luis Soto", "supervisor", "5555", None),
    ("t-300", "Kim Tech", "technician", "7777", None),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed_officers(data_dir: Path) -> None:
    from garita.station.booth.officer_accounts import add_officer
    from garita.station.storage.database import open_database
    from garita.station.storage.lane_store import LaneStore

    store = LaneStore(open_database(data_dir))
    for officer_id, name, role, pin, badge in OFFICERS:
        add_officer(store, officer_id, name, role, pin, badge)
    store.db.conn.close()


class Lane:
    """The daemon subprocess; ``send`` plays a device read into it."""

    def __init__(self, data_dir: Path, *extra: str):
        self.data_dir = data_dir
        self.extra = extra  # lane_process options (--watchlist: the real risk engine)
        self.port, self.feed_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self._feed: socket.socket | None = None

    def start(self) -> None:
        log = open(self.data_dir / "lane.log", "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.booth.lane_process", str(self.data_dir), str(self.port), str(self.feed_port),
             *self.extra],
            cwd=REPO, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/api/session", timeout=1)
                self._feed = socket.create_connection(("127.0.0.1", self.feed_port), timeout=5)
                return
            except (httpx.HTTPError, OSError):
                time.sleep(0.1)
        raise RuntimeError((self.data_dir / "lane.log").read_text())

    def stop(self) -> None:
        if self._feed is not None:
            self._feed.close()
            self._feed = None
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)

    def send(self, device: str, kind: str, value: str, data: dict | None = None) -> None:
        line = json.dumps({"device": device, "kind": kind, "value": value, "data": data or {}}) + "\n"
        self._feed.sendall(line.encode())
        self._feed.recv(16)  # "ok": the read was handed to the daemon

    def send_image(self, device: str, jpeg_b64: str, data: dict | None = None) -> None:
        """A camera read carrying a JPEG (base64), as the camera driver emits one."""
        line = json.dumps({"device": device, "kind": "image", "value": "", "data": data or {}, "image": jpeg_b64})
        self._feed.sendall((line + "\n").encode())
        self._feed.recv(16)

    def query(self, sql: str, params: tuple = ()) -> list[dict]:
        import sqlite3

        with sqlite3.connect(self.data_dir / "garita.db") as conn:
            conn.row_factory = sqlite3.Row
            return [dict(row) for row in conn.execute(sql, params)]


@pytest.fixture(scope="module")
def lane(tmp_path_factory) -> Iterator[Lane]:
    data_dir = tmp_path_factory.mktemp("booth") / "data"
    data_dir.mkdir()
    seed_officers(data_dir)
    running = Lane(data_dir)
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, lane):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(5000)
    errors: list[str] = []
    tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(lane.url)
    tab.console_errors = errors
    yield tab
    context.close()


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page, officer_id: str = "o-100", pin: str = "4321", language: str | None = None) -> None:
    """Sign in with the PIN; with ``language``, choose it on the sign-in screen first (the officer's choice)."""
    if language and page.evaluate("document.documentElement.lang") != language:
        page.click("#lang-switch-signin")
        page.wait_for_function(f"() => document.documentElement.lang === '{language}'")
    page.fill("#officer-id", officer_id)
    page.fill("#pin", pin)
    page.click("#signin-submit")
    page.wait_for_selector("#strip:not([hidden])")


def until(condition, what: str, timeout_s: float = 15.0) -> None:
    """Wait for a condition the test can observe (not for a time); fail naming it after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.02)
