"""Log lines carry sd-daemon priority prefixes when stdout is the journal, and only then."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from tests.conftest import REPO

PROGRAM = """
import logging
from garita.station.ops.event_log import log_event, setup_logging
setup_logging()
log = logging.getLogger("garita.test")
log_event(log, "lane.ready", lane="l")
log_event(log, "device.disconnected", logging.WARNING, device="rfid-1")
log_event(log, "read.failed", logging.ERROR, device="rfid-1")
"""


def run_with_stdout_on(sock: socket.socket, reader: socket.socket, journal_stream: str | None) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "JOURNAL_STREAM"}
    if journal_stream is not None:
        env["JOURNAL_STREAM"] = journal_stream
    subprocess.run([sys.executable, "-c", PROGRAM], cwd=REPO, stdout=sock.fileno(), env=env, timeout=30, check=True)
    reader.settimeout(10)
    received = b""
    while received.count(b"\n") < 3:
        received += reader.recv(65536)
    return received.decode().splitlines()


def test_priority_prefixes_only_on_the_journal_stream():
    # journald hands a service a stream socket as stdout and names it in JOURNAL_STREAM (device:inode).
    ours, theirs = socket.socketpair()
    with ours, theirs:
        info = os.fstat(ours.fileno())
        lines = run_with_stdout_on(ours, theirs, f"{info.st_dev}:{info.st_ino}")
        assert [line[:3] for line in lines] == ["<6>", "<4>", "<3>"]
        assert lines[1].startswith("<4>ts=") and "event=device.disconnected" in lines[1]
        plain = run_with_stdout_on(ours, theirs, "0:0")  # a journal stream, but not this one: stdout was redirected
        assert all(line.startswith("ts=") for line in plain) and len(plain) == 3
