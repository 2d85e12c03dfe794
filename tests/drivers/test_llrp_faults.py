"""The LLRP driver against the LLRP reader emulator over loopback, one test per injected fault.

Each fault test puts one tag in the field before the fault and one while the reader is down
or misbehaving, then checks both are read exactly once (reads lost: 0, duplicates: 0). The
reconnect time (fault -> inventory running again) is printed; run with ``-s`` to see it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from garita.drivers.registry import build_device
from garita.drivers.rfid_llrp import LlrpReader
from garita.hardware_mocks.llrp_reader import LlrpReaderMock
from garita.hardware_mocks.llrp_rospec import ACTIVE, RoSpec

SENTRI = "E2003411B802011512345678"
FAST = "3000214160C0040000006013"
FAST_OPTIONS = {"keepalive_s": 0.2, "keepalive_timeout_s": 0.8}


@pytest.fixture
def reader() -> Iterator[LlrpReaderMock]:
    mock = LlrpReaderMock(reread_s=0.1, reboot_s=0.5)
    mock.start()
    yield mock
    mock.stop()


def inventorying(run_device, device: LlrpReader):
    """Start the driver and wait until its ROSpec runs."""
    run = run_device(device)
    assert run.wait_for(lambda: device.health.connected, 5), device.health
    return run


def recovered_s(run, device: LlrpReader, before: int, timeout: float = 8.0) -> float:
    """Seconds until the driver's inventory started again after ``before`` had started."""
    start = time.monotonic()
    assert run.wait_for(lambda: device.stats["inventories"] > before, timeout), (device.stats, device.health)
    return time.monotonic() - start


def assert_exactly(run, epcs: list[str]) -> None:
    """Each EPC read once, in order, and nothing more for a while (the reader keeps re-reading)."""
    assert [r.value for r in run.wait_reads(len(epcs))] == epcs
    assert not run.wait_for(lambda: len(run.reads) > len(epcs), 0.5), [r.value for r in run.reads]


def fault_while_tag_enters(reader, run, device, fault: str) -> float:
    """SENTRI read, inject ``fault``, FAST enters at once; returns the reconnect time."""
    reader.put_tag(SENTRI, antenna=1)
    run.wait_reads(1)
    before = device.stats["inventories"]
    start = time.monotonic()
    reader.inject(fault)
    reader.put_tag(FAST, antenna=2)
    recovered_s(run, device, before)
    took = time.monotonic() - start
    assert_exactly(run, [SENTRI, FAST])
    print(f"\nLLRP {fault}: inventory again after {took:.2f} s, reads lost 0, duplicates 0")
    return took


def test_configuration_reaches_the_reader(reader, run_device) -> None:
    device = build_device("rfid-l", "rfid", "llrp", reader.endpoint, None, {
        "antennas": [1, 2], "session": 2, "tag_population": 8, "tx_power_index": 61, "keepalive_s": 0.5,
        "keepalive_timeout_s": 2})
    assert isinstance(device, LlrpReader)
    run = inventorying(run_device, device)
    spec = reader.rospecs[1]
    assert (spec.state, spec.antennas, spec.session, spec.tag_population) == (ACTIVE, {1, 2}, 2, 8)
    assert spec.tx_power == {1: 61, 2: 61} and reader.keepalive_ms == 500
    reader.put_tag(SENTRI, antenna=3)  # not one of ours: not inventoried
    reader.put_tag(FAST, antenna=2)
    assert_exactly(run, [FAST])
    read = run.reads[0]
    assert read.data["antenna"] == 2 and read.data["peak_rssi"] < 0 and read.data["format"] == "llrp"
    assert read.data["reader_discovered"] and read.data["reader_last_seen"]


def test_factory_reset_clears_a_stale_rospec(reader, run_device) -> None:
    reader.rospecs[1] = RoSpec(1, state=ACTIVE)  # left over from another host: ADD_ROSPEC 1 would clash
    device = LlrpReader("rfid-l", reader.endpoint, FAST_OPTIONS)
    run = inventorying(run_device, device)
    reader.put_tag(SENTRI)
    assert_exactly(run, [SENTRI])
    assert reader.counts["errors_sent"] == 0 and reader.counts["refused_rospecs"] == 0


def test_repeated_reports_collapse_into_one_read(reader, run_device) -> None:
    device = LlrpReader("rfid-l", reader.endpoint, FAST_OPTIONS)
    run = inventorying(run_device, device)
    reader.put_tag(SENTRI)
    assert run.wait_for(lambda: device.stats["tag_reports"] >= 5, 3)  # re-read every 0.1 s
    assert_exactly(run, [SENTRI])


def test_keepalives_are_acknowledged(reader, run_device) -> None:
    device = LlrpReader("rfid-l", reader.endpoint, FAST_OPTIONS)
    run = inventorying(run_device, device)
    # Wait on the counts themselves (a keepalive every 0.2 s), then check each one was answered.
    assert run.wait_for(lambda: reader.counts["keepalives"] >= 3, 5), reader.counts
    assert run.wait_for(lambda: reader.counts["keepalive_acks"] >= reader.counts["keepalives"] - 1, 2), reader.counts
    assert device.health.snapshot()["reconnects"] == 0


