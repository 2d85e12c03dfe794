"""Alien driver in TCP notify mode against the mock reader: the reader calls our listener.

Real loopback sockets both ways: the driver logs in on the mock's command port and tells it
``NotifyAddress``; the mock connects to the driver's listener for every notification.
"""

from __future__ import annotations

import socket
import statistics
import time
from pathlib import Path

import pytest

from garita.drivers.rfid_alien import AlienReader
from garita.hardware_mocks.alien_notifier import NotifyFaults
from garita.hardware_mocks.alien_rfid_reader import AlienRfidReader
from garita.sync.broker import free_port
from tests.drivers.conftest import tcp_url

SENTRI = "E2003411B802011512345678"
FAST = "3000214160C0040000006013"
NEXUS = "E2801160600002040000ABCD"


def notify_device(reader: AlienRfidReader, **options: object) -> AlienReader:
    """A driver in TCP notify mode on an ephemeral loopback port."""
    return AlienReader("rfid-n", tcp_url(reader), {"mode": "notify", "notify_listen": "127.0.0.1:0", **options})


def wait_setup(run, device: AlienReader, reader: AlienRfidReader) -> None:
    """Until the reader has been told to call our listener."""
    assert run.wait_for(lambda: device.listener.port is not None
                        and reader.attributes["NotifyAddress"] == f"127.0.0.1:{device.listener.port}"
                        and reader.attributes["NotifyMode"] == "ON", 5), reader.attributes


@pytest.mark.parametrize("fmt", ["Text", "Terse", "XML"])
def test_tags_arrive_as_collapsed_reads(tcp_reader, run_device, fmt: str) -> None:
    device = notify_device(tcp_reader, notify_format=fmt.lower(), notify_trigger="add")
    run = run_device(device)
    wait_setup(run, device, tcp_reader)
    attrs = tcp_reader.attributes
    assert (attrs["NotifyFormat"], attrs["NotifyHeader"], attrs["NotifyTrigger"], attrs["AutoMode"]) == (
        fmt, "ON", "Add", "ON")
    tcp_reader.put_tag(SENTRI, antenna=1)
    tcp_reader.put_tag(FAST)
    reads = run.wait_reads(2)
    assert [(r.value, r.data["antenna"], r.data["format"]) for r in reads] == [
        (SENTRI, 1, fmt.lower()), (FAST, 0, fmt.lower())]
    assert reads[0].raw.startswith(b"#Alien RFID Reader Auto Notification Message\r\n")
    # The same tags again (re-added, then a timed message of the whole field): no new reads.
    tcp_reader.remove_tag(SENTRI)
    tcp_reader.put_tag(SENTRI, antenna=1)
    tcp_reader.notify_field()
    assert run.wait_for(lambda: device.health.frames_ok >= 4)
    assert len(run.reads) == 2 and device.health.frames_rejected == 0
    assert device.listener.accepted == 4  # one connection per message
    run.close()


def test_counts_come_from_the_reader(tcp_reader, run_device) -> None:
    device = notify_device(tcp_reader)
    run = run_device(device)
    wait_setup(run, device, tcp_reader)
    for _ in range(3):
        tcp_reader.field.put(NEXUS)  # read three times before the reader reports it
    tcp_reader.notify_field("TAGS ADDED")
    read = run.wait_reads(1)[0]
    assert (read.value, read.data["count"]) == (NEXUS, 3)
    assert read.data["first_seen"] == read.data["last_seen"]
    run.close()


def test_kept_open_connection_carries_every_message(tmp_path: Path, run_device) -> None:
    reader = AlienRfidReader("rfid-k", tmp_path, tcp=True, notify_keep_open=True)
    reader.start()
    try:
        device = notify_device(reader)
        run = run_device(device)
        wait_setup(run, device, reader)
        for epc in (SENTRI, FAST, NEXUS):
            reader.put_tag(epc)
        assert [r.value for r in run.wait_reads(3)] == [SENTRI, FAST, NEXUS]
        assert device.listener.accepted == 1
        run.close()
    finally:
        reader.stop()


