"""Outbound notification delivery of a networked mock Alien reader (``NotifyAddress = host:port``).

A real ALR-9800-family reader in notify mode opens a TCP connection to the notify address,
sends one message and closes it (some firmware keeps it open for the next message). If
nobody listens it keeps the message and tries again later. The connection comes from the
reader's own IP address, so this sender binds its source to ``IPAddress`` when it can
(any 127.x.y.z works on Linux loopback, which lets tests play a reader on another host).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import select
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 1.0
MAX_QUEUED = 256  # a reader's buffer is finite too: beyond this the oldest message is lost


@dataclass
class NotifyFaults:
    """Faults applied to the next messages sent; change the fields at run time."""

    garbage: bytes = b""  # sent on the connection just before the message
    cut_at: int | None = None  # send only this many bytes of the message, then hang up
    remaining: int | None = None  # messages left before auto-clear; None = until changed


def split_address(address: str) -> tuple[str, int]:
    """``host:port`` -> (host, port); ValueError if it is not one."""
    host, sep, port = address.strip().rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"NotifyAddress must be serial or host:port, got {address!r}")
    return host.strip("[]"), int(port)


def _still_open(sock: socket.socket) -> bool:
    """False if the host has closed a kept-open connection (a send would vanish into it)."""
    if not select.select([sock], [], [], 0)[0]:
        return True
    try:
        return sock.recv(1, socket.MSG_PEEK) != b""
    except OSError:
        return False


class NotifySender:
    """Delivers queued messages in order from one thread, retrying while the host is away."""

    def __init__(self, source_ip: Callable[[], str], keep_open: bool = False,
                 retry_s: float = 0.25) -> None:
        """``source_ip`` gives the reader's current IPAddress; ``keep_open`` reuses one connection."""
        self.source_ip, self.keep_open, self.retry_s = source_ip, keep_open, retry_s
        self.faults = NotifyFaults()
        self.delivered = 0  # messages sent whole
        self.failures = 0  # connection attempts or sends that failed
        self._queue: queue.Queue[tuple[tuple[str, int], bytes]] = queue.Queue(MAX_QUEUED)
        self._stop = threading.Event()
        self._stop.set()  # stopped until start()
        self._thread: threading.Thread | None = None
        self._thread_lock = threading.Lock()
        self._conn: tuple[tuple[str, int], socket.socket] | None = None

    def start(self) -> None:
        """Accept messages; the delivery thread starts with the first one (most mock readers never notify)."""
        self._stop.clear()
        if not self._queue.empty():
            self._ensure_thread()

    def stop(self) -> None:
        """Stop delivering (queued messages are lost, as in a power cut) and join the thread."""
        self._stop.set()
        with self._thread_lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=3)
        self._hang_up()
        while self._discard_oldest():
            pass

    def send(self, address: str, message: bytes) -> None:
        """Queue one message for ``address`` (host:port; ValueError if it is not one)."""
        target = split_address(address)
        self._ensure_thread()
        while True:
            try:
                self._queue.put_nowait((target, message))
                return
            except queue.Full:
                if self._discard_oldest():
                    log.warning("mock reader: notification queue full, oldest message lost")

    def _discard_oldest(self) -> bool:
        """Drop the oldest queued message (False if none); it counts as done, or idle() would never be True."""
        try:
            self._queue.get_nowait()
        except queue.Empty:
            return False
        self._queue.task_done()
        return True

    def _ensure_thread(self) -> None:
        with self._thread_lock:
            if self._thread is None and not self._stop.is_set():
                self._thread = threading.Thread(target=self._run, name="alien-notify-out", daemon=True)
                self._thread.start()

    def idle(self) -> bool:
        """True when nothing is waiting to be sent."""
        return self._queue.unfinished_tasks == 0

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                target, message = self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
            while not self._stop.is_set() and not self._deliver(target, message):
                self._stop.wait(self.retry_s)
            self._queue.task_done()

    def _deliver(self, target: tuple[str, int], message: bytes) -> bool:
        """One attempt; True once the message is gone (sent, or cut off by a fault)."""
        garbage, cut_at = self._take_faults()
        try:
            sock = self._connection(target)
            sock.sendall(garbage + message[:cut_at])
        except OSError as exc:
            self.failures += 1
            log.info("mock reader: notification to %s:%d failed (%s); retrying", *target, exc)
            self._hang_up()
            return False
        if cut_at is not None or not self.keep_open:
            self._hang_up()
        if cut_at is None:
            self.delivered += 1
        return True

    def _take_faults(self) -> tuple[bytes, int | None]:
        faults = self.faults
        if faults.remaining is not None:
            faults.remaining -= 1
            if faults.remaining <= 0:
                self.faults = NotifyFaults()
        return faults.garbage, faults.cut_at

    def _connection(self, target: tuple[str, int]) -> socket.socket:
        if self._conn is not None and self._conn[0] == target and _still_open(self._conn[1]):
            return self._conn[1]
        self._hang_up()
        sock = socket.socket(socket.AF_INET6 if ":" in target[0] else socket.AF_INET, socket.SOCK_STREAM)
        sock.settimeout(CONNECT_TIMEOUT_S)
        with contextlib.suppress(OSError):
            sock.bind((self.source_ip(), 0))  # not an address of this machine: the kernel picks
        try:
            sock.connect(target)
        except OSError:
            sock.close()
            raise
        self._conn = (target, sock)
        return sock

    def _hang_up(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn[1].shutdown(socket.SHUT_RDWR)
            conn[1].close()
