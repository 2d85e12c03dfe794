"""Passport/ID reader driver: OEM framed blocks or plain CR-terminated MRZ lines."""

from __future__ import annotations

import threading
import time

from garita.drivers.document_options import DocumentReaderOptions
from garita.drivers.documents.mrz import FORMATS, MrzError, clean_lines, parse_mrz
from garita.drivers.driver_options import OptionsInput
from garita.drivers.events import DeviceHealth, DeviceRead, Emit
from garita.drivers.framing import BlockFramer, LineFramer, bcc_xor
from garita.drivers.serial_link import SerialLink

LINE_LENGTHS = {length for _, length in FORMATS}


class DocumentReader:
    """MRZ document reader on serial.

    Options: baudrate (9600), framing ("block" | "lines"), bcc ("xor" | "none"),
    bcc_span ("stx_etx" | "all"), terminator ("CR" | "LF" | "CRLF", lines mode),
    line_gap_s (1.0: lines further apart do not belong to one document);
    see drivers/document_options.py.
    """

    def __init__(self, name: str, port: str, options: OptionsInput = None) -> None:
        opts = DocumentReaderOptions.parse(name, options)
        self.name, self.port, self.options = name, port, opts
        self.health = DeviceHealth()
        self._link = SerialLink(port, self.health, baudrate=opts.baudrate)
        self._framer: BlockFramer | LineFramer = self._new_framer()
        self._lines: list[tuple[float, str]] = []
        self._emit: Emit = lambda read: None

    def _new_framer(self) -> BlockFramer | LineFramer:
        if self.options.framing == "lines":
            return LineFramer(self.options.terminator, max_len=256)
        bcc = bcc_xor if self.options.bcc == "xor" else None
        return BlockFramer(bcc=bcc, bcc_span=self.options.bcc_span)

    def run(self, emit: Emit, stop: threading.Event) -> None:
        """Read documents until stop is set; never raises for I/O trouble."""
        self._emit = emit
        self._link.run(stop, self._on_bytes, on_connect=self._reset)

    def _reset(self) -> None:
        self._framer, self._lines = self._new_framer(), []

    def _on_bytes(self, data: bytes) -> None:
        framer = self._framer
        discarded, rejected = framer.discarded, getattr(framer, "rejected", 0)
        for frame in framer.feed(data):
            if isinstance(framer, BlockFramer):
                self._on_block(frame)
            else:
                self._on_line(frame)
        new_rejects = getattr(framer, "rejected", 0) - rejected
        noise = framer.discarded - discarded
        if new_rejects or noise:
            # Noise and broken blocks are reported together, once per read chunk.
            self.health.frame_rejected(noise, f"{new_rejects} bad block(s), {noise} byte(s) dropped")

    def _on_block(self, payload: bytes) -> None:
        # payload = STX flag line1 CR line2 CR line3 CR ETX
        text = payload[2:-1].decode("latin-1")
        self._publish(clean_lines(text), payload)

    def _on_line(self, frame: bytes) -> None:
        now = time.monotonic()
        lines = clean_lines(frame.decode("latin-1"))
        if len(lines) != 1 or len(lines[0]) not in LINE_LENGTHS:
            self._lines = []
            self.health.frame_rejected(len(frame), f"not an MRZ line: {frame[:40]!r}")
            return
        gap = self.options.line_gap_s
        self._lines = [(t, ln) for t, ln in self._lines if now - t <= gap and
                       len(ln) == len(lines[0])] + [(now, lines[0])]
        need = 3 if len(lines[0]) == 30 else 2
        if len(self._lines) >= need:
            group = [ln for _, ln in self._lines[-need:]]
            self._lines = []
            self._publish(group, "\r".join(group).encode() + b"\r")

    def _publish(self, lines: list[str], raw: bytes) -> None:
        try:
            result = parse_mrz(lines)
        except MrzError as exc:
            self.health.frame_rejected(len(raw), str(exc))
            return
        self.health.frame_ok()
        self._emit(DeviceRead(self.name, "document", result["document_number"], result, raw=raw))
