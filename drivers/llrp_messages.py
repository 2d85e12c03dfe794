"""The LLRP messages the driver sends and the ones it reads (LLRP 1.0.1, protocols.md §1.2)."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from garita.drivers.llrp_codec import LlrpError, Param, decode_params, encode_message, tlv

# Message types.
SET_READER_CONFIG, SET_READER_CONFIG_RESPONSE = 3, 13
CLOSE_CONNECTION, CLOSE_CONNECTION_RESPONSE = 14, 4
ADD_ROSPEC, DELETE_ROSPEC, START_ROSPEC, ENABLE_ROSPEC = 20, 21, 22, 24
ADD_ROSPEC_RESPONSE, DELETE_ROSPEC_RESPONSE, START_ROSPEC_RESPONSE, ENABLE_ROSPEC_RESPONSE = 30, 31, 32, 34
RO_ACCESS_REPORT, KEEPALIVE, READER_EVENT_NOTIFICATION, KEEPALIVE_ACK = 61, 62, 63, 72
ERROR_MESSAGE = 100
RESPONSE_TO = {SET_READER_CONFIG: SET_READER_CONFIG_RESPONSE, ADD_ROSPEC: ADD_ROSPEC_RESPONSE,
               DELETE_ROSPEC: DELETE_ROSPEC_RESPONSE, ENABLE_ROSPEC: ENABLE_ROSPEC_RESPONSE,
               START_ROSPEC: START_ROSPEC_RESPONSE, CLOSE_CONNECTION: CLOSE_CONNECTION_RESPONSE}
NAMES = {SET_READER_CONFIG: "SET_READER_CONFIG", ADD_ROSPEC: "ADD_ROSPEC", DELETE_ROSPEC: "DELETE_ROSPEC",
         ENABLE_ROSPEC: "ENABLE_ROSPEC", START_ROSPEC: "START_ROSPEC", CLOSE_CONNECTION: "CLOSE_CONNECTION"}

# Parameter types.
UTC_TIMESTAMP, ROSPEC, RO_BOUNDARY_SPEC, ROSPEC_START_TRIGGER, ROSPEC_STOP_TRIGGER = 128, 177, 178, 179, 182
AISPEC, AISPEC_STOP_TRIGGER, INVENTORY_PARAMETER_SPEC = 183, 184, 186
KEEPALIVE_SPEC, ANTENNA_CONFIGURATION, RF_TRANSMITTER = 220, 222, 224
RO_REPORT_SPEC, TAG_REPORT_CONTENT_SELECTOR, TAG_REPORT_DATA, EPC_DATA = 237, 238, 240, 241
READER_EVENT_NOTIFICATION_DATA, READER_EXCEPTION_EVENT = 246, 252
CONNECTION_ATTEMPT_EVENT, CONNECTION_CLOSE_EVENT = 256, 257
LLRP_STATUS, C1G2_INVENTORY_COMMAND, C1G2_SINGULATION_CONTROL = 287, 330, 336
# TV types inside TagReportData.
TV_ANTENNA_ID, TV_FIRST_SEEN_UTC, TV_LAST_SEEN_UTC, TV_PEAK_RSSI, TV_TAG_SEEN_COUNT, TV_EPC96 = 1, 2, 4, 6, 8, 13

# TagReportContentSelector: AntennaID, PeakRSSI, FirstSeen, LastSeen and TagSeenCount on.
CONTENT_SELECTOR = 0x1000 | 0x0400 | 0x0200 | 0x0100 | 0x0080
REPORT_UPON_N_TAGS_OR_END_OF_ROSPEC = 2
PROTOCOL_EPC_C1G2 = 1


@dataclass(frozen=True)
class InventorySettings:
    """What goes into the ROSpec (from the device's options)."""

    rospec_id: int = 1
    antennas: tuple[int, ...] = ()  # empty: every antenna (AntennaID 0)
    tx_power_index: int = 0  # 0: the reader's own default power
    session: int = 1
    tag_population: int = 32
    tag_transit_time_ms: int = 0
    report_every_n_tags: int = 1


@dataclass(frozen=True)
class TagReport:
    """One TagReportData: EPC (hex) and the optional fields the reader filled in."""

    epc: str
    antenna: int | None = None
    peak_rssi: int | None = None
    first_seen_us: int | None = None
    last_seen_us: int | None = None
    count: int | None = None


@dataclass(frozen=True)
class Status:
    """An LLRPStatus: code 0 is M_Success."""

    code: int
    description: str

    @property
    def ok(self) -> bool:
        return self.code == 0


def set_reader_config(msg_id: int, keepalive_ms: int) -> bytes:
    """Factory reset, then periodic keepalives every ``keepalive_ms``."""
    keepalive = tlv(KEEPALIVE_SPEC, struct.pack(">BI", 1, keepalive_ms))
    return encode_message(SET_READER_CONFIG, msg_id, b"\x80" + keepalive)


def rospec_id_message(msg_type: int, msg_id: int, rospec_id: int) -> bytes:
    """DELETE/ENABLE/START_ROSPEC: the body is just the ROSpecID."""
    return encode_message(msg_type, msg_id, struct.pack(">I", rospec_id))


def close_connection(msg_id: int) -> bytes:
    """CLOSE_CONNECTION (no body)."""
    return encode_message(CLOSE_CONNECTION, msg_id)


def keepalive_ack(msg_id: int) -> bytes:
    """The answer to a KEEPALIVE carries its message id."""
    return encode_message(KEEPALIVE_ACK, msg_id)


def _antenna_configuration(antenna: int, s: InventorySettings) -> bytes:
    singulation = tlv(C1G2_SINGULATION_CONTROL, struct.pack(">BHI", s.session << 6, s.tag_population,
                                                             s.tag_transit_time_ms))
    body = struct.pack(">H", antenna)
    if s.tx_power_index:  # HopTableID 1, ChannelIndex 1: the first (or only) table and channel
        body += tlv(RF_TRANSMITTER, struct.pack(">HHH", 1, 1, s.tx_power_index))
    body += tlv(C1G2_INVENTORY_COMMAND, b"\x00" + singulation)
    return tlv(ANTENNA_CONFIGURATION, body)


def add_rospec(msg_id: int, s: InventorySettings) -> bytes:
    """ADD_ROSPEC: a disabled ROSpec with null start/stop triggers (started by START_ROSPEC)."""
    antennas = s.antennas or (0,)
    boundary = tlv(RO_BOUNDARY_SPEC, tlv(ROSPEC_START_TRIGGER, b"\x00") + tlv(ROSPEC_STOP_TRIGGER, b"\x00" * 5))
    configs = b"".join(_antenna_configuration(a, s) for a in antennas)
    inventory = tlv(INVENTORY_PARAMETER_SPEC, struct.pack(">HB", 1, PROTOCOL_EPC_C1G2) + configs)
    aispec = tlv(AISPEC, struct.pack(">H", len(antennas)) + b"".join(struct.pack(">H", a) for a in antennas)
                 + tlv(AISPEC_STOP_TRIGGER, b"\x00" * 5) + inventory)
    report = tlv(RO_REPORT_SPEC, struct.pack(">BH", REPORT_UPON_N_TAGS_OR_END_OF_ROSPEC, s.report_every_n_tags)
                 + tlv(TAG_REPORT_CONTENT_SELECTOR, struct.pack(">H", CONTENT_SELECTOR)))
    rospec = tlv(ROSPEC, struct.pack(">IBB", s.rospec_id, 0, 0) + boundary + aispec + report)
    return encode_message(ADD_ROSPEC, msg_id, rospec)


def parse_status(body: bytes) -> Status:
    """The LLRPStatus that opens every *_RESPONSE and ERROR_MESSAGE body."""
    params = decode_params(body)
    status = next((p for p in params if p.type == LLRP_STATUS and not p.tv), None)
    if status is None or len(status.value) < 4:
        raise LlrpError("response without an LLRPStatus")
    code, size = struct.unpack_from(">HH", status.value)
    text = status.value[4 : 4 + size].decode("utf-8", "replace")
    return Status(code, text)


def _epc(param: Param) -> str | None:
    if param.tv and param.type == TV_EPC96:
        return param.value.hex().upper()
    if not param.tv and param.type == EPC_DATA:
        if len(param.value) < 2:
            raise LlrpError("EPCData without a length")
        bits = struct.unpack_from(">H", param.value)[0]
        data = param.value[2:]
        if bits == 0 or bits % 8 or len(data) < bits // 8:
            raise LlrpError(f"EPCData of {bits} bits in {len(data)} bytes")
        return data[: bits // 8].hex().upper()
    return None


def parse_tag_report_data(value: bytes) -> TagReport:
    """One TagReportData body; raises LlrpError if it has no EPC or a bad field."""
    epc, fields = None, {}
    for param in decode_params(value):
        epc = epc or _epc(param)
        if param.tv:
            fields[param.type] = param.value
    if epc is None:
        raise LlrpError("TagReportData without an EPC")

    def number(ptype: int, fmt: str) -> int | None:
        raw = fields.get(ptype)
        return struct.unpack(fmt, raw)[0] if raw is not None else None

    return TagReport(epc, number(TV_ANTENNA_ID, ">H"), number(TV_PEAK_RSSI, ">b"),
                     number(TV_FIRST_SEEN_UTC, ">Q"), number(TV_LAST_SEEN_UTC, ">Q"),
                     number(TV_TAG_SEEN_COUNT, ">H"))


def parse_ro_access_report(body: bytes) -> list[TagReport]:
    """Every TagReportData of an RO_ACCESS_REPORT (other parameters are skipped)."""
    return [parse_tag_report_data(p.value) for p in decode_params(body) if not p.tv and p.type == TAG_REPORT_DATA]


@dataclass(frozen=True)
class ReaderEvent:
    """What a READER_EVENT_NOTIFICATION says that the driver acts on."""

    connection_status: int | None = None  # ConnectionAttemptEvent: 0 = success
    closing: bool = False  # ConnectionCloseEvent: the reader is about to close
    exception: str | None = None  # ReaderExceptionEvent message


def parse_reader_event(body: bytes) -> ReaderEvent:
    """The events inside a READER_EVENT_NOTIFICATION that matter to the driver."""
    data = next((p for p in decode_params(body) if p.type == READER_EVENT_NOTIFICATION_DATA and not p.tv), None)
    if data is None:
        raise LlrpError("READER_EVENT_NOTIFICATION without ReaderEventNotificationData")
    status, closing, exception = None, False, None
    for param in decode_params(data.value):
        if param.tv:
            continue
        if param.type == CONNECTION_ATTEMPT_EVENT:
            if len(param.value) < 2:
                raise LlrpError("ConnectionAttemptEvent without a status")
            status = struct.unpack_from(">H", param.value)[0]
        elif param.type == CONNECTION_CLOSE_EVENT:
            closing = True
        elif param.type == READER_EXCEPTION_EVENT and len(param.value) >= 2:
            size = struct.unpack_from(">H", param.value)[0]
            exception = param.value[2 : 2 + size].decode("utf-8", "replace")
    return ReaderEvent(status, closing, exception)
