"""Alien driver over TCP against the mock reader on a loopback socket: login, poll, notify, drop."""

from __future__ import annotations

import time

import pytest

from garita.drivers.alien_login import AlienLogin, LoginRefused
from garita.drivers.registry import build_device
from garita.drivers.rfid_alien import AlienReader
from tests.drivers.conftest import tcp_url

SENTRI = "E2003411B802011512345678"
FAST = "3000214160C0040000006013"


def timed_replug(run, device, reader, down_s: float) -> float:
    """Drop the reader for down_s, bring it back; seconds from replug until reconnected."""
    reader.unplug()
    assert run.wait_for(lambda: not device.health.connected, 3)
    time.sleep(down_s)
    reader.replug()
    start = time.monotonic()
    assert run.wait_for(lambda: device.health.connected and device._login.done, 8), device.health
    return time.monotonic() - start


def test_poll_over_tcp_logs_in_and_reads(tcp_reader, run_device) -> None:
    device = build_device("rfid-t", "rfid", "alien", None, tcp_url(tcp_reader),
                          {"poll_interval_s": 0.05})
    assert isinstance(device, AlienReader)
    run = run_device(device)
    assert run.wait_for(lambda: device._login is not None and device._login.done, 3), device.health
    tcp_reader.put_tag(SENTRI, antenna=1)
    read = run.wait_reads(1)[0]
    assert (read.value, read.data["antenna"], read.data["format"]) == (SENTRI, 1, "text")
    assert run.wait_for(lambda: device.health.frames_ok >= 5)
    assert len(run.reads) == 1  # repeated polls of one tag collapse into one read
    assert tcp_reader.taglist_polls >= 5  # the mock counts polls (the notify latency test relies on it)
    assert device.health.frames_rejected == 0  # banner and prompts never reach the parser
    assert run.close() < 0.6


def test_notify_over_tcp_turns_notify_mode_on(tcp_reader, run_device) -> None:
    device = AlienReader("rfid-n", tcp_url(tcp_reader), {"mode": "notify"})
    run = run_device(device)
    assert run.wait_for(lambda: tcp_reader.attributes["NotifyMode"] == "ON", 3)
    assert tcp_reader.attributes["AutoMode"] == "ON"
    tcp_reader.put_tag(FAST)
    read = run.wait_reads(1)[0]
    assert read.value == FAST and read.raw.startswith(b"Tag:3000")
    tcp_reader.put_tag(FAST)  # a re-read is not "TAGS ADDED": nothing is pushed
    tcp_reader.put_tag(SENTRI)
    assert [r.value for r in run.wait_reads(2)] == [FAST, SENTRI]
    run.close()


def test_connection_drop_and_reconnect_nothing_duplicated(tcp_reader, run_device) -> None:
    device = AlienReader("rfid-d", tcp_url(tcp_reader), {"poll_interval_s": 0.05})
    run = run_device(device)
    tcp_reader.put_tag(SENTRI)
    run.wait_reads(1)
    took = timed_replug(run, device, tcp_reader, down_s=0.5)
    print(f"\nAlien TCP: reconnected and logged in {took:.2f} s after the reader came back")
    assert device.health.reconnects == 1
    assert run.wait_for(lambda: device.health.frames_ok >= 10, 3)
    tcp_reader.put_tag(FAST)
    assert [r.value for r in run.wait_reads(2)] == [SENTRI, FAST]
    assert not run.wait_for(lambda: len(run.reads) > 2, 0.3)  # SENTRI, still there, not re-sent
    run.close()


def test_unreachable_port_is_retried(run_device) -> None:
    device = AlienReader("rfid-x", "tcp://127.0.0.1:9", {})
    run = run_device(device)
    assert run.wait_for(lambda: "cannot open port tcp://127.0.0.1:9" in (device.health.last_error or ""))
    assert run.close() < 0.6


def test_login_steps_split_anywhere() -> None:
    login = AlienLogin("alien", "secret", deadline=1e18)
    stream = b"***\r\nUsername>\x00Password>\x00\r\nAlien>\x00Tag:"
    sent = b""
    for i in range(len(stream)):
        reply, rest = login.feed(stream[i:i + 1])
        sent += reply
        if login.done:
            break
    assert sent == b"alien\r\nsecret\r\n" and login.done
    assert rest == b"" and login.feed(b"x") == (b"", b"x")


def test_login_refused_times_out_or_is_skipped() -> None:
    login = AlienLogin("u", "p", deadline=10.0)
    login.feed(b"Username>\x00Password>\x00")
    with pytest.raises(LoginRefused, match="refused"):
        login.feed(b"Error: invalid login\r\nUsername>\x00")
    stuck = AlienLogin("u", "p", deadline=10.0)
    stuck.check_timeout(9.0)
    with pytest.raises(LoginRefused, match="user step"):
        stuck.check_timeout(11.0)
    open_reader = AlienLogin("u", "p", deadline=10.0)  # login disabled on the reader
    assert open_reader.feed(b"\r\nAlien>\x00") == (b"", b"") and open_reader.done
