"""Every injectable fault of the hardware mocks, against the real drivers over real ptys.

Each test drives a mock device (hardware_mocks, written from the protocol) on a
pseudo-terminal published at a stable path, with the production driver reading that
path. Figures (reconnect times) are printed; run with ``-s`` to see them.
"""

from __future__ import annotations

import threading
import time
from datetime import date
from pathlib import Path

import pytest

from garita.drivers.barcode_scanner import BarcodeScanner
from garita.drivers.camera import Camera
from garita.drivers.document_reader import DocumentReader
from garita.drivers.rfid_alien import AlienReader
from garita.hardware_mocks import documents as gen
from garita.hardware_mocks.alien_rfid_reader import AlienRfidReader
from garita.hardware_mocks.barcode_emulator import BarcodeScanner as MockScanner
from garita.hardware_mocks.mjpeg_camera import MjpegCamera
from garita.hardware_mocks.passport_reader import PassportReader
from garita.hardware_mocks.pty_port import GARBAGE, Faults
from garita.hardware_mocks.synthetic_images import vehicle_with_plate

SENTRI = "E2003411B802011512345678"
FAST = "3000214160C0040000006013"
ANNA = gen.Traveller("ERIKSSON", "ANNA MARIA", "L898902C3", "UTO", date(1974, 8, 12), "F",
                     date(2032, 4, 15))
JUAN = gen.Traveller("GARCIA LOPEZ", "JUAN CARLOS", "G12345678", "MEX", date(1985, 3, 15), "M",
                     date(2031, 1, 1))
AAMVA = gen.licence_payload(gen.Licence("12345678", "SAMPLE", "JANE", date(1990, 7, 4),
                                        date(2030, 8, 15), date(2022, 8, 15), "2"))


def started(mock):
    """Start a mock device and return it."""
    mock.start()
    return mock


@pytest.fixture
def scanner(tmp_path: Path):
    mock = started(MockScanner("scanner-1", tmp_path))
    yield mock
    mock.stop()


@pytest.fixture
def passport(tmp_path: Path):
    mock = started(PassportReader("docs-1", tmp_path))
    yield mock
    mock.stop()


@pytest.fixture
def rfid(tmp_path: Path):
    mock = started(AlienRfidReader("rfid-1", tmp_path))
    yield mock
    mock.stop()


def connected(run, device):
    """Start the driver and wait until it has the port open."""
    r = run(device)
    assert r.wait_for(lambda: device.health.connected, 3), device.health
    return r


def replug_reconnect_s(run, device, mock, down_s: float) -> float:
    """Unplug ``mock`` for ``down_s``, replug it at the same path; seconds until reconnected.

    The figure is the time from the replug to the driver holding the new port open;
    it is bounded by the driver's backoff step at that moment (0.2 s doubling, cap 5 s).
    """
    before = device.health.reconnects
    mock.unplug()
    assert run.wait_for(lambda: not device.health.connected, 3), device.health
    time.sleep(down_s)
    mock.replug()
    start = time.monotonic()
    assert run.wait_for(lambda: device.health.connected, 8), device.health
    took = time.monotonic() - start
    assert device.health.reconnects == before + 1
    return took


# --- scanner: garbage, split, merge, slow, unplug ---------------------------------------

def test_garbage_before_a_scan_is_discarded_and_counted(scanner, run_device) -> None:
    device = BarcodeScanner("scan", scanner.endpoint)
    run = connected(run_device, device)
    scanner.port.faults = Faults(garbage=GARBAGE, remaining=1)
    scanner.scan("ABCD2403150001", "]C0")
    scanner.scan("240734564001234", "]C0")
    reads = run.wait_reads(2)
    assert [(r.data["type"], r.value) for r in reads] == [
        ("paps", "ABCD2403150001"), ("pedimento", "240734564001234")]
    assert device.health.bytes_discarded >= len(GARBAGE) - 1 and device.health.frames_rejected >= 1
    run.close()