def test_connection_drop(reader, run_device) -> None:
    device = LlrpReader("rfid-l", reader.endpoint, FAST_OPTIONS)
    run = inventorying(run_device, device)
    fault_while_tag_enters(reader, run, device, "drop")
    assert device.health.reconnects == 1


def test_reader_reboot(reader, run_device) -> None:
    device = LlrpReader("rfid-l", reader.endpoint, FAST_OPTIONS)
    run = inventorying(run_device, device)
    took = fault_while_tag_enters(reader, run, device, "reboot")
    assert took >= 0.5  # the reader was away for reboot_s
    assert device.stats["reader_closing"] == 1 and reader.rospecs[1].state == ACTIVE  # set up again


def test_malformed_tlv_is_rejected_and_the_connection_kept(reader, run_device) -> None:
    device = LlrpReader("rfid-l", reader.endpoint, FAST_OPTIONS)
    run = inventorying(run_device, device)
    reader.inject("malformed_tlv")
    reader.put_tag(SENTRI)  # its first report is the broken one; the re-read 0.1 s later is fine
    assert_exactly(run, [SENTRI])
    health = device.health.snapshot()
    assert health["frames_rejected"] == 1 and "TLV parameter 240" in health["last_error"]
    assert health["reconnects"] == 0 and device.stats["sessions"] == 1
    print(f"\nLLRP malformed_tlv: 1 message rejected ({health['last_error']}), no reconnect, reads lost 0")


def test_truncated_message(reader, run_device) -> None:
    device = LlrpReader("rfid-l", reader.endpoint, FAST_OPTIONS)
    run = inventorying(run_device, device)
    fault_while_tag_enters(reader, run, device, "truncated")


def test_report_flood(reader, run_device) -> None:
    device = LlrpReader("rfid-l", reader.endpoint, FAST_OPTIONS)
    run = inventorying(run_device, device)
    reader.put_tag(SENTRI)
    reader.put_tag(FAST)
    run.wait_reads(2)
    start, reports = time.monotonic(), device.stats["tag_reports"]
    reader.inject("flood")  # 2000 reports of both tags, back to back
    assert run.wait_for(lambda: device.stats["tag_reports"] >= reports + 4000, 10), device.stats
    rate = (device.stats["tag_reports"] - reports) / (time.monotonic() - start)
    assert_exactly(run, [SENTRI, FAST])
    assert device.health.reconnects == 0 and device._framer.pending < 1 << 20
    print(f"\nLLRP flood: {device.stats['tag_reports'] - reports} tag reports at {rate:.0f}/s, "
          "no reconnect, duplicates 0")


def test_refused_rospec_is_reported_and_retried(reader, run_device) -> None:
    device = LlrpReader("rfid-l", reader.endpoint, FAST_OPTIONS)
    run = inventorying(run_device, device)
    seen: list[str] = []
    watcher = threading.Thread(target=lambda: run.wait_for(
        lambda: bool(seen.append(device.health.last_error or "")) or device.stats.get("refused", 0) >= 2, 5))
    watcher.start()
    fault_while_tag_enters(reader, run, device, "refuse_rospec")
    watcher.join()
    assert device.stats["refused"] == 2 and reader.counts["refused_rospecs"] == 2
    assert any("refused ADD_ROSPEC: status 101" in text for text in seen), set(seen)


def test_keepalive_stop(reader, run_device) -> None:
    device = LlrpReader("rfid-l", reader.endpoint, FAST_OPTIONS)
    run = inventorying(run_device, device)
    took = fault_while_tag_enters(reader, run, device, "keepalive_stop")
    assert took >= 0.8 and device.stats["silent"] == 1


def test_second_client_is_refused_and_retries(reader, run_device) -> None:
    first = LlrpReader("rfid-a", reader.endpoint, FAST_OPTIONS)
    inventorying(run_device, first)
    second = LlrpReader("rfid-b", reader.endpoint, FAST_OPTIONS)
    run = run_device(second)
    assert run.wait_for(lambda: second.stats.get("connection_refused", 0) >= 1, 5), second.stats
    assert not second.health.connected and first.health.connected
    assert "another client" in (second.health.last_error or "")


def test_a_reader_that_never_answers_times_out() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    held: list[socket.socket] = []
    accept = threading.Thread(target=lambda: held.append(server.accept()[0]), daemon=True)
    accept.start()
    device = LlrpReader("rfid-q", f"tcp://127.0.0.1:{port}", {"response_timeout_s": 0.2})
    stop = threading.Event()
    thread = threading.Thread(target=device.run, args=(lambda r: None, stop))
    thread.start()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not device.stats.get("no_answer"):
        time.sleep(0.02)
    stop.set()
    thread.join(3)
    server.close()
    for conn in held:
        conn.close()
    assert device.stats.get("no_answer") and not thread.is_alive()
    assert "no answer to SET_READER_CONFIG" in (device.health.last_error or "")
