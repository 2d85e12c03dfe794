"""One LLRP connection's conversation: configure the reader, start inventory, watch keepalives.

Order after the reader's ConnectionAttemptEvent: SET_READER_CONFIG (factory reset and
keepalive period), DELETE_ROSPEC 0, ADD_ROSPEC, ENABLE_ROSPEC, START_ROSPEC, one at a time,
each waiting for its answer. A refusal, a silent reader or a reader that says it is closing
raises ``ReaderDown``, which the link turns into a reconnect with backoff.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import serial

from garita.drivers import llrp_messages as m
from garita.drivers.llrp_codec import LlrpError, Message

Write = Callable[[bytes], None]


class ReaderDown(serial.SerialException):
    """The connection must be restarted; the text says why (it becomes the health's last_error)."""

    def __init__(self, cause: str, text: str) -> None:
        super().__init__(text)
        self.cause = cause  # a short key the driver counts: refused, silent, closing, ...


@dataclass(frozen=True)
class Timing:
    """Seconds the session waits for the reader."""

    keepalive_s: float
    keepalive_timeout_s: float
    response_timeout_s: float


class LlrpSession:
    """The state of one connection; fed messages and ticks by the driver."""

    def __init__(self, settings: m.InventorySettings, timing: Timing, write: Write, now: float) -> None:
        self.settings, self.timing, self._write = settings, timing, write
        self._steps = [m.SET_READER_CONFIG, m.DELETE_ROSPEC, m.ADD_ROSPEC, m.ENABLE_ROSPEC, m.START_ROSPEC]
        self._waiting: tuple[int, int] | None = None  # (message type, message id) awaiting an answer
        self._deadline = now + timing.response_timeout_s
        self._last_rx = now
        self._next_id = 1
        self.inventorying = False

    def _send(self, msg_type: int, now: float) -> None:
        msg_id, self._next_id = self._next_id, self._next_id + 1
        s = self.settings
        if msg_type == m.SET_READER_CONFIG:
            data = m.set_reader_config(msg_id, max(1, round(self.timing.keepalive_s * 1000)))
        elif msg_type == m.ADD_ROSPEC:
            data = m.add_rospec(msg_id, s)
        else:
            data = m.rospec_id_message(msg_type, msg_id, 0 if msg_type == m.DELETE_ROSPEC else s.rospec_id)
        self._waiting, self._deadline = (msg_type, msg_id), now + self.timing.response_timeout_s
        self._write(data)

    def _next_step(self, now: float) -> None:
        if self._steps:
            self._send(self._steps.pop(0), now)
        else:
            self._waiting, self.inventorying = None, True

    def on_message(self, msg: Message, now: float) -> list[m.TagReport]:
        """Act on one message; returns the tag reports it carried."""
        self._last_rx = now
        if msg.type == m.RO_ACCESS_REPORT:
            return m.parse_ro_access_report(msg.body)
        if msg.type == m.KEEPALIVE:
            self._write(m.keepalive_ack(msg.id))
        elif msg.type == m.READER_EVENT_NOTIFICATION:
            self._on_event(m.parse_reader_event(msg.body), now)
        elif msg.type == m.ERROR_MESSAGE:
            text = f"reader sent ERROR_MESSAGE: {self._status_text(m.parse_status(msg.body))}"
            if not self.inventorying:  # the configuration step failed
                raise ReaderDown("error_message", text)
            raise LlrpError(text)
        elif self._waiting and msg.type == m.RESPONSE_TO[self._waiting[0]]:
            self._on_response(msg, now)
        return []

    def _on_event(self, event: m.ReaderEvent, now: float) -> None:
        if event.connection_status is not None:
            if event.connection_status != 0:
                raise ReaderDown("connection_refused", f"reader refused the connection (ConnectionAttemptEvent status "
                                 f"{event.connection_status}: another client is connected?)")
            if self._waiting is None and not self.inventorying:
                self._next_step(now)
        if event.closing:
            raise ReaderDown("reader_closing", "reader is closing the connection (ConnectionCloseEvent: reboot?)")
        if event.exception:
            raise ReaderDown("reader_exception", f"reader exception: {event.exception[:120]}")

    def _on_response(self, msg: Message, now: float) -> None:
        assert self._waiting is not None
        status = m.parse_status(msg.body)
        if not status.ok:
            raise ReaderDown("refused", f"reader refused {m.NAMES[self._waiting[0]]}: {self._status_text(status)}")
        self._next_step(now)

    @staticmethod
    def _status_text(status: m.Status) -> str:
        return f"status {status.code}" + (f" ({status.description[:120]})" if status.description else "")

    def on_tick(self, now: float) -> None:
        """Timeouts: the answer to a configuration message, and the keepalive watchdog."""
        if not self.inventorying and now > self._deadline:
            if self._waiting is None:  # no ConnectionAttemptEvent: some readers skip it; go on anyway
                self._next_step(now)
                return
            wait = self.timing.response_timeout_s
            raise ReaderDown("no_answer", f"no answer to {m.NAMES[self._waiting[0]]} within {wait:g} s")
        if self.inventorying and now - self._last_rx > self.timing.keepalive_timeout_s:
            raise ReaderDown("silent", f"reader silent for {now - self._last_rx:.1f} s (no KEEPALIVE)")