def test_split_frames_are_reassembled(scanner, run_device) -> None:
    device = BarcodeScanner("scan", scanner.endpoint)
    run = connected(run_device, device)
    scanner.port.faults = Faults(split_parts=5, split_delay_s=0.03, remaining=2)
    scanner.scan(AAMVA, "]L2")  # carries its own CRs: split and CR-cut at once
    scanner.scan("ABCD2403150001", "]C0")
    reads = run.wait_reads(2)
    assert [r.data["type"] for r in reads] == ["aamva", "paps"]
    assert reads[0].value == "12345678" and reads[0].data["family_name"] == "SAMPLE"
    assert device.health.frames_rejected == 0
    run.close()


def test_merged_frames_are_separated(scanner, run_device) -> None:
    device = BarcodeScanner("scan", scanner.endpoint)
    run = connected(run_device, device)
    scanner.port.faults = Faults(merge=True, remaining=2)
    scanner.scan("ABCD0001", "]C0")
    assert not run.wait_for(lambda: run.reads, 0.2)  # held back by the fault
    scanner.scan("ABCD0002", "]C0")
    assert [r.value for r in run.wait_reads(2)] == ["ABCD0001", "ABCD0002"]
    run.close()


def test_slow_line_delivers_whole_frames(scanner, passport, run_device) -> None:
    scan_dev = BarcodeScanner("scan", scanner.endpoint)
    doc_dev = DocumentReader("docs", passport.endpoint)
    scan_run, doc_run = connected(run_device, scan_dev), connected(run_device, doc_dev)
    scanner.port.faults = Faults(byte_delay_s=0.002)
    passport.port.faults = Faults(byte_delay_s=0.002)
    sender = threading.Thread(target=scanner.scan, args=("ABCD2403150001",))
    sender.start()  # both lines slow at once
    passport.present(gen.td3(ANNA))
    sender.join()
    assert scan_run.wait_reads(1)[0].value == "ABCD2403150001"
    doc = doc_run.wait_reads(1)[0]
    assert doc.value == "L898902C3" and doc.data["valid"] is True
    assert scan_dev.health.frames_rejected == doc_dev.health.frames_rejected == 0
    scan_run.close()
    doc_run.close()


def test_scanner_unplug_replug_same_path(scanner, run_device) -> None:
    device = BarcodeScanner("scan", scanner.endpoint)
    run = connected(run_device, device)
    scanner.scan("ABCD0001")
    run.wait_reads(1)
    scanner.port.write(b"]C0ABCD99")  # half a scan in flight when the cable goes
    short = replug_reconnect_s(run, device, scanner, down_s=0.3)
    long = replug_reconnect_s(run, device, scanner, down_s=1.5)
    print(f"\nscanner replug -> reconnected: {short:.2f} s after 0.3 s unplugged, "
          f"{long:.2f} s after 1.5 s unplugged")
    scanner.scan("ABCD0002")
    assert [r.value for r in run.wait_reads(2)] == ["ABCD0001", "ABCD0002"]
    assert not run.wait_for(lambda: len(run.reads) > 2, 0.2)
    run.close()


# --- document reader: bad BCC, split, merge, unplug -------------------------------------

def test_bad_bcc_block_is_rejected_next_one_read(passport, run_device) -> None:
    device = DocumentReader("docs", passport.endpoint)
    run = connected(run_device, device)
    passport.port.faults = Faults(bad_bcc=True, remaining=1)
    passport.present(gen.td3(ANNA))
    passport.present(gen.td1(JUAN))
    reads = run.wait_reads(1)
    assert [r.value for r in reads] == ["G12345678"] and reads[0].data["format"] == "TD1"
    assert device.health.frames_rejected == 1  # the one bad block, counted once
    assert not run.wait_for(lambda: len(run.reads) > 1, 0.2)
    run.close()