def test_garbage_and_cut_off_are_counted_and_later_reads_flow(tcp_reader, run_device) -> None:
    device = notify_device(tcp_reader)
    run = run_device(device)
    wait_setup(run, device, tcp_reader)
    garbage = b"\xff\x00#~\x1b\xfe junk\r\n"
    tcp_reader.notify_faults = NotifyFaults(garbage=garbage, remaining=1)
    tcp_reader.put_tag(SENTRI)
    assert run.wait_reads(1)[0].value == SENTRI  # the message after the garbage still counts
    assert device.health.frames_rejected == 1 and device.health.bytes_discarded == len(garbage)
    tcp_reader.notify_faults = NotifyFaults(cut_at=120, remaining=1)
    tcp_reader.put_tag(FAST)  # this message is lost: the reader hangs up mid-way
    assert run.wait_for(lambda: device.health.frames_rejected == 2)
    assert device.health.bytes_discarded == len(garbage) + 120
    assert "connection closed in the middle" in device.health.last_error
    tcp_reader.put_tag(NEXUS)
    assert [r.value for r in run.wait_reads(2)] == [SENTRI, NEXUS]
    assert device.health.frames_rejected == 2
    run.close()


def test_connection_from_another_host_is_refused(tcp_reader, run_device) -> None:
    device = notify_device(tcp_reader)
    run = run_device(device)
    wait_setup(run, device, tcp_reader)
    tcp_reader.attributes["IPAddress"] = "127.0.0.2"  # the mock now calls from another address
    tcp_reader.put_tag(SENTRI)
    assert run.wait_for(lambda: device.listener.refused >= 1)
    assert "127.0.0.2" in device.health.last_error
    assert device.health.frames_rejected == device.listener.refused and device.listener.accepted == 0
    assert not run.wait_for(lambda: run.reads, 0.3)
    run.close()


def test_allow_from_names_the_readers_notify_address(tcp_reader, run_device) -> None:
    device = notify_device(tcp_reader, notify_allow_from="127.0.0.2")
    tcp_reader.attributes["IPAddress"] = "127.0.0.2"
    run = run_device(device)
    wait_setup(run, device, tcp_reader)
    tcp_reader.put_tag(SENTRI)
    assert run.wait_reads(1)[0].value == SENTRI and device.listener.refused == 0
    run.close()


def test_listener_closes_with_the_driver_and_reopens(tcp_reader, run_device) -> None:
    port = free_port()
    device = notify_device(tcp_reader, notify_listen=f"127.0.0.1:{port}")
    run = run_device(device)
    wait_setup(run, device, tcp_reader)
    tcp_reader.put_tag(SENTRI)
    run.wait_reads(1)
    assert run.close() < 0.6
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    tcp_reader.put_tag(FAST)  # nobody listens: the mock keeps it and retries
    assert run.wait_for(lambda: tcp_reader.notifier.failures >= 1)
    again = run_device(device)  # same driver, same port, at once (no "address in use")
    assert again.wait_for(lambda: [r.value for r in again.reads] == [FAST], 5), device.health
    again.close()


def test_reader_reset_restores_notify_address(tcp_reader, run_device) -> None:
    device = notify_device(tcp_reader, notify_refresh_s=0.3)
    run = run_device(device)
    wait_setup(run, device, tcp_reader)
    tcp_reader.execute("set NotifyAddress = serial")  # as after a factory reset
    tcp_reader.execute("set NotifyMode = Off")
    wait_setup(run, device, tcp_reader)
    tcp_reader.put_tag(SENTRI)
    assert run.wait_reads(1)[0].value == SENTRI
    run.close()


def test_notify_to_read_latency(tcp_reader, run_device) -> None:
    device = notify_device(tcp_reader)
    arrived: dict[str, float] = {}
    run = run_device(device)
    wait_setup(run, device, tcp_reader)
    device._emit = lambda read: arrived.setdefault(read.value, time.perf_counter())
    latencies = []
    polls = tcp_reader.taglist_polls
    for i in range(30):
        epc = f"E2000000000000000000{i:04X}"
        sent = time.perf_counter()
        tcp_reader.put_tag(epc)
        assert run.wait_for(lambda e=epc: e in arrived, 3)
        latencies.append(arrived[epc] - sent)
    median = statistics.median(latencies) * 1000
    print(f"\nAlien TCP notify: put_tag -> read median {median:.2f} ms, "
          f"max {max(latencies) * 1000:.2f} ms over {len(latencies)} messages")
    # Behaviour, not a time limit: every tag came by the reader's push, none by a TagList poll.
    assert tcp_reader.taglist_polls == polls
    run.close()
