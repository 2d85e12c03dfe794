"""LLRP 1.0.1 bytes for the mock reader, written from the protocol (protocols.md §1.2).

Header: u16 (3 reserved bits, version 1, 10-bit message type), u32 length of the whole
message, u32 message id. TLV parameter: u16 (6 reserved bits, 10-bit type), u16 length with
its own 4 header bytes, then fields and sub-parameters. TV parameter: one byte (0x80 | type)
and a value whose length the type fixes. All big-endian.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

# Message types (LLRP 1.0.1 section 16.1).
MSG = {
    "SET_READER_CONFIG": 3, "CLOSE_CONNECTION_RESPONSE": 4, "SET_READER_CONFIG_RESPONSE": 13,
    "CLOSE_CONNECTION": 14, "ADD_ROSPEC": 20, "DELETE_ROSPEC": 21, "START_ROSPEC": 22, "STOP_ROSPEC": 23,
    "ENABLE_ROSPEC": 24, "DISABLE_ROSPEC": 25, "ADD_ROSPEC_RESPONSE": 30, "DELETE_ROSPEC_RESPONSE": 31,
    "START_ROSPEC_RESPONSE": 32, "STOP_ROSPEC_RESPONSE": 33, "ENABLE_ROSPEC_RESPONSE": 34,
    "DISABLE_ROSPEC_RESPONSE": 35, "RO_ACCESS_REPORT": 61, "KEEPALIVE": 62,
    "READER_EVENT_NOTIFICATION": 63, "KEEPALIVE_ACK": 72, "ERROR_MESSAGE": 100,
}
# Parameter types (section 16.2).
P = {
    "AntennaID": 1, "FirstSeenTimestampUTC": 2, "LastSeenTimestampUTC": 4, "PeakRSSI": 6, "TagSeenCount": 8,
    "EPC-96": 13, "UTCTimestamp": 128, "ROSpec": 177, "ROBoundarySpec": 178, "AISpec": 183,
    "InventoryParameterSpec": 186, "KeepaliveSpec": 220, "AntennaConfiguration": 222, "ROReportSpec": 237,
    "TagReportContentSelector": 238, "TagReportData": 240, "EPCData": 241, "ReaderEventNotificationData": 246,
    "ConnectionAttemptEvent": 256, "ConnectionCloseEvent": 257, "LLRPStatus": 287,
    "C1G2InventoryCommand": 330, "C1G2SingulationControl": 336,
}
# Value bytes of each TV type the mock knows.
TV_SIZE = {1: 2, 2: 8, 3: 8, 4: 8, 5: 8, 6: 1, 7: 2, 8: 2, 9: 4, 10: 2, 11: 2, 12: 2, 13: 12, 14: 2,
           15: 2, 16: 4, 17: 2, 18: 4}
M_SUCCESS, M_PARAMETER_ERROR, M_FIELD_ERROR, M_UNSUPPORTED_MESSAGE, M_UNSUPPORTED_VERSION = 0, 100, 101, 109, 110
HEADER_BYTES = 10


class WireError(ValueError):
    """Bytes from the host that are not LLRP."""


@dataclass
class Tlv:
    """A TLV parameter as a tree: fixed fields, then sub-parameters (Tlv nodes or TV bytes)."""

    type: int
    fields: bytes = b""
    children: list[Tlv | bytes] = field(default_factory=list)

    def encode(self) -> bytes:
        """The parameter's bytes, length computed from its contents."""
        body = self.fields + b"".join(c if isinstance(c, bytes) else c.encode() for c in self.children)
        return struct.pack(">HH", self.type & 0x3FF, 4 + len(body)) + body


def tv(type_: int, value: bytes) -> bytes:
    """One TV parameter."""
    return bytes([0x80 | type_]) + value


def message(msg_type: int, msg_id: int, body: bytes = b"", version: int = 1) -> bytes:
    """A whole message."""
    return struct.pack(">HII", (version & 7) << 10 | msg_type, HEADER_BYTES + len(body), msg_id) + body


def header(data: bytes) -> tuple[int, int, int, int]:
    """(version, type, length, id) of a message header."""
    word, length, msg_id = struct.unpack_from(">HII", data)
    return word >> 10 & 7, word & 0x3FF, length, msg_id


def params(data: bytes) -> list[tuple[int, bytes]]:
    """Split a run of TLV/TV parameters into (type, value) pairs; TV types come back as -type."""
    out, i = [], 0
    while i < len(data):
        if data[i] & 0x80:
            size = TV_SIZE.get(data[i] & 0x7F)
            if size is None or i + 1 + size > len(data):
                raise WireError(f"bad TV parameter at byte {i}")
            out.append((-(data[i] & 0x7F), data[i + 1 : i + 1 + size]))
            i += 1 + size
            continue
        if i + 4 > len(data):
            raise WireError(f"truncated parameter header at byte {i}")
        word, length = struct.unpack_from(">HH", data, i)
        if length < 4 or i + length > len(data):
            raise WireError(f"parameter {word & 0x3FF} claims {length} bytes at byte {i}")
        out.append((word & 0x3FF, data[i + 4 : i + length]))
        i += length
    return out


def status(code: int = M_SUCCESS, text: str = "") -> bytes:
    """An LLRPStatus parameter."""
    raw = text.encode()
    return Tlv(P["LLRPStatus"], struct.pack(">HH", code, len(raw)) + raw).encode()


def reader_event(utc_us: int, event: Tlv) -> bytes:
    """A ReaderEventNotificationData body holding one event."""
    stamp = Tlv(P["UTCTimestamp"], struct.pack(">Q", utc_us))
    return Tlv(P["ReaderEventNotificationData"], children=[stamp, event]).encode()


@dataclass(frozen=True)
class TagSeen:
    """What one TagReportData says about a tag (None: the field is left out)."""

    epc: str  # hex
    antenna: int | None = None
    peak_rssi: int | None = None
    first_seen_us: int | None = None
    last_seen_us: int | None = None
    count: int | None = None


def tag_report_data(tag: TagSeen) -> Tlv:
    """One TagReportData: EPC-96 for 96-bit EPCs, EPCData for other lengths, then the TV fields."""
    epc = bytes.fromhex(tag.epc)
    first: Tlv | bytes
    first = tv(P["EPC-96"], epc) if len(epc) == 12 else Tlv(P["EPCData"], struct.pack(">H", len(epc) * 8) + epc)
    children: list[Tlv | bytes] = [first]
    for ptype, fmt, value in ((1, ">H", tag.antenna), (6, ">b", tag.peak_rssi), (2, ">Q", tag.first_seen_us),
                              (4, ">Q", tag.last_seen_us), (8, ">H", tag.count)):
        if value is not None:
            children.append(tv(ptype, struct.pack(fmt, value)))
    return Tlv(P["TagReportData"], children=children)


def ro_access_report(msg_id: int, tags: list[TagSeen]) -> bytes:
    """An RO_ACCESS_REPORT message with one TagReportData per tag."""
    return message(MSG["RO_ACCESS_REPORT"], msg_id, b"".join(tag_report_data(t).encode() for t in tags))