def test_document_blocks_split_merged_and_after_garbage(passport, run_device) -> None:
    device = DocumentReader("docs", passport.endpoint)
    run = connected(run_device, device)
    passport.port.faults = Faults(split_parts=4, split_delay_s=0.03, garbage=GARBAGE, remaining=1)
    passport.present(gen.td3(ANNA))
    passport.port.faults = Faults(merge=True, remaining=2)
    passport.present(gen.td2(JUAN))
    passport.present(gen.td3(JUAN))
    reads = run.wait_reads(3)
    assert [(r.value, r.data["format"]) for r in reads] == [
        ("L898902C3", "TD3"), ("G12345678", "TD2"), ("G12345678", "TD3")]
    assert all(r.data["valid"] for r in reads)
    run.close()


def test_document_reader_unplug_replug(passport, run_device) -> None:
    device = DocumentReader("docs", passport.endpoint)
    run = connected(run_device, device)
    passport.present(gen.td3(ANNA))
    run.wait_reads(1)
    took = replug_reconnect_s(run, device, passport, down_s=0.3)
    print(f"\ndocument reader replug -> reconnected in {took:.2f} s")
    passport.present(gen.td1(JUAN))
    assert [r.value for r in run.wait_reads(2)] == ["L898902C3", "G12345678"]
    run.close()


# --- RFID: reset, unplug, slow line, garbage -------------------------------------------

def test_rfid_reset_in_poll_mode_resumes_without_duplicates(rfid, run_device) -> None:
    device = AlienReader("rfid", rfid.endpoint, {"poll_interval_s": 0.05})
    run = connected(run_device, device)
    rfid.put_tag(SENTRI)
    run.wait_reads(1)
    rfid.port.faults = Faults(garbage=GARBAGE, remaining=1)
    rfid.port.reset()  # buffers flushed both ways, reader settings back to defaults
    ok = device.health.frames_ok
    assert run.wait_for(lambda: device.health.frames_ok > ok + 3, 3)  # polling resumed
    rfid.put_tag(FAST)
    assert [r.value for r in run.wait_reads(2)] == [SENTRI, FAST]
    assert not run.wait_for(lambda: len(run.reads) > 2, 0.3)
    run.close()


def test_rfid_reset_in_notify_mode_setup_is_restored(rfid, run_device) -> None:
    device = AlienReader("rfid", rfid.endpoint, {"mode": "notify", "notify_refresh_s": 0.3})
    run = connected(run_device, device)
    assert run.wait_for(lambda: rfid.attributes["NotifyMode"] == "ON", 2)
    rfid.port.reset()
    assert rfid.attributes["NotifyMode"] == "OFF"
    start = time.monotonic()
    assert run.wait_for(lambda: rfid.attributes["NotifyMode"] == "ON", 2)
    print(f"\nAlien notify mode restored {time.monotonic() - start:.2f} s after a reader reset")
    rfid.put_tag(FAST)
    assert [r.value for r in run.wait_reads(1)] == [FAST]
    run.close()


def test_rfid_unplug_replug_tag_still_in_field_not_duplicated(rfid, run_device) -> None:
    device = AlienReader("rfid", rfid.endpoint, {"poll_interval_s": 0.05, "forget_after_s": 0.5})
    run = connected(run_device, device)
    rfid.put_tag(SENTRI)
    run.wait_reads(1)
    # Unplugged longer than forget_after_s: the outage alone must not make SENTRI "new".
    took = replug_reconnect_s(run, device, rfid, down_s=1.0)
    print(f"\nAlien serial replug -> reconnected in {took:.2f} s")
    ok = device.health.frames_ok
    assert run.wait_for(lambda: device.health.frames_ok > ok + 3, 3)
    rfid.put_tag(FAST)
    assert [r.value for r in run.wait_reads(2)] == [SENTRI, FAST]
    assert not run.wait_for(lambda: len(run.reads) > 2, 0.3)
    run.close()


