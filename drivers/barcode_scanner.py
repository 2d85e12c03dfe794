"""Serial barcode scanner driver: prefix/suffix framing, AIM id, document classification."""

from __future__ import annotations

import contextlib
import threading
import time

from garita.drivers.barcode_options import BarcodeOptions, control_bytes
from garita.drivers.documents.aamva import COMPLIANCE, AamvaError, expected_length
from garita.drivers.documents.aim import split_symbology
from garita.drivers.documents.classify import classify
from garita.drivers.driver_options import OptionsInput
from garita.drivers.events import DeviceHealth, DeviceRead, Emit
from garita.drivers.framing import DelimitedFramer
from garita.drivers.line_noise import strip_noise
from garita.drivers.noise_gate import NoiseGate
from garita.drivers.serial_link import SerialLink


class BarcodeScanner:
    """Serial barcode scanner.

    Options: baudrate (9600), prefix ("" or e.g. "STX"), suffix ("\\r", or "CR",
    "CRLF", "ETX", ...), max_length (4096), continuation_timeout_s (0.5), and the noise
    budget (garita.drivers.noise_gate): noise_budget (5), noise_window_s (2.0), max_frames_per_s
    (20), quiet_s (0.5); see drivers/barcode_options.py.
    """

    def __init__(self, name: str, port: str, options: OptionsInput = None) -> None:
        opts = BarcodeOptions.parse(name, options)
        self.name, self.port, self.options = name, port, opts
        self.health = DeviceHealth()
        self._suffix = control_bytes(opts.suffix)
        self._prefix = control_bytes(opts.prefix)
        self._gate = NoiseGate(self.health, opts.gate())
        self._link = SerialLink(port, self.health, baudrate=opts.baudrate)
        self._framer = self._new_framer()
        self._pending = b""  # an AAMVA payload whose inner CRs split it into frames
        self._pending_since = 0.0
        self._emit: Emit = lambda read: None

    def _new_framer(self) -> DelimitedFramer:
        return DelimitedFramer(self._suffix, self._prefix, self.options.max_length,
                               skip_empty=False)

    def run(self, emit: Emit, stop: threading.Event) -> None:
        """Read scans until stop is set; never raises for I/O trouble."""
        self._emit = emit
        self._link.run(stop, self._on_bytes, on_connect=self._reset, on_tick=self._on_tick)

    def _reset(self) -> None:
        self._framer, self._pending = self._new_framer(), b""

    def _on_tick(self) -> None:
        if self._gate.on_tick():
            self._reset()  # the burst's unterminated tail must not prefix the next real scan
        if self._pending and time.monotonic() - self._pending_since > \
                self.options.continuation_timeout_s:
            self._finish_pending()

    def _on_bytes(self, data: bytes) -> None:
        if self._gate.on_bytes():
            self._reset()
        before = self._framer.discarded
        for frame in self._framer.feed(data):
            self._on_frame(frame)
        if self._framer.discarded > before:
            self.health.frame_rejected(self._framer.discarded - before, "over-long scan dropped")

    def _on_frame(self, frame: bytes) -> None:
        if not self._pending:
            if self._gate.in_burst:  # no need to look inside: everything is dropped until quiet
                self._gate.admit(True, len(frame))
                return
            size = len(frame)
            frame, discarded = strip_noise(frame)
            if not self._gate.admit(discarded > 0, size):
                return  # the burst starts here: counted by the gate, never a read
            if discarded:
                self.health.frame_rejected(discarded, f"{discarded} bytes of line noise discarded")
        if self._pending:
            self._pending += frame + self._suffix
            self._try_complete()
        elif split_symbology(frame)[1].startswith(COMPLIANCE[:3]):
            self._pending, self._pending_since = frame + self._suffix, time.monotonic()
            self._try_complete()
        elif frame.strip():
            self._publish(frame)

    def _try_complete(self) -> None:
        # AAMVA data holds CR bytes, so a CR suffix cuts it up: rejoin the pieces
        # until the length the header declares has arrived.
        body = split_symbology(self._pending)[1]
        try:
            need = expected_length(body)
        except AamvaError:
            need = len(body)  # malformed header: hand it on, the parser will say why
        if need is not None and (len(body) >= need or len(self._pending) > self.options.max_length):
            self._finish_pending()

    def _finish_pending(self) -> None:
        pending, self._pending = self._pending, b""
        aim, body = split_symbology(pending)
        need = None
        with contextlib.suppress(AamvaError):
            need = expected_length(body)
        self._publish((aim or "").encode() + (body[:need] if need else body.rstrip(self._suffix)))

    def _publish(self, frame: bytes) -> None:
        symbology, payload = split_symbology(frame)
        found = classify(symbology, payload)
        # A clean frame whose content fails its parser is still a scan: it goes
        # out as type "raw" with the parser's error in data.
        self.health.frame_ok()
        data = {"symbology": symbology or "", "type": found.type, **found.fields}
        self._emit(DeviceRead(self.name, "barcode", found.value, data, raw=frame))
