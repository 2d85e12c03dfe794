"""A loopback TCP command port with a telnet-style login, for network-attached mock readers.

Login exchange (any credentials accepted): the server sends a banner ending ``Username>``
and a NUL, reads one line, sends ``Password>`` and a NUL, reads one line, then sends the
``welcome`` bytes. After that every received line goes to the line handler, whose reply
bytes are sent back on the same connection.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable, Iterator

log = logging.getLogger(__name__)

LineReply = Callable[[bytes], bytes]

BANNER = b"*" * 40 + b"\r\n  Mock RFID Reader\r\n" + b"*" * 40 + b"\r\nUsername>\x00"
PASSWORD_PROMPT = b"Password>\x00"



def loopback_listener(port: int, timeout_s: float) -> socket.socket:
    """A listening socket on 127.0.0.1 (port 0: any free one; reused at once after a stop)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(4)
    listener.settimeout(timeout_s)
    return listener

class TcpLineServer:
    """Line-oriented TCP server on 127.0.0.1 with login; one thread per client."""

    def __init__(self, on_line: LineReply, welcome: bytes = b"", port: int = 0) -> None:
        """Prepare the server; ``port`` 0 picks an ephemeral port on ``start()``."""
        self.on_line = on_line
        self.welcome = welcome
        self.port = port
        self._listener: socket.socket | None = None
        self._clients: dict[socket.socket, bool] = {}  # socket -> logged in
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()

    @property
    def url(self) -> str:
        """pyserial-style URL of the command port."""
        return f"socket://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Listen (on the same port again after a ``stop()``) and accept clients."""
        self._stop.clear()
        listener = loopback_listener(self.port, 0.1)  # the timeout lets the accept loop notice stop()
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._spawn(self._accept_loop, "tcp-accept")

    def _spawn(self, target: Callable[..., None], name: str, *args: object) -> None:
        """Start and remember a worker thread so ``stop()`` can join it."""
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _accept_loop(self) -> None:
        """Accept clients until stopped."""
        listener = self._listener
        while listener is not None and not self._stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(0.1)
            with self._lock:
                self._clients[conn] = False
            self._spawn(self._serve, "tcp-client", conn)

    def _serve(self, conn: socket.socket) -> None:
        """Run the login exchange, then answer command lines."""
        try:
            conn.sendall(BANNER)
            stage = 0  # 0: waiting for user name, 1: password, 2: logged in
            for line in self._lines(conn):
                if stage == 0:
                    conn.sendall(PASSWORD_PROMPT)
                elif stage == 1:
                    conn.sendall(self.welcome)
                    with self._lock:
                        self._clients[conn] = True
                else:
                    conn.sendall(self.on_line(line))
                stage = min(stage + 1, 2)
        except OSError:
            pass  # client went away or we were stopped
        finally:
            with self._lock:
                self._clients.pop(conn, None)
            conn.close()

    def _lines(self, conn: socket.socket) -> Iterator[bytes]:
        """Yield CR LF / LF terminated lines from the connection until it closes."""
        buffer = b""
        while not self._stop.is_set():
            try:
                chunk = conn.recv(4096)
            except TimeoutError:
                continue
            if not chunk:
                return
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                yield line.rstrip(b"\r")

    def broadcast(self, data: bytes) -> None:
        """Send unsolicited bytes (notifications) to every logged-in client."""
        with self._lock:
            clients = [c for c, ok in self._clients.items() if ok]
        for conn in clients:
            with contextlib.suppress(OSError):
                conn.sendall(data)

    def stop(self) -> None:
        """Close the listener and every client, and join all threads."""
        self._stop.set()
        with self._lock:
            listener, self._listener = self._listener, None
            clients = list(self._clients)
            threads = list(self._threads)
        if listener is not None:
            listener.close()
        for conn in clients:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join(timeout=2.0)
