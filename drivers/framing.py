"""Byte-stream framers: turn arbitrary serial chunks into complete protocol frames."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

DEFAULT_MAX_FRAME = 4096
STX, ETX, SOH = 0x02, 0x03, 0x01
TERMINATORS = {"CR": b"\r", "LF": b"\n", "CRLF": b"\r\n"}


class Framer(Protocol):
    """Common interface: feed bytes in, get complete frames out."""

    discarded: int

    def feed(self, data: bytes) -> list[bytes]: ...


def resolve_terminator(name: str | bytes) -> bytes:
    """Map 'CR'/'LF'/'CRLF' (or literal bytes) to the terminator bytes."""
    if isinstance(name, bytes):
        if not name:
            raise ValueError("terminator must not be empty")
        return name
    try:
        return TERMINATORS[name.upper()]
    except KeyError:
        raise ValueError(f"terminator must be one of CR, LF, CRLF, not {name!r}") from None


class DelimitedFramer:
    """Frames ended by a terminator; an optional prefix is stripped from each frame."""

    def __init__(self, terminator: bytes, prefix: bytes = b"", max_len: int = DEFAULT_MAX_FRAME,
                 skip_empty: bool = True) -> None:
        if not terminator:
            raise ValueError("terminator must not be empty")
        self.terminator, self.prefix, self.max_len = terminator, prefix, max_len
        self.skip_empty = skip_empty
        self.discarded = 0
        self._buf = bytearray()
        self._skipping = False  # inside an over-long frame: drop through its terminator

    def feed(self, data: bytes) -> list[bytes]:
        """Append data and return every complete frame it finished."""
        self._buf += data
        frames: list[bytes] = []
        while (end := self._buf.find(self.terminator)) >= 0:
            frame = bytes(self._buf[:end])
            del self._buf[: end + len(self.terminator)]
            if len(frame) > self.max_len or self._skipping:
                self.discarded += len(frame) + len(self.terminator)
                self._skipping = False
                continue
            if self.prefix and frame.startswith(self.prefix):
                frame = frame[len(self.prefix):]
            if frame or not self.skip_empty:
                frames.append(frame)
        self._trim_overflow()
        return frames

    def _trim_overflow(self) -> None:
        # An unterminated run longer than a frame can be is garbage: drop it,
        # keeping only a tail that might be the start of a terminator.
        keep = len(self.terminator) - 1
        if len(self._buf) > self.max_len + keep:
            drop = len(self._buf) - keep
            self.discarded += drop
            del self._buf[:drop]
            self._skipping = True


class LineFramer(DelimitedFramer):
    """Text lines ended by CR, LF or CRLF, with an optional prefix such as STX."""

    def __init__(self, terminator: str | bytes = "CR", prefix: bytes = b"",
                 max_len: int = DEFAULT_MAX_FRAME) -> None:
        super().__init__(resolve_terminator(terminator), prefix, max_len)


class NulFramer(DelimitedFramer):
    """Whole replies ended by a single NUL (Alien reader replies)."""

    def __init__(self, max_len: int = 65536) -> None:
        # Keep empty replies: a bare NUL still answers a command.
        super().__init__(b"\x00", b"", max_len, skip_empty=False)


def bcc_xor(data: bytes) -> int:
    """XOR of all bytes: the default block check character."""
    acc = 0
    for b in data:
        acc ^= b
    return acc


BccFunc = Callable[[bytes], int]


class BlockFramer:
    """SOH + length(2, little-endian) + 'O' 'U' + STX ... ETX + BCC blocks (3M RTE OEM)."""

    HEADER = 3  # SOH + 2 length bytes

    def __init__(self, bcc: BccFunc | None = bcc_xor, bcc_span: str = "stx_etx",
                 max_len: int = 1024) -> None:
        if bcc_span not in ("stx_etx", "all"):
            raise ValueError(f"bcc_span must be 'stx_etx' or 'all', not {bcc_span!r}")
        self.bcc, self.bcc_span, self.max_len = bcc, bcc_span, max_len
        self.discarded = 0
        self.rejected = 0
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        """Append data and return the payload (STX..ETX inclusive) of each valid block."""
        self._buf += data
        frames: list[bytes] = []
        while True:
            self._skip_to_soh()
            block_end = self._complete_block_end()
            if block_end is None:
                return frames
            if block_end < 0:
                continue
            block = bytes(self._buf[:block_end])
            payload = self._check(block)
            if payload is None:
                # Bad block: resync on the next SOH after this one.
                self.rejected += 1
                self.discarded += 1
                del self._buf[:1]
                continue
            del self._buf[:block_end]
            frames.append(payload)

    def _skip_to_soh(self) -> None:
        start = self._buf.find(bytes([SOH]))
        drop = len(self._buf) if start < 0 else start
        if drop:
            self.discarded += drop
            del self._buf[:drop]

    def _complete_block_end(self) -> int | None:
        # Locate ETX and the BCC after it; the length field is informational
        # only because which bytes it counts is not confirmed by the vendor.
        if len(self._buf) < self.HEADER + 1:
            return None
        etx = self._buf.find(bytes([ETX]), self.HEADER)
        if etx < 0 or etx > self.max_len:
            if len(self._buf) <= self.max_len:
                return None
            # No ETX within a block's maximum size: this SOH was noise.
            self.rejected += 1
            self.discarded += 1
            del self._buf[:1]
            return -1
        end = etx + (2 if self.bcc else 1)
        return end if len(self._buf) >= end else None

    def _check(self, block: bytes) -> bytes | None:
        stx = block.find(bytes([STX]))
        if stx < 0:
            return None
        etx = len(block) - (2 if self.bcc else 1)
        payload = block[stx: etx + 1]
        if self.bcc is None:
            return payload
        covered = payload if self.bcc_span == "stx_etx" else block[:etx + 1]
        return payload if self.bcc(covered) == block[-1] else None


def build_block(lines: list[str], flag: int = 0x30, bcc: BccFunc = bcc_xor) -> bytes:
    """Encode MRZ lines as one OEM block (used by tests and mocks)."""
    slots = ([""] * (3 - len(lines)) + lines)[-3:]
    body = bytes([STX, flag]) + b"".join(s.encode("ascii") + b"\r" for s in slots) + bytes([ETX])
    inner = b"OU" + body
    n = len(inner)
    return bytes([SOH, n & 0xFF, (n >> 8) & 0x3F]) + inner + bytes([bcc(body)])


class AnyByteFramer:
    """Frames ended by any one of several single-byte terminators, terminator kept.

    Used where one stream mixes CRLF-ended lines and NUL-ended replies (Alien).
    """

    def __init__(self, terminators: bytes = b"\r\n\x00", max_len: int = DEFAULT_MAX_FRAME) -> None:
        self.terminators, self.max_len = frozenset(terminators), max_len
        self.discarded = 0
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        """Return each terminated frame (terminator included); bare CR/LF are dropped."""
        frames: list[bytes] = []
        for b in data:
            self._buf.append(b)
            if b in self.terminators:
                frame = bytes(self._buf)
                self._buf.clear()
                if frame not in (b"\r", b"\n"):
                    frames.append(frame)
            elif len(self._buf) > self.max_len:
                # Unterminated garbage: drop it rather than grow without bound.
                self.discarded += len(self._buf)
                self._buf.clear()
        return frames
