"""Notification splitter, peer filter, notify options and the listener under random bytes."""

from __future__ import annotations

import contextlib
import itertools
import random
import socket
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from garita.drivers.alien_notify_config import notify_address, setup_commands
from garita.drivers.alien_notify_listener import (
    _FILLER,
    END,
    START,
    NotifyListener,
    NotifySplitter,
    PeerFilter,
    parse_message,
)
from garita.drivers.alien_options import AlienOptions
from garita.drivers.events import DeviceHealth
from garita.drivers.rfid_alien import AlienReader
from garita.drivers.rfid_taglist import Notification, TagListError
from garita.drivers.tcp_port import parse_host_port

MESSAGE = (
    b"#Alien RFID Reader Auto Notification Message\r\n#ReaderName: Lane 3\r\n"
    b"#ReaderType: Alien RFID Tag Reader, Model: ALR-9800\r\n#IPAddress: 10.1.2.50\r\n"
    b"#CommandPort: 23\r\n#Time: 2025/03/14 09:26:53\r\n#Reason: TAGS ADDED\r\n"
    b"Tag:E200 3411 B802 0115 1234 5678, Disc:2025/03/14 09:26:53, Last:2025/03/14 09:26:54, "
    b"Count:12, Ant:0, Proto:2\r\n"
    b"#End of Notification Message\r\n\x00"
)
MESSAGE_BODY = MESSAGE[: MESSAGE.index(END) + len(END)]


def chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    """``data`` cut at the given offsets (taken modulo its length), as reads would deliver it."""
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


def test_message_split_anywhere_comes_out_whole() -> None:
    splitter = NotifySplitter()
    for size in (1, 7, 45, len(MESSAGE)):
        out = [m for piece in chunks(MESSAGE * 2, list(range(0, 2 * len(MESSAGE), size)))
               for m in splitter.feed(piece)]
        assert out == [MESSAGE_BODY, MESSAGE_BODY]
    assert splitter.discarded == 0 and not splitter.in_message and splitter.close() is False  # nothing held
    note = parse_message(out[0])
    assert note.header["ReaderName"] == "Lane 3" and note.header["Reason"] == "TAGS ADDED"
    assert [(t.epc, t.count, t.antenna) for t in note.tags] == [("E2003411B802011512345678", 12, 0)]


def test_garbage_cut_off_runaway_and_close() -> None:
    splitter = NotifySplitter(max_bytes=400)
    assert splitter.feed(b"noise" + MESSAGE[:80] + MESSAGE) == [MESSAGE_BODY]
    assert splitter.take_drops() == [(5, "bytes outside a notification message"),
                                     (80, "notification cut off by the next one")]
    assert splitter.feed(START + b"\r\n" + b"x" * 500) == []  # no end marker within max_bytes
    assert splitter.take_drops()[0][1].startswith("notification longer than")
    assert splitter.feed(MESSAGE[:100]) == [] and splitter.in_message
    assert splitter.close() and splitter.take_drops() == [
        (100, "connection closed in the middle of a notification")]
    assert not splitter.close()  # nothing left: a clean hang-up is not an error


def test_filler_between_messages_is_not_garbage() -> None:
    splitter = NotifySplitter()
    assert splitter.feed(b"\r\n\x00" + MESSAGE + b"\r\n\x00\x00") == [MESSAGE_BODY]
    assert splitter.close() is False and splitter.discarded == 0 and splitter.take_drops() == []


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600), st.lists(st.integers(min_value=0), max_size=8))
def test_random_bytes_never_crash_the_splitter(data: bytes, cuts: list[int]) -> None:
    splitter = NotifySplitter(max_bytes=300)
    messages = [m for piece in chunks(data, cuts) for m in splitter.feed(piece)]
    splitter.close()
    # Every byte is in a message, counted as discarded, or filler between messages (never counted).
    unaccounted = len(data) - sum(map(len, messages)) - splitter.discarded
    assert 0 <= unaccounted <= sum(data.count(bytes([b])) for b in _FILLER)
    for message in messages:
        assert message.startswith(START) and message.endswith(END)
        # TagListError is the one documented error: the listener counts it as a rejected frame.
        with contextlib.suppress(TagListError):
            parse_message(message)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.binary(max_size=300), st.lists(st.integers(min_value=0), max_size=8))
def test_a_message_survives_any_garbage_around_it(before: bytes, after: bytes, cuts: list[int]) -> None:
    splitter = NotifySplitter()
    messages = [m for piece in chunks(before + MESSAGE + after, cuts) for m in splitter.feed(piece)]
    assert MESSAGE_BODY in messages


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([START, END, b"\r\n", b"Tag:E200,1", b"#Reason: x\r\n", b"\x00", b"\xff",
                                 b"<Alien-RFID-Tag><TagID>E200 34", b"</TagID></Alien-RFID-Tag>", b"<Count>x</Count>"]),
                max_size=40))
