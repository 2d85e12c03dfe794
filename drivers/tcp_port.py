"""A TCP client with the small part of pyserial's interface that SerialLink uses.

pyserial's ``socket://`` handler flushes its input right after connecting, so a banner
the device sends at once (the Alien reader's ``Username>`` prompt) is sometimes lost.
This port keeps every byte from the first one on.
"""

from __future__ import annotations

import contextlib
import socket
from urllib.parse import urlsplit

import serial

CONNECT_TIMEOUT_S = 3.0
RECV_SIZE = 65536


def parse_tcp_url(url: str) -> tuple[str, int]:
    """(host, port) of ``tcp://host:port`` or ``socket://host:port``; ValueError otherwise."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("tcp", "socket") or not parts.hostname or parts.port is None:
        raise ValueError(f"expected tcp://host:port, got {url!r}")
    return parts.hostname, parts.port


def parse_host_port(text: str) -> tuple[str, int]:
    """``host:port`` or ``[v6]:port`` -> (host, port); ValueError naming what is wrong."""
    host, sep, port = text.strip().rpartition(":")
    host = host.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    host = "0.0.0.0" if host == "*" else host  # "*:4000" reads naturally but cannot be bound
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise ValueError(f"expected host:port, got {text!r}")
    return host, int(port)


def is_wildcard(host: str) -> bool:
    """True for the any-address hosts (0.0.0.0, ::) that cannot be told to a reader."""
    return host in ("0.0.0.0", "::")


class TcpPort:
    """Connected TCP stream: ``read`` waits up to ``timeout`` and returns what has arrived."""

    def __init__(self, url: str, timeout: float) -> None:
        host, port = parse_tcp_url(url)
        self._sock = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # Keepalive lets the kernel notice a reader that vanished without closing.
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        self._sock.settimeout(timeout)

    @property
    def in_waiting(self) -> int:
        """Always 0: ``read`` already returns everything that is buffered."""
        return 0

    def read(self, size: int = 1) -> bytes:
        """Up to max(size, 64 KiB) bytes; b'' on timeout; SerialException once the peer closed."""
        try:
            data = self._sock.recv(max(size, RECV_SIZE))
        except TimeoutError:
            return b""
        if not data:
            raise serial.SerialException("connection closed by the device")
        return data

    @property
    def local_host(self) -> str:
        """Our address on this connection (an address the device can reach us at)."""
        return str(self._sock.getsockname()[0])

    def write(self, data: bytes) -> None:
        """Send all bytes (OSError when the connection is gone)."""
        self._sock.sendall(data)

    def close(self) -> None:
        """Close the connection."""
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
