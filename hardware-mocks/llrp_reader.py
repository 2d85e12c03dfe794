"""Mock LLRP reader on a loopback TCP port (LLRP 1.0.1, protocols.md §1.2), with injectable faults.

On each connection it sends a READER_EVENT_NOTIFICATION (ConnectionAttemptEvent: success, or
"a client connection already exists" when one is open) and answers SET_READER_CONFIG,
ADD/DELETE/ENABLE/START/STOP/DISABLE_ROSPEC and CLOSE_CONNECTION. While a ROSpec is active a
tag entering the field is reported at once and every tag in view again each ``reread_s``,
in RO_ACCESS_REPORTs shaped by the ROSpec's TagReportContentSelector; KEEPALIVEs go out at
the period SET_READER_CONFIG asked for. Faults (``inject``): drop, reboot (alias reset),
malformed_tlv, truncated, flood, refuse_rospec, keepalive_stop; see FAULTS.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import threading
import time

from garita.hardware_mocks.llrp_field import LlrpField, utc_us
from garita.hardware_mocks.llrp_rospec import ACTIVE, DISABLED, INACTIVE, RoSpec, parse_add_rospec, parse_reader_config
from garita.hardware_mocks.llrp_wire import (
    HEADER_BYTES,
    M_FIELD_ERROR,
    M_PARAMETER_ERROR,
    M_UNSUPPORTED_MESSAGE,
    M_UNSUPPORTED_VERSION,
    MSG,
    P,
    Tlv,
    WireError,
    header,
    message,
    reader_event,
    ro_access_report,
    status,
)
from garita.hardware_mocks.tcp_line_server import loopback_listener

log = logging.getLogger(__name__)
FAULTS = {
    "drop": "close the connection at once, without a word",
    "reboot": "say ConnectionCloseEvent, close, refuse connections for reboot_s, forget every setting",
    "reset": "the same as reboot",
    "malformed_tlv": "the next RO_ACCESS_REPORT carries a TagReportData whose length overruns the message",
    "truncated": "send half of an RO_ACCESS_REPORT, then close the connection",
    "flood": "send flood_count RO_ACCESS_REPORTs of the tags in view back to back",
    "refuse_rospec": "refuse the next `refusals` ADD_ROSPECs, and drop the connection so one is sent",
    "keepalive_stop": "the connection goes silent (no keepalives, no reports) until the host leaves",
}
_ROSPEC_STATE = {"ENABLE_ROSPEC": (DISABLED, INACTIVE), "DISABLE_ROSPEC": (None, DISABLED),
                 "START_ROSPEC": (INACTIVE, ACTIVE), "STOP_ROSPEC": (ACTIVE, INACTIVE)}
_NAMES = {v: k for k, v in MSG.items()}


class _Conn:
    """One host connection: a socket with a send lock, and whether it has gone silent."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock, self.lock, self.silent = sock, threading.Lock(), False

    def send(self, data: bytes) -> bool:
        with self.lock:
            try:
                self.sock.sendall(data)
                return True
            except OSError:
                return False

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


