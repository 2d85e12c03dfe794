"""Receive Alien auto-notifications that a networked reader sends to ``NotifyAddress = host:port``.

In notify mode an ALR-9800-family reader does not use the command connection for
notifications: it connects to the host itself, sends one message (``#Alien RFID Reader Auto
Notification Message`` header lines, tag lines, ``#End of Notification Message``) and usually
hangs up; some firmware keeps the connection open for the next one. This module cuts that
stream into messages (:class:`NotifySplitter`), checks who is calling (:class:`PeerFilter`) and
runs the listening socket in its own thread (:class:`NotifyListener`).
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import selectors
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from garita.drivers.backoff import Backoff
from garita.drivers.events import DeviceHealth
from garita.drivers.rfid_taglist import NOTIFY_END, NOTIFY_START, Notification, TagListError, parse_notification

log = logging.getLogger(__name__)

START = NOTIFY_START.encode("latin-1")
END = NOTIFY_END.encode("latin-1")
# An XML message of a few hundred tags is well under this; more is a runaway stream.
MAX_MESSAGE_BYTES = 1 << 20
MAX_CONNECTIONS = 8
PARTIAL_TIMEOUT_S = 10.0  # a message started but not finished this long ago is cut off
RESOLVE_EVERY_S = 30.0
SELECT_S = 0.1  # how soon stop() is noticed
RECV_SIZE = 65536
_FILLER = b" \t\r\n\x00"  # what the reader puts between messages; never counted as garbage

OnMessage = Callable[[Notification, bytes], None]


def normalise_ip(text: str) -> str:
    """Canonical text of an IP address; an IPv4-mapped IPv6 address becomes plain IPv4."""
    try:
        ip = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return text
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ip)


def resolve(host: str) -> frozenset[str]:
    """Every address ``host`` resolves to (empty if it does not resolve)."""
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except OSError:
        return frozenset()
    return frozenset(normalise_ip(str(info[4][0])) for info in infos)


class PeerFilter:
    """Which peers may deliver notifications: the reader's host, or anyone if none is given."""

    def __init__(self, host: str | None, resolver: Callable[[str], frozenset[str]] = resolve) -> None:
        self.host, self._resolver = host, resolver
        self._allowed: frozenset[str] = frozenset({normalise_ip(host)}) if host else frozenset()
        self._resolved_at: float | None = None
        # An address needs no lookup, ever; only a host name may move (DHCP) and be looked up again.
        self._by_name = host is not None and not _is_ip(host)

    def refresh(self, now: float | None = None) -> None:
        """Look the reader's name up now (the listener does it before serving, off the first connection)."""
        if self._by_name:
            now = time.monotonic() if now is None else now
            self._allowed, self._resolved_at = self._resolver(self.host) | {self.host}, now  # type: ignore[arg-type]

    def allows(self, peer_ip: str, now: float | None = None) -> bool:
        """True if a connection from ``peer_ip`` may deliver notifications."""
        if self.host is None:
            return True
        peer = normalise_ip(peer_ip)
        if peer in self._allowed or not self._by_name:
            return peer in self._allowed
        now = time.monotonic() if now is None else now
        # A miss may mean the reader's name now resolves elsewhere: look again, rarely.
        if self._resolved_at is None or now - self._resolved_at >= RESOLVE_EVERY_S:
            self.refresh(now)
        return peer in self._allowed


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    return True


