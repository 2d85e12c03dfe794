"""Alien reader emulator, checked against the grammar and vectors of protocols.md §1.1."""

from __future__ import annotations

import re
import socket
import time
from datetime import datetime
from pathlib import Path

import pytest

from garita.hardware_mocks.alien_rfid_reader import AlienRfidReader
from tests.mocks.serial_helpers import read_until

TS = r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}"
TAG_LINE = re.compile(
    rf"Tag:(?P<epc>[0-9A-F]{{4}}(?: [0-9A-F]{{4}}){{5}}), Disc:(?P<disc>{TS}), "
    rf"Last:(?P<last>{TS}), Count:(?P<count>\d+), Ant:(?P<ant>\d+), Proto:(?P<proto>\d+)\r\n"
)
SENTRI = "E2003411B802011512345678"
GEN2 = "3000 2141 60C0 0400 0000 6013"


class Clock:
    """A settable reader clock."""

    def __init__(self) -> None:
        self.now = datetime(2025, 3, 14, 9, 26, 53)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def reader(tmp_path: Path):
    clock = Clock()
    rdr = AlienRfidReader("rfid-1", tmp_path, clock=clock)
    rdr.clock = clock  # type: ignore[attr-defined]
    rdr.start()
    yield rdr
    rdr.stop()


def ask(host, command: bytes) -> bytes:
    """Send one quiet command and read the reply to the NUL."""
    host.write(command)
    return read_until(host, b"\x00")


def test_empty_tag_list_is_vector_v2(reader, open_serial) -> None:
    host = open_serial(reader.endpoint)
    assert ask(host, b"\x01get TagList\r\n") == b"(No Tags)\r\n\x00"


def test_tag_list_matches_the_text_grammar(reader, open_serial) -> None:
    host = open_serial(reader.endpoint)
    reader.put_tag(SENTRI)
    reader.put_tag(GEN2, antenna=1)
    reader.clock.now = datetime(2025, 3, 14, 9, 26, 54)
    reply = ask(host, b"\x01get TagList\r\n")
    assert reply.endswith(b"\r\n\x00") and reply.count(b"\x00") == 1
    lines = [TAG_LINE.fullmatch(line + "\r\n") for line in reply[:-3].decode().split("\r\n")]
    assert all(lines), reply
    first, second = (m.groupdict() for m in lines)  # type: ignore[union-attr]
    assert first["epc"] == "E200 3411 B802 0115 1234 5678" and second["ant"] == "1"
    assert first["disc"] == "2025/03/14 09:26:53" and first["last"] == "2025/03/14 09:26:54"
    assert first["proto"] == "2"
    again = ask(host, b"\x01GET taglist\r\n")  # command words are case-insensitive
    assert int(TAG_LINE.match(again.decode()).group("count")) == int(first["count"]) + 1


def test_removed_tags_leave_the_list(reader, open_serial) -> None:
    host = open_serial(reader.endpoint)
    reader.put_tag(SENTRI)
    reader.remove_tag(SENTRI.lower())
    assert ask(host, b"\x01get TagList\r\n") == b"(No Tags)\r\n\x00"


def test_set_echoes_like_vector_v4(reader, open_serial) -> None:
    host = open_serial(reader.endpoint)
    assert ask(host, b"\x01set NotifyMode = On\r\n") == b"NotifyMode = ON\r\n\x00"
    assert ask(host, b"\x01get notifymode\r\n") == b"NotifyMode = ON\r\n\x00"
    assert ask(host, b"\x01set TagListFormat = terse\r\n") == b"TagListFormat = Terse\r\n\x00"


def test_terse_and_xml_formats(reader, open_serial) -> None:
    host = open_serial(reader.endpoint)
    reader.put_tag(SENTRI)
    ask(host, b"\x01set TagListFormat = Terse\r\n")
    assert ask(host, b"\x01get TagList\r\n") == b"E200 3411 B802 0115 1234 5678,2,0\r\n\x00"
    ask(host, b"\x01set TagListFormat = XML\r\n")
    xml = ask(host, b"\x01get TagList\r\n").decode()
    assert xml.startswith("<Alien-RFID-Tag-List>\r\n") and "</Alien-RFID-Tag-List>\r\n\x00" in xml
    for tag in ("TagID", "DiscoveryTime", "LastSeenTime", "Antenna", "ReadCount", "Protocol"):
        assert f"<{tag}>" in xml


def test_unknown_commands_and_values_are_errors(reader, open_serial) -> None:
    host = open_serial(reader.endpoint)
    assert b"Error" in ask(host, b"\x01frobnicate\r\n")
    assert b"Error" in ask(host, b"\x01get NoSuchThing\r\n")
    assert b"Error" in ask(host, b"\x01set TagListFormat = Morse\r\n")


def test_prompt_style_echoes_and_prompts(reader, open_serial) -> None:
    host = open_serial(reader.endpoint)
    host.write(b"get ReaderName\r\n")
    reply = read_until(host, b"\x00")
    assert reply == b"get ReaderName\r\nReaderName = Garita Mock Reader\r\n\r\nAlien>\x00"


def test_notification_on_tag_added(reader, open_serial) -> None:
    host = open_serial(reader.endpoint)
    ask(host, b"\x01set NotifyMode = On\r\n")
    reader.put_tag(GEN2)
    block = read_until(host, b"\x00").decode()
    lines = block.split("\r\n")
    assert lines[0] == "#Alien RFID Reader Auto Notification Message"
    assert "#Reason: TAGS ADDED" in lines and "#Time: 2025/03/14 09:26:53" in lines
    assert any(TAG_LINE.fullmatch(line + "\r\n") for line in lines)
    assert lines[-2:] == ["#End of Notification Message", "\x00"]


def _recv_until(sock: socket.socket, marker: bytes) -> bytes:
    data = b""
    deadline = time.monotonic() + 2
    while marker not in data:
        assert time.monotonic() < deadline, data
        data += sock.recv(4096)
    return data


def test_tcp_login_then_commands(tmp_path: Path) -> None:
    reader = AlienRfidReader("rfid-1", tmp_path, tcp=True)
    reader.start()
    try:
        assert reader.endpoint.startswith("socket://127.0.0.1:")
        port = int(reader.endpoint.rsplit(":", 1)[1])
        reader.put_tag(SENTRI)
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            assert _recv_until(sock, b"\x00").endswith(b"Username>\x00")
            sock.sendall(b"alien\r\n")
            assert _recv_until(sock, b"\x00") == b"Password>\x00"
            sock.sendall(b"password\r\n")
            assert _recv_until(sock, b"\x00").endswith(b"Alien>\x00")
            sock.sendall(b"\x01get TagList\r\n")
            reply = _recv_until(sock, b"\x00")
            assert TAG_LINE.fullmatch(reply[:-1].decode()), reply
            sock.sendall(b"\x01set NotifyMode = On\r\n")
            assert _recv_until(sock, b"\x00") == b"NotifyMode = ON\r\n\x00"
            reader.put_tag(GEN2)
            assert b"#Reason: TAGS ADDED" in _recv_until(sock, b"Message\r\n\x00")
    finally:
        reader.stop()


def test_tcp_unplug_replug_keeps_port(tmp_path: Path) -> None:
    reader = AlienRfidReader("rfid-1", tmp_path, tcp=True)
    reader.start()
    try:
        url = reader.endpoint
        reader.unplug()
        port = int(url.rsplit(":", 1)[1])
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        reader.replug()
        assert reader.endpoint == url
        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            assert _recv_until(sock, b"Username>\x00")
    finally:
        reader.stop()