def test_rfid_slow_and_split_replies(rfid, run_device) -> None:
    device = AlienReader("rfid", rfid.endpoint, {"poll_interval_s": 0.05})
    run = connected(run_device, device)
    rfid.port.faults = Faults(byte_delay_s=0.001, split_parts=3, split_delay_s=0.02)
    rfid.put_tag(SENTRI)
    rfid.put_tag(FAST, antenna=1)
    reads = run.wait_reads(2)
    assert sorted(r.value for r in reads) == sorted([SENTRI, FAST])
    assert device.health.frames_rejected == 0
    run.close()


# --- camera: freeze and drop -------------------------------------------------------------

@pytest.fixture
def mjpeg():
    cam = MjpegCamera("plate-cam", fps=20)
    cam.start()
    cam.show(vehicle_with_plate("8XYZ123", seed=1))
    yield cam
    cam.stop()


def frames_resume_s(run, device, since: float) -> float:
    """Seconds from ``since`` until the driver is connected and counting new frames again."""
    ok = device.health.frames_ok
    assert run.wait_for(lambda: device.health.connected and device.health.frames_ok > ok + 3, 10), \
        device.health
    return time.monotonic() - since


def test_camera_stream_freeze_then_resume(mjpeg, run_device) -> None:
    device = Camera("cam", mjpeg.url, {"stall_s": 0.5, "trigger": "interval", "interval_s": 0.2})
    run = run_device(device)
    assert run.wait_for(lambda: device.health.frames_ok >= 5, 8), device.health
    mjpeg.freeze()
    assert run.wait_for(lambda: not device.health.connected, 3)
    assert "stalled" in (device.health.last_error or "")
    time.sleep(0.3)  # the fault itself: the stream stays frozen a while after the stall (a duration, not a wait)
    mjpeg.resume()
    took = frames_resume_s(run, device, time.monotonic())
    print(f"\ncamera freeze -> frames resumed {took:.2f} s after the stream came back")
    assert device.health.reconnects >= 1 and device.fps > 0
    images = len(run.reads)
    assert run.wait_for(lambda: len(run.reads) > images, 2)  # snapshots flow again
    run.close()


def test_camera_stream_drop_reconnects(mjpeg, run_device) -> None:
    device = Camera("cam", mjpeg.url, {"stall_s": 1.0})
    run = run_device(device)
    assert run.wait_for(lambda: device.health.frames_ok >= 5, 8), device.health
    start = time.monotonic()
    mjpeg.drop()
    assert run.wait_for(lambda: device.health.reconnects >= 1, 3), device.health
    took = frames_resume_s(run, device, start)
    print(f"\ncamera drop -> frames resumed {took:.2f} s after the connection was cut")
    assert device.snapshot() is not None
    run.close()


def test_camera_reconnect_keeps_the_learned_empty_lane(mjpeg, run_device) -> None:
    mjpeg.show_background()
    device = Camera("cam", mjpeg.url, {"stall_s": 0.5, "settle_frames": 2})
    run = run_device(device)
    assert run.wait_for(lambda: device._trigger.background is not None, 8), device.health
    mjpeg.show(vehicle_with_plate("8XYZ123", seed=1))
    run.wait_reads(1)  # the vehicle, once
    mjpeg.freeze()  # the stream stalls while the vehicle is in view, then comes back
    assert run.wait_for(lambda: device.health.reconnects >= 1, 3)
    mjpeg.resume()
    frames_resume_s(run, device, time.monotonic())
    mjpeg.show_background()  # the vehicle leaves: not a new vehicle
    ok = device.health.frames_ok
    assert run.wait_for(lambda: device.health.frames_ok > ok + 10, 3)
    assert len([r for r in run.reads if r.kind == "image"]) == 1  # (its departure is a presence read)
    mjpeg.show(vehicle_with_plate("ABC123", seed=2))
    assert run.wait_for(lambda: len([r for r in run.reads if r.kind == "image"]) == 2, 8)  # the next vehicle
    run.close()
