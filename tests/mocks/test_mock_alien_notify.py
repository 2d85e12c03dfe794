"""Mock Alien reader delivering notifications to ``NotifyAddress = host:port`` (protocols.md §1.1).

The test plays the host with a plain listening socket, so the mock is checked against the
protocol text, not against our driver.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from garita.hardware_mocks.alien_notifier import NotifyFaults
from garita.hardware_mocks.alien_rfid_reader import AlienRfidReader

SENTRI = "E2003411B802011512345678"
GEN2 = "3000214160C0040000006013"
END = b"#End of Notification Message\r\n\x00"
HEADER = re.compile(
    r"#Alien RFID Reader Auto Notification Message\r\n#ReaderName: .+\r\n#ReaderType: .+\r\n"
    r"#IPAddress: (?P<ip>[\d.]+)\r\n#CommandPort: \d+\r\n#Time: \d{4}/\d\d/\d\d \d\d:\d\d:\d\d\r\n"
    r"#Reason: (?P<reason>[A-Z ]+)\r\n"
)


class Host:
    """A listening socket standing in for the lane computer."""

    def __init__(self, ip: str = "127.0.0.1", port: int = 0) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((ip, port))
        self.sock.listen(4)
        self.sock.settimeout(3)
        self.address = f"{ip}:{self.sock.getsockname()[1]}"

    def accept(self) -> tuple[socket.socket, str]:
        conn, (peer, _) = self.sock.accept()
        conn.settimeout(3)
        return conn, peer

    def message(self) -> tuple[bytes, str]:
        """Accept one connection and read it until the reader hangs up."""
        conn, peer = self.accept()
        with conn:
            return read_to_close(conn), peer

    def close(self) -> None:
        self.sock.close()


def read_to_close(conn: socket.socket) -> bytes:
    data = b""
    while chunk := conn.recv(4096):
        data += chunk
    return data


def read_until(conn: socket.socket, marker: bytes) -> bytes:
    data = b""
    while marker not in data:
        chunk = conn.recv(4096)
        assert chunk, data
        data += chunk
    return data


@pytest.fixture
def host() -> Iterator[Host]:
    h = Host()
    yield h
    h.close()


def make_reader(tmp_path: Path, address: str, **kwargs: object) -> AlienRfidReader:
    reader = AlienRfidReader("rfid-1", tmp_path, tcp=True, **kwargs)  # type: ignore[arg-type]
    reader.start()
    reply = reader.execute(f"set NotifyAddress = {address}")
    assert reply.lower() == f"notifyaddress = {address.lower()}\r\n", reply
    reader.execute("set NotifyMode = On")
    return reader


@pytest.fixture
def started() -> Iterator[list[AlienRfidReader]]:
    readers: list[AlienRfidReader] = []
    yield readers
    for r in readers:
        r.stop()


def test_one_connection_per_message_with_header(tmp_path: Path, host: Host, started) -> None:
    reader = make_reader(tmp_path, host.address)
    started.append(reader)
    reader.put_tag(SENTRI, antenna=1)
    data, peer = host.message()
    header = HEADER.match(data.decode())
    assert header and header["reason"] == "TAGS ADDED" and header["ip"] == "127.0.0.1", data
    assert b"Tag:E200 3411 B802 0115 1234 5678, Disc:" in data and b", Ant:1, Proto:2\r\n" in data
    assert data.endswith(END) and peer == "127.0.0.1"
    reader.put_tag(GEN2)
    assert b"Tag:3000 2141" in host.message()[0]  # a second connection for the second message


@pytest.mark.parametrize(("fmt", "tag_text"), [
    ("Terse", b"\r\nE200 3411 B802 0115 1234 5678,1,0\r\n#End"),
    ("XML", b"<TagID>E200 3411 B802 0115 1234 5678</TagID>"),
])
def test_notify_format_is_honoured(tmp_path: Path, host: Host, started, fmt: str, tag_text: bytes) -> None:
    reader = make_reader(tmp_path, host.address)
    started.append(reader)
    reader.execute(f"set NotifyFormat = {fmt}")
    reader.put_tag(SENTRI)
    data = host.message()[0]
    assert HEADER.match(data.decode()) and tag_text in data and data.endswith(END)


def test_keep_open_reuses_the_connection(tmp_path: Path, host: Host, started) -> None:
    reader = make_reader(tmp_path, host.address, notify_keep_open=True)
    started.append(reader)
    reader.put_tag(SENTRI)
    conn, _ = host.accept()
    with conn:
        assert b"Tag:E200" in read_until(conn, END)
        reader.put_tag(GEN2)
        assert b"Tag:3000" in read_until(conn, END)


def test_source_address_is_the_readers_ip(tmp_path: Path, host: Host, started) -> None:
    reader = make_reader(tmp_path, host.address)
    started.append(reader)
    reader.attributes["IPAddress"] = "127.0.0.2"  # any 127/8 address is local on Linux
    reader.put_tag(SENTRI)
    data, peer = host.message()
    assert peer == "127.0.0.2" and b"#IPAddress: 127.0.0.2\r\n" in data


def test_garbage_and_cut_faults(tmp_path: Path, host: Host, started) -> None:
    reader = make_reader(tmp_path, host.address)
    started.append(reader)
    reader.notify_faults = NotifyFaults(garbage=b"\xff\x00junk", remaining=1)
    reader.put_tag(SENTRI)
    data = host.message()[0]
    assert data.startswith(b"\xff\x00junk#Alien RFID") and data.endswith(END)
    reader.notify_faults = NotifyFaults(cut_at=50, remaining=1)
    reader.put_tag(GEN2)
    assert len(host.message()[0]) == 50  # hung up mid-header
    reader.clear()
    reader.put_tag(SENTRI)
    assert host.message()[0].endswith(END)  # faults cleared themselves


def test_unreachable_host_is_retried(tmp_path: Path, started) -> None:
    probe = Host()
    address = probe.address
    probe.close()  # nothing listens there now
    reader = make_reader(tmp_path, address)
    started.append(reader)
    reader.put_tag(SENTRI)
    deadline = time.monotonic() + 3
    while reader.notifier.failures < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert reader.notifier.failures >= 2 and not reader.notifier.idle()
    late = Host(port=int(address.rsplit(":", 1)[1]))
    try:
        assert b"Tag:E200" in late.message()[0]
    finally:
        late.close()


def test_serial_address_and_bad_addresses(tmp_path: Path, started) -> None:
    reader = make_reader(tmp_path, "SERIAL")
    started.append(reader)
    assert reader.attributes["NotifyAddress"] == "serial"
    for bad in ("nowhere", "host:", "host:99999"):
        assert reader.execute(f"set NotifyAddress = {bad}").startswith("Error")
    reader.put_tag(SENTRI)  # "serial" on a TCP mock: to the logged-in clients (none here)
    assert reader.notifier.idle() and reader.notifier.delivered == 0


def _notify_threads() -> int:
    return sum(t.name == "alien-notify-out" and t.is_alive() for t in threading.enumerate())


def test_the_delivery_thread_runs_only_once_there_is_something_to_send(tmp_path: Path, host: Host) -> None:
    before = _notify_threads()
    quiet = AlienRfidReader("rfid-q", tmp_path, tcp=True)
    quiet.start()
    quiet.put_tag(SENTRI)  # NotifyMode off: nothing to send
    assert _notify_threads() == before
    quiet.stop()
    reader = make_reader(tmp_path, host.address)
    assert _notify_threads() == before
    reader.put_tag(SENTRI)
    assert b"Tag:E200" in host.message()[0] and _notify_threads() == before + 1
    reader.stop()
    assert _notify_threads() == before
    reader.start()  # replugged: a new thread with the next message, none before
    assert _notify_threads() == before
    reader.put_tag(GEN2)
    assert b"Tag:3000" in host.message()[0] and _notify_threads() == before + 1
    reader.stop()