@dataclass
class NotifySplitter:
    """Cut a byte stream into notification messages, keeping account of what it throws away.

    ``feed`` returns complete messages (header line through the end-marker line); bytes that
    are not inside a message are discarded and listed by ``take_drops``. It never raises.
    """

    max_bytes: int = MAX_MESSAGE_BYTES
    discarded: int = 0  # bytes thrown away, in all
    _buf: bytearray = field(default_factory=bytearray, repr=False)
    _drops: list[tuple[int, str]] = field(default_factory=list, repr=False)
    # How much of a started message has been searched for its end: each read searches only the new bytes
    # (and a marker's length before them), not the whole message again. Measured, a 1 MiB message in 200-byte
    # reads took 0.76 s searching from the start each time.
    _searched: int = field(default=0, repr=False)

    @property
    def in_message(self) -> bool:
        """True while a started message waits for its end marker."""
        return self._buf.startswith(START)

    def feed(self, data: bytes) -> list[bytes]:
        """Add received bytes; return the messages they completed."""
        self._buf += data
        messages: list[bytes] = []
        while (message := self._next()) is not None:
            messages.append(message)
        return messages

    def close(self) -> bool:
        """The connection ended: drop an unfinished message; True if one was dropped."""
        buf, self._buf = bytes(self._buf), bytearray()
        return self._drop(buf, "connection closed in the middle of a notification")

    def take_drops(self) -> list[tuple[int, str]]:
        """(bytes, reason) of each piece discarded since the last call."""
        drops, self._drops = self._drops, []
        return drops

    def _next(self) -> bytes | None:
        """Take one complete message off the buffer, or None when more bytes are needed."""
        while True:
            start = self._buf.find(START)
            if start < 0:
                self._drop_junk_keeping_marker_prefix()
                return None
            if start:
                self._cut(start, "bytes outside a notification message")
            since = max(len(START), self._searched - max(len(START), len(END)) + 1)
            end = self._buf.find(END, since)
            restart = self._buf.find(START, since)
            if restart < 0 or (0 <= end < restart):
                break
            self._cut(restart, "notification cut off by the next one")
        if end < 0:
            self._searched = len(self._buf)
            if len(self._buf) > self.max_bytes:
                self._cut(len(self._buf), f"notification longer than {self.max_bytes} bytes")
            return None
        return self._take(end + len(END))

    def _take(self, length: int) -> bytes:
        message = bytes(self._buf[:length])
        del self._buf[:length]
        self._searched = 0
        return message

    def _cut(self, length: int, reason: str) -> None:
        self._drop(self._take(length), reason)

    def _drop_junk_keeping_marker_prefix(self) -> None:
        # The last bytes may be the first part of a header split across two reads: keep them.
        keep = next((k for k in range(min(len(START) - 1, len(self._buf)), 0, -1)
                     if self._buf.endswith(START[:k])), 0)
        self._cut(len(self._buf) - keep, "bytes outside a notification message")

    def _drop(self, junk: bytes, reason: str) -> bool:
        if not junk.strip(_FILLER):
            return False  # line ends and NULs between messages are normal
        self.discarded += len(junk)
        self._drops.append((len(junk), reason))
        return True


def parse_message(message: bytes) -> Notification:
    """Parse one message from :class:`NotifySplitter`; raises TagListError if it is not one."""
    return parse_notification(message.decode("latin-1"))


@dataclass
class _Conn:
    """One connection from the reader."""

    sock: socket.socket
    splitter: NotifySplitter = field(default_factory=NotifySplitter)
    last_data: float = field(default_factory=time.monotonic)


