"""Alien Reader Protocol driver: polls TagList and listens for auto-notifications."""

from __future__ import annotations

import re
import threading
import time

from garita.drivers.alien_login import AlienLogin
from garita.drivers.alien_notify_config import allowed_peer, notify_address, setup_commands
from garita.drivers.alien_notify_listener import NotifyListener, PeerFilter
from garita.drivers.alien_options import AlienOptions
from garita.drivers.driver_options import OptionsInput
from garita.drivers.events import DeviceHealth, DeviceRead, Emit
from garita.drivers.framing import AnyByteFramer
from garita.drivers.rfid_taglist import (
    NO_TAGS,
    Notification,
    TagListError,
    TagRead,
    is_tag_line,
    parse_tag_line,
    parse_xml,
)
from garita.drivers.serial_link import SerialLink, is_network
from garita.drivers.tag_presence import TagPresence
from garita.drivers.tcp_port import parse_host_port

POLL_COMMAND = b"\x01get TagList\r\n"
REPLY_TIMEOUT_S = 1.0
_SETTING_REPLY = re.compile(r"^\s*[\w.]+\s*=")


class AlienReader:
    """Alien ALR reader on a serial port or a TCP command port (tcp://host:port).

    Options: baudrate (115200), mode ("poll" | "notify"), poll_interval_s (0.3),
    forget_after_s (3.0), login ("auto": on TCP only | "on" | "off"), username ("alien"),
    password ("password"), login_timeout_s (5.0), notify_setup (true: notify mode sets
    NotifyFormat/NotifyTrigger and turns AutoMode and NotifyMode on), notify_refresh_s (30.0:
    notify mode re-sends that setup, which also restores it after a reader reset and probes
    an idle TCP connection), notify_format ("Text" | "Terse" | "XML"), notify_trigger (""
    leaves the reader's; "Add", "Remove", "Change", "True", "False", "TrueFalse").

    Notify delivery over TCP (a networked reader connects to us): notify_listen
    ("host:port" to accept on, e.g. "0.0.0.0:4000"; "" = notifications on the command link),
    notify_address ("host:port" told to the reader; "" = our end of the command connection
    and the listening port), notify_allow_from ("" = the reader's host from the port URL;
    a host or IP; "*" = anyone). See drivers/alien_options.py and alien_notify_config.py.
    """

    def __init__(self, name: str, port: str, options: OptionsInput = None) -> None:
        opts = AlienOptions.parse(name, options)
        problem = opts.port_problem(port)
        if problem:
            raise ValueError(f"device {name!r}: option {problem[0]!r}: {problem[1]}")
        self.name, self.port, self.options = name, port, opts
        self._needs_login = opts.login == "on" or (opts.login == "auto" and is_network(port))
        self._login: AlienLogin | None = None
        self.health = DeviceHealth()
        self._presence = TagPresence(opts.forget_after_s)
        self._presence_lock = threading.Lock()  # the notify listener reports from its own thread
        self._link = SerialLink(port, self.health, baudrate=opts.baudrate)
        self._framer = AnyByteFramer()
        self._xml: list[str] | None = None
        self._emit: Emit = lambda read: None
        self._next_poll = 0.0
        self._next_setup = 0.0
        self._awaiting_since: float | None = None
        self.listener = self._make_listener()

    def _make_listener(self) -> NotifyListener | None:
        """The TCP notify listener, if notify_listen is set."""
        if not self.options.notify_listen:
            return None
        peers = PeerFilter(allowed_peer(self.options, self.port))
        listen = parse_host_port(self.options.notify_listen)
        return NotifyListener(self.name, listen, peers, self._on_notification, self.health)

    def run(self, emit: Emit, stop: threading.Event) -> None:
        """Poll/listen until stop is set; never raises for I/O trouble."""
        self._emit = emit
        if self.listener is not None:
            self.listener.start()
        try:
            self._link.run(stop, self._on_bytes, on_connect=self._on_connect, on_tick=self._on_tick)
        finally:
            if self.listener is not None:
                self.listener.stop()

    def _on_connect(self) -> None:
        now = time.monotonic()
        self._framer = AnyByteFramer()
        self._xml, self._awaiting_since, self._next_poll = None, None, 0.0
        self._next_setup = 0.0
        with self._presence_lock:
            self._presence.refresh_all(now)
        self._login = None
        if self._needs_login:
            opts = self.options
            self._login = AlienLogin(opts.username, opts.password, now + opts.login_timeout_s)

    def _on_tick(self) -> None:
        now = time.monotonic()
        with self._presence_lock:
            self._presence.expire(now)
            left = self._presence.take_departures()
        for sighting in left:  # a tag leaving the field is the lane's departure signal
            self._emit(DeviceRead(self.name, "presence", "left", {
                "epc": sighting.epc, "last_seen": sighting.last_seen.isoformat(), "source": "rfid"}))
        if self._login is not None and not self._login.done:
            self._login.check_timeout(now)
            return  # no commands until the reader has let us in
        if self.options.mode == "notify":
            self._keep_notify_on(now)
            return
        if now < self._next_poll:
            return
        # Do not pile commands onto a reader that has not answered yet.
        if self._awaiting_since is not None and now - self._awaiting_since < REPLY_TIMEOUT_S:
            return
        self._link.write(POLL_COMMAND)
        self._awaiting_since, self._next_poll = now, now + self.options.poll_interval_s

    def _keep_notify_on(self, now: float) -> None:
        if not self.options.notify_setup or now < self._next_setup:
            return
        address = None  # no listener: notifications come over the command link
        if self.listener is not None:
            address = notify_address(self.options, self.listener.port, self._link.local_host())
            if address is None:
                return  # listening on port 0 and not bound yet: there is no port to tell the reader
        for command in setup_commands(self.options, address):
            self._link.write(command)
        self._next_setup = now + self.options.notify_refresh_s

    def _on_notification(self, note: Notification, raw: bytes) -> None:
        """A message delivered to the TCP listener: its tags go the same way as polled ones."""
        for tag in note.tags:
            self._seen(tag, raw)

    def _on_bytes(self, data: bytes) -> None:
        if self._login is not None and not self._login.done:
            reply, data = self._login.feed(data)
            if reply:
                self._link.write(reply)
            if not data:
                return
        before = self._framer.discarded
        for frame in self._framer.feed(data):
            self._on_frame(frame)
        if self._framer.discarded > before:
            self.health.frame_rejected(self._framer.discarded - before, "over-long line dropped")

    def _on_frame(self, frame: bytes) -> None:
        if frame.endswith(b"\x00"):
            self._awaiting_since = None  # reply complete: next poll may go out
        text = frame.rstrip(b"\r\n\x00").decode("latin-1").lstrip("\x00")
        if self._xml is not None or "<alien-rfid-tag-list" in text.lower():
            self._on_xml_line(text, frame)
        elif not text.strip() or text.strip() == NO_TAGS or text.startswith("#"):
            return  # empty list, or a notification header/footer line
        elif "error" in text.lower():
            self.health.frame_rejected(error=f"reader says: {text.strip()[:80]}")
        elif is_tag_line(text):
            self._on_tag_line(text, frame)
        elif not _SETTING_REPLY.match(text):
            self.health.frame_rejected(len(frame), f"unrecognised line: {text[:40]!r}")

    def _on_tag_line(self, text: str, raw: bytes) -> None:
        try:
            tag = parse_tag_line(text)
        except TagListError as exc:
            self.health.frame_rejected(len(raw), str(exc))
            return
        self.health.frame_ok()
        self._seen(tag, raw)

    def _on_xml_line(self, text: str, raw: bytes) -> None:
        self._xml = [*(self._xml or []), text]
        if "</alien-rfid-tag-list>" not in text.lower():
            if sum(len(x) for x in self._xml) > 65536:
                self.health.frame_rejected(error="XML tag list too long")
                self._xml = None
            return
        doc, self._xml = "\n".join(self._xml), None
        try:
            tags = parse_xml(doc)
        except TagListError as exc:
            self.health.frame_rejected(len(doc), str(exc))
            return
        self.health.frame_ok()
        for tag in tags:
            self._seen(tag, doc.encode("latin-1"))

    def _seen(self, tag: TagRead, raw: bytes) -> None:
        with self._presence_lock:  # the sighting is read here too: the other thread may update it
            sighting, new = self._presence.seen(tag.epc, time.monotonic())
            if not new:
                return
            data = {
                "epc": tag.epc, "antenna": tag.antenna,
                "count": tag.count if tag.count is not None else sighting.reads,
                "first_seen": sighting.first_seen.isoformat(),
                "last_seen": sighting.last_seen.isoformat(),
                "format": tag.format, "reader_discovered": tag.discovered,
                "reader_last_seen": tag.last_seen, "protocol": tag.protocol,
            }
        self._emit(DeviceRead(self.name, "rfid", tag.epc, data, raw=raw))