def test_marker_soup_only_raises_taglisterror(parts: list[bytes]) -> None:
    splitter = NotifySplitter()
    for message in splitter.feed(b"".join(parts)):
        with contextlib.suppress(TagListError):
            parse_message(message)


def test_peer_filter() -> None:
    lookups: list[str] = []

    def resolver(host: str) -> frozenset[str]:
        lookups.append(host)
        return frozenset({"10.1.2.50"})

    by_name = PeerFilter("reader-3.lane", resolver)
    assert by_name.allows("10.1.2.50", now=0.0) and by_name.allows("::ffff:10.1.2.50", now=1.0)
    assert not by_name.allows("10.1.2.51", now=2.0)
    assert lookups == ["reader-3.lane"]  # a miss does not look the name up again at once
    assert not by_name.allows("10.1.2.51", now=40.0) and len(lookups) == 2
    by_ip = PeerFilter("10.1.2.50", lambda host: frozenset())
    assert by_ip.allows("10.1.2.50") and not by_ip.allows("127.0.0.1")
    assert PeerFilter(None).allows("203.0.113.9")


def test_host_port_and_setup_commands() -> None:
    assert parse_host_port("0.0.0.0:4000") == ("0.0.0.0", 4000)
    assert parse_host_port("[::1]:4000") == ("::1", 4000)
    assert parse_host_port("*:4000") == ("0.0.0.0", 4000)  # bindable, and still "all addresses"
    for bad in ("4000", "host:", ":4000", "host:70000", "host:x"):
        with pytest.raises(ValueError, match="host:port"):
            parse_host_port(bad)
    opts = AlienOptions(mode="notify", notify_listen="0.0.0.0:4000", notify_format="xml", notify_trigger="Change")
    assert opts.notify_format == "XML"  # the reader's spelling, whatever case the config used
    assert notify_address(opts, 4000, "10.1.2.3") == "10.1.2.3:4000"
    assert notify_address(opts, 4000, None) is None  # command link down: not known yet
    assert notify_address(opts.model_copy(update={"notify_address": "192.0.2.7:9000"}), 4000, None) == "192.0.2.7:9000"
    assert setup_commands(opts, "10.1.2.3:4000") == [
        b"\x01set NotifyAddress = 10.1.2.3:4000\r\n", b"\x01set NotifyHeader = On\r\n",
        b"\x01set NotifyFormat = XML\r\n", b"\x01set NotifyTrigger = Change\r\n",
        b"\x01set AutoMode = On\r\n", b"\x01set NotifyMode = On\r\n"]
    assert setup_commands(opts.model_copy(update={"notify_trigger": ""}), None) == [
        b"\x01set NotifyFormat = XML\r\n", b"\x01set AutoMode = On\r\n", b"\x01set NotifyMode = On\r\n"]