class NotifyListener:
    """Accept the reader's notification connections in a thread and hand on parsed messages.

    Refused peers, garbage, cut-off and unparsable messages are counted in ``health``
    (frames_rejected / bytes_discarded) and logged once per burst; nothing stops the thread
    but ``stop()``.
    """

    def __init__(self, device: str, listen: tuple[str, int], peers: PeerFilter,
                 on_message: OnMessage, health: DeviceHealth) -> None:
        self.device, self.listen, self.peers = device, listen, peers
        self.on_message, self.health = on_message, health
        # the port the reader is told to call: the configured one, or the kernel's pick once bound (listen port 0)
        self.port: int | None = listen[1] or None
        self.accepted = self.refused = 0  # connections taken / turned away
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._server: socket.socket | None = None
        self._conns: dict[socket.socket, _Conn] = {}
        self._noisy = False  # a burst of rejections is being logged
        self._bind_error: str | None = None

    def start(self) -> None:
        """Try to listen now (so the bound port is known), then serve in a thread."""
        self._stop.clear()
        self._bind()
        self._thread = threading.Thread(target=self._run, name=f"notify-{self.device}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Close every socket and join the thread; ``start()`` may be called again."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=3)
            self._thread = None
        self._close_all()

    def _bind(self) -> bool:
        """Open the listening socket; False (recorded in health) if the address is unusable."""
        host, port = self.listen
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        try:
            # create_server sets SO_REUSEADDR (a restarted driver gets its port back while old connections
            # sit in TIME_WAIT); dual-stack lets "::" take a reader that calls over IPv4 too.
            sock = socket.create_server((host, port), family=family, backlog=MAX_CONNECTIONS,
                                        dualstack_ipv6=family == socket.AF_INET6)
        except OSError as exc:
            error = f"cannot listen for notifications on {host}:{port}: {exc}"
            if self._bind_error != error:  # once, not on every retry (health.last_error is the link's too)
                log.warning("%s: %s", self.device, error)
                self._bind_error = error
            self.health.record_error(error)
            return False
        sock.setblocking(False)
        self._server, self.port = sock, sock.getsockname()[1]
        return True

    def _run(self) -> None:
        self.peers.refresh()  # a slow name lookup here delays no message
        backoff = Backoff(initial_s=0.5, cap_s=10.0)
        while self._server is None and not self._stop.is_set():
            if backoff.wait(self._stop) or self._bind():
                break
        if self._server is None:
            return
        with selectors.DefaultSelector() as sel:
            sel.register(self._server, selectors.EVENT_READ)
            while not self._stop.is_set():
                for key, _ in sel.select(SELECT_S):
                    self._serve(sel, key)
                self._expire_partials(sel, time.monotonic())

    def _serve(self, sel: selectors.BaseSelector, key: selectors.SelectorKey) -> None:
        """Handle one ready socket; a bug here costs that connection, never the listener."""
        conn: _Conn | None = key.data  # None for the listening socket
        try:
            if conn is None:
                self._accept(sel)
            else:
                self._receive(sel, conn)
        except Exception as exc:
            log.exception("%s: notification connection failed", self.device)
            self.health.record_error(f"notification handling failed: {exc}")
            if conn is not None:
                self._hang_up(sel, conn)

    def _accept(self, sel: selectors.BaseSelector) -> None:
        assert self._server is not None
        try:
            sock, addr = self._server.accept()
        except OSError:
            return  # the peer gave up before we got to it
        peer = normalise_ip(str(addr[0]))
        if not self.peers.allows(peer):
            self.refused += 1
            sock.close()
            self._reject(0, f"notification connection from {peer}:{addr[1]} refused (not the reader)")
            return
        if len(self._conns) >= MAX_CONNECTIONS:
            # The reader opens one at a time; stale ones are what piles up, so the oldest goes.
            self._hang_up(sel, min(self._conns.values(), key=lambda c: c.last_data))
        self.accepted += 1
        sock.setblocking(False)
        conn = self._conns[sock] = _Conn(sock)
        sel.register(sock, selectors.EVENT_READ, conn)

    def _receive(self, sel: selectors.BaseSelector, conn: _Conn) -> None:
        try:
            data = conn.sock.recv(RECV_SIZE)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._hang_up(sel, conn)
            return
        conn.last_data = time.monotonic()
        messages = conn.splitter.feed(data)
        self._report(conn.splitter)
        for message in messages:
            self._deliver(message)

    def _report(self, splitter: NotifySplitter) -> None:
        for discarded, reason in splitter.take_drops():
            self._reject(discarded, reason)

    def _deliver(self, message: bytes) -> None:
        try:
            note = parse_message(message)
        except TagListError as exc:
            self._reject(len(message), f"bad notification: {exc}")
            return
        for line in note.rejected:
            self._reject(len(line), f"bad tag line in notification: {line[:40]!r}")
        self.health.frame_ok()
        self._noisy = False
        self.on_message(note, message)

    def _expire_partials(self, sel: selectors.BaseSelector, now: float) -> None:
        for conn in list(self._conns.values()):
            if conn.splitter.in_message and now - conn.last_data > PARTIAL_TIMEOUT_S:
                self._hang_up(sel, conn)

    def _hang_up(self, sel: selectors.BaseSelector, conn: _Conn) -> None:
        self._conns.pop(conn.sock, None)
        with contextlib.suppress(KeyError, ValueError):
            sel.unregister(conn.sock)
        conn.sock.close()
        conn.splitter.close()
        self._report(conn.splitter)

    def _reject(self, discarded: int, reason: str) -> None:
        self.health.frame_rejected(discarded, reason)
        if not self._noisy:  # once per burst: a flood of garbage must not flood the log
            log.warning("%s: %s (further rejections logged after the next good message)",
                        self.device, reason)
            self._noisy = True

    def _close_all(self) -> None:
        for conn in list(self._conns.values()):
            conn.sock.close()
        self._conns.clear()
        if self._server is not None:
            self._server.close()
            self._server = None