class LlrpReaderMock:
    """An LLRP reader listening on 127.0.0.1 (``port`` 0 picks one and keeps it across restarts)."""

    def __init__(self, name: str = "llrp-1", port: int = 0, reread_s: float = 0.25, reboot_s: float = 0.5,
                 flood_count: int = 2000, refusals: int = 2) -> None:
        self.name, self.port, self.reread_s, self.reboot_s = name, port, reread_s, reboot_s
        self.flood_count, self.refusals = flood_count, refusals
        self.field = LlrpField()
        self.rospecs: dict[int, RoSpec] = {}
        self.keepalive_ms = 0
        self.counts = {"connections": 0, "refused_connections": 0, "reports": 0, "keepalives": 0,
                       "keepalive_acks": 0, "refused_rospecs": 0, "errors_sent": 0, "faults": 0}
        self._lock = threading.Lock()
        self._conn: _Conn | None = None
        self._listener: socket.socket | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._next_id = 1000
        self._refuse_left = 0
        self._malformed_next = False
        self._reboot_timer: threading.Timer | None = None

    @property
    def endpoint(self) -> str:
        """Where the host connects."""
        return f"tcp://127.0.0.1:{self.port}"

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        """Listen and start the keepalive/re-read ticker."""
        self._stop.clear()
        listener = loopback_listener(self.port, 0.05)
        self.port, self._listener = listener.getsockname()[1], listener
        self._spawn(self._accept_loop, "llrp-accept")
        self._spawn(self._ticker, "llrp-ticker")

    def stop(self) -> None:
        """Close the listener and the connection; join the threads (a pending reboot is called off)."""
        with self._lock:
            timer, self._reboot_timer = self._reboot_timer, None
        if timer is not None:
            timer.cancel()
        self._shutdown()

    def _shutdown(self) -> None:
        self._stop.set()
        with self._lock:
            listener, self._listener, conn, self._conn = self._listener, None, self._conn, None
            threads, self._threads = self._threads, []
        if listener is not None:
            listener.close()
        if conn is not None:
            conn.close()
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(timeout=2.0)

    unplug = stop

    def replug(self) -> None:
        """Come back on the same port."""
        self.start()

    def _spawn(self, target, name: str, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name=f"{name}-{self.name}", daemon=True)
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    # --- the field -----------------------------------------------------------------------

    def put_tag(self, epc: str, antenna: int = 1) -> None:
        """A tag comes into view on ``antenna`` (1-based); an active ROSpec reports it at once."""
        if self.field.put(epc, antenna):
            self._report(only="".join(epc.split()).upper())

    def remove_tag(self, epc: str) -> None:
        """A tag leaves the field."""
        self.field.remove(epc)

    def clear(self) -> None:
        """Empty the field."""
        self.field.clear()

    # --- connections ---------------------------------------------------------------------

    def _accept_loop(self) -> None:
        listener = self._listener
        while listener is not None and not self._stop.is_set():
            try:
                sock, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._admit(_Conn(sock))

    def _admit(self, conn: _Conn) -> None:
        with self._lock:
            busy = self._conn is not None
            if not busy:
                self._conn = conn
                self.counts["connections"] += 1
            else:
                self.counts["refused_connections"] += 1
        code = 2 if busy else 0  # 2: failed, a client-initiated connection already exists
        conn.send(self._event(Tlv(P["ConnectionAttemptEvent"], struct.pack(">H", code))))
        if busy:
            conn.close()
            return
        self._spawn(self._serve, "llrp-conn", conn)

    def _event(self, event: Tlv) -> bytes:
        return message(MSG["READER_EVENT_NOTIFICATION"], self._take_id(), reader_event(utc_us(), event))

    def _take_id(self) -> int:
        with self._lock:
            self._next_id += 1
            return self._next_id

    def _serve(self, conn: _Conn) -> None:
        buffer: bytes | None = b""
        try:
            conn.sock.settimeout(0.05)  # inside the try: a reboot may have closed it already
            while not self._stop.is_set():
                try:
                    chunk = conn.sock.recv(65536)
                except TimeoutError:
                    continue
                if not chunk:
                    break
                buffer = self._take_messages(conn, (buffer or b"") + chunk)
                if buffer is None:
                    break
        except OSError:
            pass
        finally:
            self._forget(conn)

    def _forget(self, conn: _Conn) -> None:
        with self._lock:
            if self._conn is conn:
                self._conn = None
        conn.close()

    def _take_messages(self, conn: _Conn, buffer: bytes) -> bytes | None:
        """Answer every whole message in ``buffer``; the rest, or None to hang up."""
        while len(buffer) >= HEADER_BYTES:
            version, msg_type, length, msg_id = header(buffer)
            if length < HEADER_BYTES or length > 1 << 20:
                return None  # no way to find the next message: a real reader hangs up too
            if len(buffer) < length:
                break
            body, buffer = buffer[HEADER_BYTES:length], buffer[length:]
            reply = self._answer(version, msg_type, msg_id, body)
            if reply is None:
                return None
            if reply and not conn.silent:
                conn.send(reply)
        return buffer

    # --- answers -------------------------------------------------------------------------

    def _answer(self, version: int, msg_type: int, msg_id: int, body: bytes) -> bytes | None:
        """The reply bytes (b"" for none); None closes the connection."""
        if version != 1:
            return self._error(msg_id, M_UNSUPPORTED_VERSION, f"version {version} not supported")
        name = _NAMES.get(msg_type, "")
        if name == "KEEPALIVE_ACK":
            self.counts["keepalive_acks"] += 1
            return b""
        if name == "CLOSE_CONNECTION":
            self._send(message(MSG["CLOSE_CONNECTION_RESPONSE"], msg_id, status()))
            return None
        handler = {"SET_READER_CONFIG": self._set_reader_config, "ADD_ROSPEC": self._add_rospec,
                   "DELETE_ROSPEC": self._delete_rospec}.get(name)
        if handler is None and name not in _ROSPEC_STATE:
            return self._error(msg_id, M_UNSUPPORTED_MESSAGE, f"message type {msg_type} not supported")
        try:
            return handler(msg_id, body) if handler else self._rospec_state(name, msg_id, body)
        except (WireError, struct.error) as exc:
            return self._error(msg_id, M_PARAMETER_ERROR, str(exc))

    def _error(self, msg_id: int, code: int, text: str) -> bytes:
        self.counts["errors_sent"] += 1
        return message(MSG["ERROR_MESSAGE"], msg_id, status(code, text))

    @staticmethod
    def _response(request: str, msg_id: int, code: int = 0, text: str = "") -> bytes:
        return message(MSG[f"{request}_RESPONSE"], msg_id, status(code, text))

    def _set_reader_config(self, msg_id: int, body: bytes) -> bytes:
        reset, keepalive = parse_reader_config(body)
        with self._lock:
            if reset:
                self.rospecs.clear()
                self.keepalive_ms = 0
            if keepalive is not None:
                self.keepalive_ms = keepalive
        return self._response("SET_READER_CONFIG", msg_id)

    def _add_rospec(self, msg_id: int, body: bytes) -> bytes:
        try:
            spec = parse_add_rospec(body)
        except WireError as exc:
            return self._response("ADD_ROSPEC", msg_id, M_PARAMETER_ERROR, str(exc))
        with self._lock:
            if self._refuse_left > 0:
                self._refuse_left -= 1
                self.counts["refused_rospecs"] += 1
                return self._response("ADD_ROSPEC", msg_id, M_FIELD_ERROR, "ROSpec refused (injected fault)")
            if spec.id in self.rospecs:
                return self._response("ADD_ROSPEC", msg_id, M_FIELD_ERROR, f"ROSpec {spec.id} already exists")
            self.rospecs[spec.id] = spec
        return self._response("ADD_ROSPEC", msg_id)

    def _delete_rospec(self, msg_id: int, body: bytes) -> bytes:
        rospec_id = struct.unpack_from(">I", body)[0]
        with self._lock:
            if rospec_id == 0:
                self.rospecs.clear()
            elif self.rospecs.pop(rospec_id, None) is None:
                return self._response("DELETE_ROSPEC", msg_id, M_FIELD_ERROR, f"no ROSpec {rospec_id}")
        return self._response("DELETE_ROSPEC", msg_id)

    def _rospec_state(self, name: str, msg_id: int, body: bytes) -> bytes:
        """ENABLE/DISABLE/START/STOP_ROSPEC: move one ROSpec (0 = all, for enable/disable) along."""
        rospec_id = struct.unpack_from(">I", body)[0]
        need, becomes = _ROSPEC_STATE[name]
        with self._lock:
            specs = list(self.rospecs.values()) if rospec_id == 0 else [self.rospecs.get(rospec_id)]
            if not specs or None in specs or (need is not None and any(s.state != need for s in specs)):
                return self._response(name, msg_id, M_FIELD_ERROR, f"ROSpec {rospec_id} cannot {name.lower()}")
            for spec in specs:
                spec.state = becomes
        if name == "START_ROSPEC":
            self._later(self._report)  # tags already in view are read by the first round
        return self._response(name, msg_id)

    # --- reports and keepalives ------------------------------------------------------------

    def _send(self, data: bytes) -> bool:
        with self._lock:
            conn = self._conn
        return conn is not None and not conn.silent and conn.send(data)

    def _later(self, action) -> None:
        threading.Timer(0.0, action).start()

    def _active(self) -> RoSpec | None:
        with self._lock:
            return next((s for s in self.rospecs.values() if s.state == ACTIVE), None)

    def _report(self, only: str | None = None) -> None:
        """One inventory round (or one tag's first read) sent as RO_ACCESS_REPORTs."""
        spec = self._active()
        if spec is None or self._conn is None:
            return
        tags = self.field.read(spec.antennas, spec.selector, only)
        step = spec.report_n or len(tags) or 1
        for i in range(0, len(tags), step):
            data = ro_access_report(self._take_id(), tags[i : i + step])
            if self._malformed_next:
                self._malformed_next = False
                data = _overrun_first_parameter(data)
            if self._send(data):
                self.counts["reports"] += 1

    def _ticker(self) -> None:
        next_read = next_keepalive = time.monotonic()
        while not self._stop.wait(0.02):
            now = time.monotonic()
            if now >= next_read:
                next_read = now + self.reread_s
                self._report()
            period = self.keepalive_ms / 1000
            if period and now >= next_keepalive:
                next_keepalive = now + period
                if self._send(message(MSG["KEEPALIVE"], self._take_id())):
                    self.counts["keepalives"] += 1
            elif not period:
                next_keepalive = now

    # --- faults ----------------------------------------------------------------------------

    def inject(self, fault: str) -> None:
        """Inject one fault now (see FAULTS)."""
        if fault not in FAULTS:
            raise ValueError(f"unknown LLRP fault {fault!r} (known: {', '.join(FAULTS)})")
        self.counts["faults"] += 1
        log.info("%s: fault %s", self.name, fault)
        action = {"drop": self._drop, "reboot": self._reboot, "reset": self._reboot, "flood": self._flood,
                  "truncated": self._truncated, "refuse_rospec": self._refuse,
                  "keepalive_stop": self._go_silent, "malformed_tlv": self._malformed}[fault]
        action()

    def _drop(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def _reboot(self) -> None:
        self._send(self._event(Tlv(P["ConnectionCloseEvent"])))
        self._shutdown()
        timer = threading.Timer(self.reboot_s, self._boot)
        timer.daemon = True
        with self._lock:
            self.rospecs.clear()
            self.keepalive_ms = 0
            self._reboot_timer = timer
        timer.start()

    def _boot(self) -> None:
        with self._lock:
            if self._reboot_timer is None:
                return  # stopped while rebooting
            self._reboot_timer = None
        self.start()

    def _flood(self) -> None:
        spec = self._active()
        for _ in range(self.flood_count if spec else 0):
            tags = self.field.read(spec.antennas, spec.selector)
            if not tags or not self._send(ro_access_report(self._take_id(), tags)):
                return
            self.counts["reports"] += 1

    def _truncated(self) -> None:
        spec = self._active()
        tags = self.field.read(spec.antennas, spec.selector) if spec else []
        data = ro_access_report(self._take_id(), tags or [])
        self._send(data[: max(HEADER_BYTES + 1, len(data) // 2)])
        self._drop()

    def _refuse(self) -> None:
        with self._lock:
            self._refuse_left = self.refusals
        self._drop()

    def _go_silent(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.silent = True

    def _malformed(self) -> None:
        self._malformed_next = True


def _overrun_first_parameter(data: bytes) -> bytes:
    """Make the first parameter claim more bytes than the message holds (the header stays right)."""
    if len(data) < HEADER_BYTES + 4:
        return data
    length = struct.unpack_from(">H", data, HEADER_BYTES + 2)[0]
    return data[: HEADER_BYTES + 2] + struct.pack(">H", length + 40) + data[HEADER_BYTES + 4 :]
