"""LLRP reader driver (Impinj, Zebra, Alien and others on TCP port 5084).

Our own small codec (drivers/llrp_codec.py, llrp_messages.py), not sllurp: sllurp is
GPL-3.0-only and Garita is proprietary, and the driver needs only a dozen messages.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from garita.drivers.driver_options import OptionsInput
from garita.drivers.events import DeviceHealth, DeviceRead, Emit
from garita.drivers.llrp_codec import Framer, FramingError, LlrpError, Message, encode_message
from garita.drivers.llrp_messages import KEEPALIVE, TagReport
from garita.drivers.llrp_options import LlrpOptions, reader_url
from garita.drivers.llrp_session import LlrpSession, ReaderDown, Timing
from garita.drivers.serial_link import SerialLink
from garita.drivers.tag_presence import TagPresence


def _utc_iso(micros: int | None) -> str | None:
    """Reader timestamp (microseconds since 1970, UTC) as ISO 8601; None when absent or absurd."""
    if micros is None:
        return None
    try:
        return datetime.fromtimestamp(micros / 1e6, UTC).isoformat()
    except (OverflowError, ValueError, OSError):
        return None


class LlrpReader:
    """An LLRP reader at ``tcp://host[:5084]``: one ROSpec, reports pushed by the reader.

    Options (drivers/llrp_options.py, all optional): antennas ([] = all), tx_power_index
    (0 = reader default), session (1), tag_population (32), tag_transit_time_ms (0),
    report_every_n_tags (1), rospec_id (1), keepalive_s (5.0), keepalive_timeout_s (15.0),
    response_timeout_s (5.0), forget_after_s (3.0).
    """

    def __init__(self, name: str, port: str, options: OptionsInput = None) -> None:
        self.options = LlrpOptions.parse(name, options)
        self.name, self.port = name, reader_url(name, port)
        self.health = DeviceHealth()
        self._presence = TagPresence(self.options.forget_after_s)
        self._link = SerialLink(self.port, self.health)
        self._timing = Timing(self.options.keepalive_s, self.options.keepalive_timeout_s,
                              self.options.response_timeout_s)
        self._framer = Framer()
        self._session: LlrpSession | None = None
        self._emit: Emit = lambda read: None
        self.stats = {"messages": 0, "tag_reports": 0, "keepalives": 0, "sessions": 0, "inventories": 0}

    def run(self, emit: Emit, stop: threading.Event) -> None:
        """Read until stop is set; never raises for I/O or protocol trouble."""
        self._emit = emit
        self._link.run(stop, self._on_bytes, on_connect=self._on_connect, on_tick=self._on_tick)

    def _on_connect(self) -> None:
        now = time.monotonic()
        self._framer = Framer()  # a partial message from the last connection is worthless
        self._presence.refresh_all(now)
        self._session = LlrpSession(self.options.inventory(), self._timing, self._link.write, now)
        self.stats["sessions"] += 1
        # Connected means reading tags: a reader that takes the TCP connection but refuses our
        # ROSpec is not working, and the mock lane waits for "connected" before it plays.
        self.health.mark_configuring()

    def _on_tick(self) -> None:
        now = time.monotonic()
        self._presence.expire(now)
        if self._session is not None:
            self._guarded(lambda: self._session.on_tick(now))

    def _on_bytes(self, data: bytes) -> None:
        try:
            messages = self._framer.feed(data)
        except FramingError as exc:
            self.health.frame_rejected(self._framer.pending, str(exc))
            self.stats["framing"] = self.stats.get("framing", 0) + 1
            raise ReaderDown("framing", f"stream out of step: {exc}") from None
        for msg in messages:
            self._guarded(lambda msg=msg: self._on_message(msg))

    def _guarded(self, action: Callable[[], None]) -> None:
        """Run one step; count why a connection is given up, and note when inventory starts."""
        session = self._session
        was = session is not None and session.inventorying
        try:
            action()
        except ReaderDown as exc:
            self.stats[exc.cause] = self.stats.get(exc.cause, 0) + 1
            raise
        if not was and session is not None and session.inventorying:
            self.stats["inventories"] += 1
            self.health.mark_connected()

    def _on_message(self, msg: Message) -> None:
        assert self._session is not None
        self.stats["messages"] += 1
        try:
            reports = self._session.on_message(msg, time.monotonic())
        except LlrpError as exc:
            self.health.frame_rejected(len(msg.body), f"LLRP message type {msg.type} rejected: {exc}")
            return
        self.health.frame_ok()
        if msg.type == KEEPALIVE:
            self.stats["keepalives"] += 1
        if reports:
            raw = encode_message(msg.type, msg.id, msg.body)
            for report in reports:
                self._seen(report, raw)

    def _seen(self, tag: TagReport, raw: bytes) -> None:
        self.stats["tag_reports"] += 1
        sighting, new = self._presence.seen(tag.epc, time.monotonic())
        if not new:
            return
        data = {
            "epc": tag.epc, "antenna": tag.antenna,
            "count": tag.count if tag.count is not None else sighting.reads,
            "first_seen": sighting.first_seen.isoformat(), "last_seen": sighting.last_seen.isoformat(),
            "format": "llrp", "peak_rssi": tag.peak_rssi,
            "reader_discovered": _utc_iso(tag.first_seen_us), "reader_last_seen": _utc_iso(tag.last_seen_us),
            "protocol": "2",  # Gen2, in the numeric form the Alien driver reports
        }
        self._emit(DeviceRead(self.name, "rfid", tag.epc, data, raw=raw))