@pytest.mark.parametrize(("port", "options", "error"), [
    ("tcp://10.1.2.50:23", {"notify_listen": "0.0.0.0:4000"}, "'notify_listen': needs mode = 'notify'"),
    ("tcp://10.1.2.50:23", {"mode": "notify", "notify_listen": "4000"}, "'notify_listen': must be host:port"),
    ("tcp://10.1.2.50:23", {"mode": "notify", "notify_listen": 4000},
     "'notify_listen': input should be a valid string"),
    ("tcp://10.1.2.50:23", {"mode": "notify", "notify_address": "10.1.2.3:4000"},
     "'notify_address': needs notify_listen"),
    ("tcp://10.1.2.50:23", {"mode": "notify", "notify_listen": "0.0.0.0:0", "notify_address": "0.0.0.0:4000"},
     "'notify_address': must be host:port the reader can reach"),
    ("tcp://10.1.2.50:23", {"mode": "notify", "notify_listen": "0.0.0.0:4000", "notify_allow_from": "a, b"},
     "'notify_allow_from': must be one host"),
    ("/dev/ttyUSB0", {"mode": "notify", "notify_listen": "0.0.0.0:4000", "notify_allow_from": "*"},
     "'notify_address': is needed when listening on all addresses"),
    ("/dev/ttyUSB0", {"mode": "notify", "notify_listen": "10.1.2.3:4000"}, "'notify_allow_from': is needed"),
    ("tcp://10.1.2.50:23", {"notify_format": "Custom"}, "'notify_format': input should be 'Text', 'Terse' or 'XML'"),
    ("tcp://10.1.2.50:23", {"notify_trigger": "Sometimes"}, "'notify_trigger': input should be '', 'Add'"),
    ("tcp://10.1.2.50:23", {"notify_listn": "0.0.0.0:4000"}, "unknown option 'notify_listn'"),
])
def test_bad_notify_options_name_the_option(port: str, options: dict, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        AlienReader("rfid-1", port, options)


def test_serial_reader_with_explicit_address_is_accepted() -> None:
    device = AlienReader("rfid-1", "/dev/ttyUSB0", {
        "mode": "notify", "notify_listen": "0.0.0.0:4000", "notify_address": "10.1.2.3:4000",
        "notify_allow_from": "10.1.2.50"})
    assert device.listener is not None and device.listener.peers.host == "10.1.2.50"


def test_listener_survives_random_bytes_on_real_sockets() -> None:
    health, notes = DeviceHealth(), []
    listener = NotifyListener("rfid-f", ("127.0.0.1", 0), PeerFilter(None),
                              lambda note, raw: notes.append(note), health)
    listener.start()
    rng = random.Random(20261129)
    try:
        for _ in range(40):
            blob = rng.randbytes(rng.randint(1, 3000))
            if rng.random() < 0.3:
                blob += MESSAGE[: rng.randint(0, len(MESSAGE))]  # a cut-off message too
            with socket.create_connection(("127.0.0.1", listener.port), timeout=2) as sock:
                sock.sendall(blob)
        with socket.create_connection(("127.0.0.1", listener.port), timeout=2) as sock:
            sock.sendall(MESSAGE)
        deadline = time.monotonic() + 3
        while not notes and time.monotonic() < deadline:
            time.sleep(0.01)
        assert notes and notes[-1].tags[0].epc == "E2003411B802011512345678"
        assert health.frames_rejected >= 40 and health.bytes_discarded > 0
        assert listener._thread is not None and listener._thread.is_alive()
    finally:
        listener.stop()
    assert listener._thread is None


def test_port_in_use_is_reported_and_retried() -> None:
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    port = blocker.getsockname()[1]
    health = DeviceHealth()
    listener = NotifyListener("rfid-b", ("127.0.0.1", port), PeerFilter(None), lambda n, r: None, health)
    listener.start()
    try:
        assert "cannot listen for notifications on 127.0.0.1" in (health.last_error or "")
        blocker.close()
        deadline = time.monotonic() + 3
        while listener._server is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert listener._server is not None  # got the port once it was free
    finally:
        blocker.close()
        listener.stop()


def test_dual_stack_listener_takes_ipv4_callers() -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    notes: list[Notification] = []
    listener = NotifyListener("rfid-6", ("::", 0), PeerFilter("127.0.0.1"),
                              lambda note, raw: notes.append(note), DeviceHealth())
    listener.start()
    try:
        if listener._server is None:
            pytest.skip("cannot bind an IPv6 socket here")
        with socket.create_connection(("127.0.0.1", listener.port), timeout=2) as sock:
            sock.sendall(MESSAGE)  # arrives from ::ffff:127.0.0.1, which the filter maps back
        deadline = time.monotonic() + 3
        while not notes and time.monotonic() < deadline:
            time.sleep(0.01)
        assert notes and listener.refused == 0
    finally:
        listener.stop()


def test_an_address_is_never_looked_up_and_a_name_is_looked_up_before_serving() -> None:
    lookups: list[str] = []

    def resolver(host: str) -> frozenset[str]:
        lookups.append(host)
        return frozenset({"10.1.2.50"})

    by_ip = PeerFilter("10.1.2.50", resolver)
    by_ip.refresh()
    assert by_ip.allows("10.1.2.50") and not by_ip.allows("10.9.9.9", now=1e9) and lookups == []
    by_name = PeerFilter("reader-3.lane", resolver)
    by_name.refresh(now=0.0)  # what the listener thread does before its first select
    assert by_name.allows("10.1.2.50", now=1.0) and lookups == ["reader-3.lane"]


def test_a_long_message_in_small_reads_is_searched_once() -> None:
    body = b"Tag:E200 3411 B802 0115 1234 5678, Count:1, Ant:0\r\n" * 2000
    message = START + b"\r\n" + body + END
    splitter = NotifySplitter()
    out = [m for i in range(0, len(message), 7) for m in splitter.feed(message[i : i + 7])]
    assert out == [message] and splitter._searched == 0  # reset once the message is taken
    # A marker split across two reads is still found where the last search stopped.
    for cut in range(1, len(END)):
        tail = START + b"\r\nx\r\n" + END
        assert splitter.feed(tail[: len(tail) - cut]) == [] and splitter.feed(tail[len(tail) - cut :]) == [tail]
