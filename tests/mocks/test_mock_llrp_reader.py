"""The LLRP reader emulator spoken to with hand-built bytes from the LLRP 1.0.1 layout (no driver code)."""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Iterator

import pytest

from garita.hardware_mocks.llrp_reader import LlrpReaderMock
from garita.hardware_mocks.llrp_rospec import ACTIVE, INACTIVE

SENTRI = "E2003411B802011512345678"


def tlv(ptype: int, body: bytes) -> bytes:
    return struct.pack(">HH", ptype, 4 + len(body)) + body


def msg(mtype: int, mid: int, body: bytes = b"", version: int = 1) -> bytes:
    return struct.pack(">HII", version << 10 | mtype, 10 + len(body), mid) + body


ROSPEC = tlv(177, struct.pack(">IBB", 5, 0, 0)
             + tlv(178, tlv(179, b"\x00") + tlv(182, b"\x00" * 5))
             + tlv(183, struct.pack(">HH", 1, 2) + tlv(184, b"\x00" * 5) + tlv(186, struct.pack(">HB", 1, 1)))
             + tlv(237, struct.pack(">BH", 2, 1) + tlv(238, struct.pack(">H", 0x1000))))  # antenna id only


class Client:
    """A bare TCP client reading whole LLRP messages."""

    def __init__(self, reader: LlrpReaderMock) -> None:
        self.sock = socket.create_connection(("127.0.0.1", reader.port), timeout=2)
        self.buffer = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def receive(self, want: int | None = None, timeout: float = 2.0) -> tuple[int, int, bytes]:
        """The next message (of type ``want``, skipping others): (type, id, body)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            while len(self.buffer) >= 10:
                word, length, mid = struct.unpack_from(">HII", self.buffer)
                if len(self.buffer) < length:
                    break
                body, self.buffer = self.buffer[10:length], self.buffer[length:]
                if want is None or word & 0x3FF == want:
                    return word & 0x3FF, mid, body
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("reader closed the connection")
            self.buffer += chunk
        raise TimeoutError(f"no message of type {want}")

    def status(self, want: int) -> int:
        """StatusCode of the next message of type ``want`` (its body starts with an LLRPStatus)."""
        _, _, body = self.receive(want)
        assert struct.unpack_from(">H", body)[0] == 287
        return struct.unpack_from(">H", body, 4)[0]


@pytest.fixture
def reader() -> Iterator[LlrpReaderMock]:
    mock = LlrpReaderMock(reread_s=0.1)
    mock.start()
    yield mock
    mock.stop()


def connection_status(client: Client) -> int:
    _, _, body = client.receive(63)
    # ReaderEventNotificationData(246) > UTCTimestamp(128, 12 bytes) > ConnectionAttemptEvent(256)
    assert struct.unpack_from(">HH", body, 4) == (128, 12)
    assert struct.unpack_from(">HHH", body, 16)[0] == 256
    return struct.unpack_from(">H", body, 20)[0]


def test_connect_configure_and_inventory(reader: LlrpReaderMock) -> None:
    client = Client(reader)
    assert connection_status(client) == 0
    client.send(msg(3, 1, b"\x80" + tlv(220, struct.pack(">BI", 1, 200))))
    assert client.status(13) == 0 and reader.keepalive_ms == 200
    client.send(msg(20, 2, ROSPEC))
    assert client.status(30) == 0 and reader.rospecs[5].antennas == {2}
    client.send(msg(24, 3, struct.pack(">I", 5)))
    assert client.status(34) == 0 and reader.rospecs[5].state == INACTIVE
    client.send(msg(22, 4, struct.pack(">I", 5)))
    assert client.status(32) == 0 and reader.rospecs[5].state == ACTIVE
    reader.put_tag(SENTRI, antenna=2)
    _, _, body = client.receive(61)
    # TagReportData(240) > EPC-96 (TV 13) and AntennaID (TV 1) only, as the selector asked
    assert body == tlv(240, bytes([0x8D]) + bytes.fromhex(SENTRI) + bytes([0x81]) + struct.pack(">H", 2))
    _, kid, body = client.receive(62)
    assert body == b""
    client.send(msg(72, kid))
    assert _eventually(lambda: reader.counts["keepalive_acks"] == 1)


def test_errors_for_bad_requests(reader: LlrpReaderMock) -> None:
    client = Client(reader)
    connection_status(client)
    client.send(msg(1, 9))  # GET_READER_CAPABILITIES: not emulated
    assert client.status(100) == 109
    client.send(msg(62, 10, version=2))
    assert client.status(100) == 110
    client.send(msg(20, 11, tlv(177, struct.pack(">IBB", 0, 0, 0))))  # ROSpec id 0
    assert client.status(30) == 100
    client.send(msg(22, 12, struct.pack(">I", 42)))  # START an unknown ROSpec
    assert client.status(32) == 101


def test_second_client_is_refused(reader: LlrpReaderMock) -> None:
    first = Client(reader)
    assert connection_status(first) == 0
    second = Client(reader)
    assert connection_status(second) == 2
    with pytest.raises(ConnectionError):
        second.receive(timeout=1)
    assert reader.counts["refused_connections"] == 1


def test_reboot_closes_and_forgets(reader: LlrpReaderMock) -> None:
    client = Client(reader)
    connection_status(client)
    client.send(msg(20, 2, ROSPEC))
    client.status(30)
    reader.inject("reboot")
    _, _, body = client.receive(63)
    assert struct.pack(">HH", 257, 4) in body  # ConnectionCloseEvent
    with pytest.raises(ConnectionError):
        client.receive(timeout=1)
    assert reader.rospecs == {}
    assert _eventually(lambda: connection_status(Client(reader)) == 0, 3)


def test_unknown_fault_is_named(reader: LlrpReaderMock) -> None:
    with pytest.raises(ValueError, match="unknown LLRP fault 'melt'"):
        reader.inject("melt")


def _eventually(cond, timeout: float = 2.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if cond():
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False
