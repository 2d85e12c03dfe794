"""Drivers over real pseudo-terminals: RFID, barcode scanner, document reader, replug."""

from __future__ import annotations

import os
import threading

from pty_device import FakePort
from test_documents import AAMVA, TD1, TD3
from test_rfid_taglist import V1_CMD, V1_REPLY, V2_EMPTY

from garita.drivers.barcode_scanner import BarcodeScanner
from garita.drivers.document_reader import DocumentReader
from garita.drivers.framing import build_block
from garita.drivers.rfid_alien import AlienReader


def _responder(port: FakePort, replies: list[bytes], stop: threading.Event) -> threading.Thread:
    """Answer each TagList poll with the next reply (the last one repeats)."""
    def loop() -> None:
        i, buf = 0, b""
        while not stop.is_set():
            buf += port.read()
            while V1_CMD in buf:
                buf = buf.split(V1_CMD, 1)[1]
                port.write(replies[min(i, len(replies) - 1)])
                i += 1
    t = threading.Thread(target=loop)
    t.start()
    return t


def test_alien_polling_collapses_repeats(fake_port, run_device) -> None:
    stop = threading.Event()
    responder = _responder(fake_port, [V2_EMPTY, V1_REPLY, V1_REPLY, V1_REPLY], stop)
    reader = AlienReader("rfid-1", fake_port.path, {"poll_interval_s": 0.05})
    run = run_device(reader)
    try:
        reads = run.wait_reads(2)
        assert run.wait_for(lambda: reader.health.frames_ok >= 6)
        assert len(reads) == 2  # six tag lines seen, two tags emitted
        first = reads[0]
        assert (first.kind, first.value, first.device) == ("rfid", "E2003411B802011512345678",
                                                           "rfid-1")
        assert first.data["count"] == 12 and first.data["antenna"] == 0
        assert first.data["format"] == "text" and "first_seen" in first.data
        assert first.raw.startswith(b"Tag:E200")
        assert run.close() < 0.6
    finally:
        stop.set()
        responder.join()


def test_alien_notify_garbage_and_reappearing_tag(fake_port, run_device) -> None:
    reader = AlienReader("rfid-2", fake_port.path, {"mode": "notify", "forget_after_s": 0.3})
    run = run_device(reader)
    assert run.wait_for(lambda: reader.health.connected)
    note = (b"#Alien RFID Reader Auto Notification Message\r\n#Reason: TAGS ADDED\r\n"
            b"E200 3411 B802 0115 1234 5678,3,1\r\n#End of Notification Message\r\n")
    fake_port.write(b"\xff\xfe garbage,,\r\nTag:ZZZZ, Count:1\r\n" + note)
    reads = run.wait_reads(1)
    assert reads[0].value == "E2003411B802011512345678" and reads[0].data["format"] == "terse"
    assert reader.health.frames_rejected == 2
    fake_port.write(note)  # still in the field: no new read
    assert not run.wait_for(lambda: len(run.reads) > 1, 0.15)
    assert run.wait_for(lambda: "E2003411B802011512345678" not in reader._presence, 1)
    fake_port.write(note)  # left and came back
    run.wait_reads(2)
    run.close()


def test_scanner_reads_documents(fake_port, run_device) -> None:
    scanner = BarcodeScanner("scan-1", fake_port.path)
    run = run_device(scanner)
    assert run.wait_for(lambda: scanner.health.connected)
    fake_port.write(b"\x00\x17junk-without-suffix" * 300 + b"\r")  # over-long garbage
    fake_port.write(b"]C0ABCD2403150001\r]E05901234123457\r]L2" + AAMVA + b"\r")
    fake_port.write(b"]C100106141411234567897\r")
    reads = run.wait_reads(4)
    kinds = [(r.data["type"], r.value, r.data["symbology"]) for r in reads]
    assert kinds == [("paps", "ABCD2403150001", "]C0"), ("raw", "5901234123457", "]E0"),
                     ("aamva", "12345678", "]L2"), ("gs1", "106141411234567897", "]C1")]
    assert reads[2].data["family_name"] == "SAMPLE" and reads[0].raw == b"]C0ABCD2403150001"
    assert scanner.health.bytes_discarded > 0
    run.close()


def test_scanner_drops_line_noise_glued_to_a_scan(fake_port, run_device) -> None:
    scanner = BarcodeScanner("scan-n", fake_port.path)
    run = run_device(scanner)
    assert run.wait_for(lambda: scanner.health.connected)
    fake_port.write(b"\xff #~\xfe]C0ABCD2403150001\r\x00\x13\x7f\r")  # noise before, noise alone
    reads = run.wait_reads(1)
    assert reads[0].value == "ABCD2403150001" and reads[0].raw == b"]C0ABCD2403150001"
    assert run.wait_for(lambda: scanner.health.bytes_discarded >= 8)
    assert scanner.health.frames_rejected == 2 and len(run.reads) == 1
    run.close()


def test_document_reader_blocks(fake_port, run_device) -> None:
    reader = DocumentReader("mrz-1", fake_port.path)
    run = run_device(reader)
    assert run.wait_for(lambda: reader.health.connected)
    good = build_block([ln + "_" * (44 - len(ln)) for ln in TD3.split("\n")])
    bad = good[:-1] + bytes([good[-1] ^ 1])
    fake_port.write(b"noise\xff" + bad + good + build_block(TD1.split("\n")))
    reads = run.wait_reads(2)
    assert [r.value for r in reads] == ["L898902C3", "D23145890"]
    assert reads[0].kind == "document" and reads[0].data["valid"] is True
    assert reads[0].data["surname"] == "ERIKSSON" and reads[1].data["format"] == "TD1"
    assert reader.health.frames_rejected == 1  # the bad block, counted once (noise is discarded bytes)
    run.close()


def test_document_reader_plain_lines(fake_port, run_device) -> None:
    reader = DocumentReader("mrz-2", fake_port.path, {"framing": "lines"})
    run = run_device(reader)
    assert run.wait_for(lambda: reader.health.connected)
    fake_port.write(b"hello\r" + TD3.replace("\n", "\r").encode() + b"\r")
    fake_port.write(TD1.replace("\n", "\r").encode() + b"\r")
    reads = run.wait_reads(2)
    assert [r.data["format"] for r in reads] == ["TD3", "TD1"]
    run.close()


def test_missing_port_is_reported_and_retried(tmp_path, run_device) -> None:
    path = str(tmp_path / "dev" / "rfid-1")
    reader = AlienReader("rfid-x", path)
    run = run_device(reader)
    assert run.wait_for(lambda: reader.health.last_error == f"port {path} does not exist", 2)
    assert run.close() < 0.6


def test_unplug_and_replug_symlink(tmp_path, run_device) -> None:
    link = tmp_path / "scanner"
    first, second = FakePort(), FakePort()
    try:
        os.symlink(first.path, link)
        scanner = BarcodeScanner("scan-2", str(link))
        run = run_device(scanner)
        assert run.wait_for(lambda: scanner.health.connected)
        first.write(b"]C0ABCD0001\r")
        run.wait_reads(1)
        os.unlink(link)
        first.close()  # unplug
        assert run.wait_for(lambda: not scanner.health.connected, 3)
        assert run.wait_for(lambda: "does not exist" in (scanner.health.last_error or ""), 3)
        os.symlink(second.path, link)  # replug on a new pty
        assert run.wait_for(lambda: scanner.health.connected, 8)
        second.write(b"]C0ABCD0002\r")
        reads = run.wait_reads(2)
        assert reads[1].value == "ABCD0002" and scanner.health.reconnects == 1
        run.close()
    finally:
        first.close()
        second.close()
