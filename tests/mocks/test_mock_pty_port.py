"""PtyPort: raw bytes, stable symlink, host lines, unplug/replug and faults."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

import serial

from garita.hardware_mocks.pty_port import GARBAGE, Faults, PtyPort
from tests.mocks.serial_helpers import read_for, read_until


def test_all_byte_values_pass_unchanged(tmp_path: Path, open_serial) -> None:
    port = PtyPort("dev-a", tmp_path)
    port.open()
    try:
        host = open_serial(tmp_path / "dev" / "dev-a")
        payload = bytes(range(256)) + b"\r\n\r"
        port.write(payload)
        assert read_until(host, b"\r\n\r") == payload
    finally:
        port.close()


def test_host_lines_reach_the_handler(tmp_path: Path, open_serial) -> None:
    lines: list[bytes] = []
    port = PtyPort("dev-b", tmp_path, on_line=lines.append)
    port.open()
    try:
        host = open_serial(port.path)
        host.write(b"\x01get TagList\r\nsecond\r\npart")
        deadline = time.monotonic() + 2
        while len(lines) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert lines == [b"\x01get TagList", b"second"]  # "part" has no newline yet
    finally:
        port.close()


def test_unplug_removes_symlink_and_replug_reuses_the_path(tmp_path: Path, open_serial) -> None:
    port = PtyPort("dev-c", tmp_path)
    port.open()
    try:
        first = os.readlink(port.path)
        assert first.startswith("/dev/pts/")
        host = open_serial(port.path)
        port.unplug()
        assert not port.path.exists() and not port.plugged
        port.write(b"lost\r")  # no crash while unplugged
        # the old handle now reads as hung up, like a pulled USB adapter
        with contextlib.suppress(serial.SerialException):
            assert host.read(1) == b""
        port.replug()
        assert port.path.is_symlink() and os.readlink(port.path).startswith("/dev/pts/")
        host2 = open_serial(port.path)
        port.write(b"back\r")
        assert read_until(host2, b"\r") == b"back\r"
    finally:
        port.close()
    assert not port.path.exists()


def test_garbage_then_auto_clear(tmp_path: Path, open_serial) -> None:
    port = PtyPort("dev-d", tmp_path)
    port.open()
    try:
        host = open_serial(port.path)
        port.faults = Faults(garbage=GARBAGE, remaining=1)
        port.write(b"ONE\r")
        port.write(b"TWO\r")
        assert read_until(host, b"TWO\r") == GARBAGE + b"ONE\rTWO\r"
        assert port.faults == Faults()
    finally:
        port.close()


def test_split_arrives_in_pieces(tmp_path: Path, open_serial) -> None:
    port = PtyPort("dev-e", tmp_path)
    port.open()
    try:
        host = open_serial(port.path, timeout=0.01)
        port.faults = Faults(split_parts=2, split_delay_s=0.3)
        writer = threading.Thread(target=port.write, args=(b"ABCDEF\r",))
        writer.start()
        try:
            assert read_for(host, 0.15) == b"ABCD"
            assert read_until(host, b"\r") == b"EF\r"
        finally:
            writer.join()
    finally:
        port.close()


def test_merge_holds_a_frame_until_the_next(tmp_path: Path, open_serial) -> None:
    port = PtyPort("dev-f", tmp_path)
    port.open()
    try:
        host = open_serial(port.path, timeout=0.01)
        port.faults = Faults(merge=True, remaining=2)
        port.write(b"ONE\r")
        assert read_for(host, 0.1) == b""
        port.write(b"TWO\r")
        assert read_until(host, b"TWO\r") == b"ONE\rTWO\r"
    finally:
        port.close()


def test_slow_line_and_reset(tmp_path: Path, open_serial) -> None:
    port = PtyPort("dev-g", tmp_path)
    resets: list[bool] = []
    port.on_reset = lambda: resets.append(True)
    port.open()
    try:
        host = open_serial(port.path)
        port.faults = Faults(byte_delay_s=0.02)
        start = time.monotonic()
        port.write(b"0123456789")
        assert time.monotonic() - start >= 0.18
        port.faults = Faults()
        port.reset()  # drops the unread bytes
        assert resets == [True]
        port.write(b"fresh\r")
        assert read_until(host, b"\r") == b"fresh\r"
    finally:
        port.close()


def test_host_that_never_reads_does_not_block_the_device(tmp_path: Path) -> None:
    port = PtyPort("dev-h", tmp_path)
    port.open()
    try:
        # A blocked write would hang: run the writes aside and check they finished (a hang
        # detector with a wide margin, not a speed limit).
        writer = threading.Thread(target=lambda: [port.write(b"x" * 1000) for _ in range(200)])
        writer.start()
        writer.join(timeout=60)
        assert not writer.is_alive(), "a host that never reads blocked the device's writes"
    finally:
        port.close()
