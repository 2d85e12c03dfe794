"""Mock UHF RFID reader speaking the Alien Reader Protocol (protocols.md §1.1).

Host lines are ``[0x01] command CR LF``. With the 0x01 prefix the reply is the bare text
(lines CR LF) and one NUL. Without it the reader echoes the line, then the reply, then a
CR LF and the ``Alien>`` prompt; this mock also ends that with a NUL so that "read to NUL"
works in both styles. Notifications (NotifyMode = ON) go, one block per batch of added tags,
ended by a NUL: with ``NotifyAddress = serial`` on the serial line and to every logged-in TCP
client; with ``NotifyAddress = host:port`` over a new TCP connection to that address per message,
as a networked reader does (alien_notifier.py; ``notify_keep_open`` reuses one connection,
``notify_faults`` injects garbage or a cut-off message).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from garita.hardware_mocks.alien_notifier import NotifyFaults, NotifySender, split_address
from garita.hardware_mocks.alien_tags import FORMATS, TIME_FORMAT, TagField, TagRead, format_tag_list
from garita.hardware_mocks.pty_port import PtyPort
from garita.hardware_mocks.tcp_line_server import TcpLineServer

log = logging.getLogger(__name__)

QUIET = b"\x01"
PROMPT = "Alien>"
ERROR_UNKNOWN = "Error 1: Command not understood."
DEFAULTS = {
    "ReaderName": "Garita Mock Reader",
    "ReaderType": "Alien RFID Tag Reader, Model: ALR-9900 (mock, North America 902-928 MHz)",
    "IPAddress": "127.0.0.1",
    "CommandPort": "23",
    "TagListFormat": "Text",
    "NotifyFormat": "Text",
    "NotifyMode": "OFF",
    "AutoMode": "OFF",
    "NotifyHeader": "ON",
    "NotifyTrigger": "Add",
    "NotifyAddress": "serial",
    "NotifyTime": "0",
}
_ON_OFF = {"NotifyMode", "AutoMode", "NotifyHeader"}
_FORMAT_ATTRS = {"TagListFormat", "NotifyFormat"}


def _normalize(name: str, value: str) -> str:
    """Return the value as the reader would store it; raise ValueError if invalid."""
    if name in _ON_OFF:
        if value.upper() not in ("ON", "OFF"):
            raise ValueError(f"{name} must be On or Off")
        return value.upper()  # the reader echoes ON/OFF in capitals (vector V4)
    if name in _FORMAT_ATTRS:
        for fmt in FORMATS:
            if fmt.lower() == value.lower():
                return fmt
        raise ValueError(f"{name} must be one of {', '.join(FORMATS)}")
    if name == "NotifyAddress":
        if value.lower() == "serial":
            return "serial"
        split_address(value)  # host:port, or ValueError
    return value


class AlienRfidReader:
    """An Alien reader on a pty (``workdir/dev/<name>``) or on a loopback TCP port."""

    def __init__(
        self,
        name: str,
        workdir: Path,
        tcp: bool = False,
        clock: Callable[[], datetime] = datetime.now,
        notify_keep_open: bool = False,
    ) -> None:
        """Prepare the reader; ``start()`` opens its transport."""
        self.name = name
        self.field = TagField(clock)
        self.attributes = dict(DEFAULTS)
        self.taglist_polls = 0  # `get TagList` commands answered: tells polling from notify delivery
        self.notifier = NotifySender(lambda: self.attributes["IPAddress"], keep_open=notify_keep_open)
        self._lock = threading.Lock()
        self.port: PtyPort | None = None
        self.server: TcpLineServer | None = None
        if tcp:
            self.server = TcpLineServer(self.handle_line, welcome=f"\r\n{PROMPT}\x00".encode())
        else:
            self.port = PtyPort(name, workdir, on_line=self._on_serial_line)
            self.port.on_reset = self._restart

    @property
    def endpoint(self) -> str:
        """Where the host connects: the pty symlink path or ``socket://127.0.0.1:PORT``."""
        return self.server.url if self.server else str(self.port.path)  # type: ignore[union-attr]

    @property
    def notify_faults(self) -> NotifyFaults:
        """Faults for messages sent to a host:port NotifyAddress (assign a new NotifyFaults)."""
        return self.notifier.faults

    @notify_faults.setter
    def notify_faults(self, faults: NotifyFaults) -> None:
        self.notifier.faults = faults

    def start(self) -> None:
        """Open the pty or start listening."""
        self.notifier.start()
        if self.server is not None:
            self.server.start()
            self.attributes["CommandPort"] = str(self.server.port)
        else:
            self.port.open()  # type: ignore[union-attr]

    def stop(self) -> None:
        """Close the transport and join its threads."""
        self.notifier.stop()
        if self.server is not None:
            self.server.stop()
        if self.port is not None:
            self.port.close()

    unplug = stop

    def replug(self) -> None:
        """Come back at the same path (pty) or the same port (TCP)."""
        self.start()

    def _restart(self) -> None:
        """A reset reboots the reader: settings return to defaults, tags stay in the field."""
        with self._lock:
            self.attributes = dict(DEFAULTS)

    # --- the field -------------------------------------------------------------------

    def put_tag(self, epc: str, antenna: int = 0) -> None:
        """Bring a tag into the field (24 hex digits; spaces ignored)."""
        tag, added = self.field.put(epc, antenna)
        if added and self.attributes["NotifyMode"] == "ON":
            self._push(self.notification([tag], "TAGS ADDED"))

    def notify_field(self, reason: str = "TIMED MESSAGE") -> None:
        """Send one notification listing every tag in the field (what NotifyTime does)."""
        if self.attributes["NotifyMode"] == "ON":
            self._push(self.notification(self.field.snapshot(), reason))

    def remove_tag(self, epc: str) -> None:
        """Take a tag out of the field."""
        self.field.remove(epc)

    def clear(self) -> None:
        """Empty the field."""
        self.field.clear()

    # --- protocol ----------------------------------------------------------------------

    def _on_serial_line(self, line: bytes) -> None:
        """Answer a host line received on the pty."""
        if self.port is not None:
            self.port.write(self.handle_line(line))

    def handle_line(self, line: bytes) -> bytes:
        """Return the complete reply bytes for one host line (without its CR LF)."""
        quiet = line.startswith(QUIET)
        text = line.removeprefix(QUIET).decode("latin-1").strip()
        reply = self.execute(text) if text else ""
        if quiet:
            return f"{reply}\x00".encode("latin-1")
        return f"{text}\r\n{reply}\r\n{PROMPT}\x00".encode("latin-1")

    def execute(self, command: str) -> str:
        """Run one command and return its reply text (lines CR LF terminated)."""
        verb, _, rest = command.partition(" ")
        verb = verb.lower()
        if verb == "get":
            return self._get(rest.strip())
        if verb == "set":
            return self._set(rest)
        if verb == "clear" and rest.strip().lower() == "taglist":
            self.clear()
            return "Tag List has been cleared!\r\n"
        return f"{ERROR_UNKNOWN}\r\n"

    def _canonical(self, name: str) -> str | None:
        """Map a case-insensitive attribute name to its canonical spelling."""
        return next((k for k in self.attributes if k.lower() == name.lower()), None)

    def _get(self, name: str) -> str:
        """Answer ``get Name`` (and ``get TagList``)."""
        if name.lower() == "taglist":
            self.taglist_polls += 1
            return format_tag_list(self.field.poll(), self.attributes["TagListFormat"])
        key = self._canonical(name)
        if key is None:
            return f"{ERROR_UNKNOWN}\r\n"
        return f"{key} = {self.attributes[key]}\r\n"

    def _set(self, assignment: str) -> str:
        """Answer ``set Name = value`` with the stored value."""
        name, eq, value = assignment.partition("=")
        key = self._canonical(name.strip())
        if not eq or key is None:
            return f"{ERROR_UNKNOWN}\r\n"
        try:
            stored = _normalize(key, value.strip())
        except ValueError as exc:
            return f"Error 2: {exc}.\r\n"
        with self._lock:
            self.attributes[key] = stored
        return f"{key} = {stored}\r\n"

    def notification(self, tags: list[TagRead], reason: str) -> bytes:
        """Build one notification block (header, tag lines, footer, NUL)."""
        attrs = self.attributes
        lines = format_tag_list(tags, attrs["NotifyFormat"])
        if attrs["NotifyHeader"] == "ON":
            header = (
                "#Alien RFID Reader Auto Notification Message\r\n"
                f"#ReaderName: {attrs['ReaderName']}\r\n"
                f"#ReaderType: {attrs['ReaderType']}\r\n"
                f"#IPAddress: {attrs['IPAddress']}\r\n"
                f"#CommandPort: {attrs['CommandPort']}\r\n"
                f"#Time: {self.field.clock().strftime(TIME_FORMAT)}\r\n"
                f"#Reason: {reason}\r\n"
            )
            lines = f"{header}{lines}#End of Notification Message\r\n"
        return f"{lines}\x00".encode("latin-1")

    def _push(self, data: bytes) -> None:
        """Send a notification where NotifyAddress says: the same link(s), or a host:port."""
        address = self.attributes["NotifyAddress"]
        if address != "serial":
            self.notifier.send(address, data)
            return
        if self.port is not None:
            self.port.write(data)
        if self.server is not None:
            self.server.broadcast(data)
