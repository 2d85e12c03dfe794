"""LLRP 1.0.1 wire format: message header, TLV/TV parameters, stream framing (protocols.md §1.2).

A message is a 10-byte header (3 reserved bits, 3-bit version, 10-bit type; u32 length of the
whole message; u32 id) and a body. Parameters are TLV (6 reserved bits + 10-bit type, u16
length including the 4-byte header) or TV (top bit set, 7-bit type, fixed length by type).
Everything is big-endian.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

VERSION = 1
HEADER = struct.Struct(">HII")
HEADER_LEN = HEADER.size
MAX_MESSAGE = 1 << 20  # a bigger "length" means the stream lost its framing, not a real message

# TV parameter type -> value length in bytes (LLRP 1.0.1 section 16.2.7 and 15.2.1).
TV_LENGTHS: dict[int, int] = {
    1: 2,  # AntennaID
    2: 8,  # FirstSeenTimestampUTC
    3: 8,  # FirstSeenTimestampUptime
    4: 8,  # LastSeenTimestampUTC
    5: 8,  # LastSeenTimestampUptime
    6: 1,  # PeakRSSI
    7: 2,  # ChannelIndex
    8: 2,  # TagSeenCount
    9: 4,  # ROSpecID
    10: 2,  # InventoryParameterSpecID
    11: 2,  # C1G2-CRC
    12: 2,  # C1G2-PC
    13: 12,  # EPC-96
    14: 2,  # SpecIndex
    15: 2,  # ClientRequestOpSpecResult
    16: 4,  # AccessSpecID
    17: 2,  # OpSpecID
    18: 4,  # C1G2SingulationDetails
    19: 2,  # C1G2XPCW1
    20: 2,  # C1G2XPCW2
}


class LlrpError(ValueError):
    """A message or parameter that does not follow the LLRP encoding."""


class FramingError(LlrpError):
    """The byte stream cannot be split into messages any more (the connection must restart)."""


@dataclass(frozen=True)
class Message:
    """One LLRP message: type, id and the raw body after the header."""

    type: int
    id: int
    body: bytes = b""
    version: int = VERSION


@dataclass(frozen=True)
class Param:
    """One parameter: ``tv`` marks the TV form; ``value`` is the bytes after its header."""

    type: int
    value: bytes
    tv: bool = False


def encode_message(msg_type: int, msg_id: int, body: bytes = b"") -> bytes:
    """Header plus body."""
    return HEADER.pack((VERSION << 10) | msg_type, HEADER_LEN + len(body), msg_id) + body


def tlv(param_type: int, payload: bytes = b"") -> bytes:
    """Encode one TLV parameter."""
    return struct.pack(">HH", param_type & 0x3FF, 4 + len(payload)) + payload


def tv(param_type: int, payload: bytes) -> bytes:
    """Encode one TV parameter (the payload length must match TV_LENGTHS)."""
    return bytes([0x80 | param_type]) + payload


def decode_header(data: bytes) -> tuple[int, int, int, int]:
    """(version, type, length, id) of the 10 bytes at the start of ``data``."""
    word, length, msg_id = HEADER.unpack_from(data)
    return (word >> 10) & 0x7, word & 0x3FF, length, msg_id


def decode_params(data: bytes, offset: int = 0, end: int | None = None) -> list[Param]:
    """Split a run of parameters; raises LlrpError on a bad length or unknown TV type."""
    end = len(data) if end is None else end
    params: list[Param] = []
    while offset < end:
        if data[offset] & 0x80:
            ptype = data[offset] & 0x7F
            size = TV_LENGTHS.get(ptype)
            if size is None:
                raise LlrpError(f"unknown TV parameter type {ptype} at byte {offset}")
            if offset + 1 + size > end:
                raise LlrpError(f"TV parameter {ptype} runs past its container")
            params.append(Param(ptype, data[offset + 1 : offset + 1 + size], tv=True))
            offset += 1 + size
            continue
        if offset + 4 > end:
            raise LlrpError(f"{end - offset} stray bytes where a parameter header belongs")
        word, length = struct.unpack_from(">HH", data, offset)
        if length < 4 or offset + length > end:
            raise LlrpError(f"TLV parameter {word & 0x3FF} has length {length}, {end - offset} bytes left")
        params.append(Param(word & 0x3FF, data[offset + 4 : offset + length]))
        offset += length
    return params


class Framer:
    """Cuts a TCP byte stream into messages; bounded by MAX_MESSAGE."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Message]:
        """Messages completed by ``data``; raises FramingError when the header makes no sense."""
        self._buffer += data
        out: list[Message] = []
        while len(self._buffer) >= HEADER_LEN:
            version, msg_type, length, msg_id = decode_header(self._buffer)
            if version != VERSION or not HEADER_LEN <= length <= MAX_MESSAGE:
                raise FramingError(f"bad message header (version {version}, type {msg_type}, length {length})")
            if len(self._buffer) < length:
                break
            out.append(Message(msg_type, msg_id, bytes(self._buffer[HEADER_LEN:length]), version))
            del self._buffer[:length]
        return out

    @property
    def pending(self) -> int:
        """Bytes of an incomplete message held."""
        return len(self._buffer)
