"""A fake serial device on a pseudo-terminal, published at a stable symlink, with faults.

The emulator owns the pty master; the host under test opens ``workdir/dev/<name>``
(a symlink to ``/dev/pts/N``) exactly as it would open ``/dev/ttyUSB0``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import termios
import threading
import time
import tty
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

LineHandler = Callable[[bytes], None]

GARBAGE = b"\xff\x00#~\x1b\xfe"


@dataclass
class Faults:
    """Faults applied to the next frames written; change the fields at run time."""

    garbage: bytes = b""  # written before the frame
    split_parts: int = 1  # > 1: frame written in that many pieces
    split_delay_s: float = 0.05  # pause between pieces
    merge: bool = False  # hold a frame back and write it together with the next one
    byte_delay_s: float = 0.0  # slow line: pause after every byte
    bad_bcc: bool = False  # read by framed emulators (passport reader) when building a frame
    remaining: int | None = None  # frames left before auto-clear; None = until changed

    @property
    def active(self) -> bool:
        """Whether any fault is set."""
        return self != Faults(remaining=self.remaining)


@dataclass
class _Pty:
    """File descriptors and device path of one plugged-in pty."""

    master: int
    slave: int
    device: str
    stop: threading.Event = field(default_factory=threading.Event)
    reader: threading.Thread | None = None


class PtyPort:
    """A pseudo-terminal device with a stable path, a line reader and fault injection."""

    def __init__(self, name: str, workdir: Path, on_line: LineHandler | None = None) -> None:
        """Prepare the port; nothing is opened until ``open()``."""
        self.name = name
        self.path = Path(workdir) / "dev" / name
        self.on_line = on_line
        self.on_reset: Callable[[], None] | None = None
        self.faults = Faults()
        self._pty: _Pty | None = None
        self._held = b""  # frame held back by the merge fault
        self._lock = threading.RLock()  # one writer at a time: frames must not interleave

    @property
    def plugged(self) -> bool:
        """Whether the device is currently present."""
        return self._pty is not None

    @property
    def device(self) -> str | None:
        """The /dev/pts/N the symlink currently points at."""
        return self._pty.device if self._pty else None

    def open(self) -> None:
        """Create the pty, publish the symlink and start reading host commands."""
        with self._lock:
            if self._pty is not None:
                return
            master, slave = os.openpty()
            tty.setraw(slave)  # raw: no echo, no CR/LF translation, bytes pass unchanged
            os.set_blocking(master, False)  # a host that never reads must not block us
            self._pty = _Pty(master, slave, os.ttyname(slave))
            self._publish(self._pty.device)
            self._pty.reader = threading.Thread(
                target=self._read_loop, args=(self._pty,), name=f"pty-{self.name}", daemon=True
            )
            self._pty.reader.start()

    def _publish(self, target: str) -> None:
        """Point the stable symlink at ``target`` atomically."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.name}.tmp")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        tmp.symlink_to(target)
        os.replace(tmp, self.path)

    def close(self) -> None:
        """Close the pty, stop the reader thread and remove the symlink."""
        with self._lock:
            pty, self._pty = self._pty, None
            self._held = b""
        if pty is None:
            return
        pty.stop.set()
        if pty.reader is not None:
            pty.reader.join(timeout=2.0)
        os.close(pty.master)
        os.close(pty.slave)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def unplug(self) -> None:
        """Simulate pulling the USB cable: the pty vanishes and so does the symlink."""
        log.info("%s: unplugged", self.name)
        self.close()

    def replug(self) -> None:
        """Simulate plugging back in: a new pty behind the same symlink path."""
        log.info("%s: replugged", self.name)
        self.open()

    def reset(self) -> None:
        """Simulate a device reset: drop buffered bytes both ways and restart the emulator."""
        with self._lock:
            self._held = b""
            if self._pty is not None:
                for fd in (self._pty.slave, self._pty.master):
                    with contextlib.suppress(termios.error):
                        termios.tcflush(fd, termios.TCIOFLUSH)
        if self.on_reset is not None:
            self.on_reset()

    def write(self, frame: bytes) -> None:
        """Write one frame (a complete device message), applying the current faults."""
        with self._lock:
            if self._pty is None:
                log.debug("%s: unplugged, frame dropped", self.name)
                return
            faults = self.faults
            self._count_frame()
            if faults.merge and not self._held:
                self._held = frame  # written with the next frame
                return
            data, self._held = self._held + frame, b""
            self._send(faults.garbage, faults.byte_delay_s)
            self._send_split(data, faults)

    def _count_frame(self) -> None:
        """Auto-clear one-shot faults after their frame count is used up."""
        if self.faults.remaining is None:
            return
        left = self.faults.remaining - 1
        self.faults = Faults() if left <= 0 else Faults(**{**vars(self.faults), "remaining": left})

    def _send_split(self, data: bytes, faults: Faults) -> None:
        """Write ``data`` in ``split_parts`` pieces with pauses in between."""
        parts = max(1, min(faults.split_parts, len(data)))
        size = -(-len(data) // parts)
        for i in range(0, len(data), size):
            if i:
                time.sleep(faults.split_delay_s)
            self._send(data[i : i + size], faults.byte_delay_s)

    def _send(self, data: bytes, byte_delay_s: float) -> None:
        """Put bytes on the line, one at a time when the line is slow."""
        if not data:
            return
        if byte_delay_s <= 0:
            self._raw_write(data)
            return
        for i in range(len(data)):
            self._raw_write(data[i : i + 1])
            time.sleep(byte_delay_s)

    def _raw_write(self, data: bytes) -> None:
        """Write to the master; on overflow discard stale input like a UART overrun."""
        pty = self._pty
        if pty is None:
            return
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(pty.master, view) :]
            except BlockingIOError:
                # Nobody reads the slave and its buffer is full: old bytes are lost.
                termios.tcflush(pty.slave, termios.TCIFLUSH)

    def _read_loop(self, pty: _Pty) -> None:
        """Read host bytes from the master and hand complete lines to ``on_line``."""
        buffer = b""
        while not pty.stop.is_set():
            ready, _, _ = select.select([pty.master], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(pty.master, 4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                return  # pty closed under us
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                self._dispatch(line.rstrip(b"\r"))

    def _dispatch(self, line: bytes) -> None:
        """Call the line handler, logging (not propagating) its failures."""
        if self.on_line is None:
            return
        try:
            self.on_line(line)
        except Exception:
            log.exception("%s: line handler failed on %r", self.name, line)
