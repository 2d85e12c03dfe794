"""What the mock reader takes from an ADD_ROSPEC and a SET_READER_CONFIG (LLRP 1.0.1 §10, §12)."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from garita.hardware_mocks.llrp_field import SELECT_ALL
from garita.hardware_mocks.llrp_wire import P, WireError, params

DISABLED, INACTIVE, ACTIVE = 0, 1, 2


@dataclass
class RoSpec:
    """The parts of a ROSpec the mock acts on (and tests look at)."""

    id: int
    state: int = DISABLED
    antennas: frozenset[int] = frozenset()  # empty: every antenna (AntennaID 0)
    report_n: int = 1
    selector: int = SELECT_ALL
    session: int | None = None
    tag_population: int | None = None
    tx_power: dict[int, int] = field(default_factory=dict)


def _one(items: list[tuple[int, bytes]], ptype: str) -> bytes:
    found = [v for t, v in items if t == P[ptype]]
    if len(found) != 1:
        raise WireError(f"ROSpec needs exactly one {ptype}, has {len(found)}")
    return found[0]


def _inventory(spec: RoSpec, value: bytes) -> None:
    """InventoryParameterSpec: protocol must be Gen2; antenna configurations give session/power."""
    if len(value) < 3 or value[2] != 1:
        raise WireError("InventoryParameterSpec must name protocol 1 (EPCGlobal Class 1 Gen 2)")
    for ptype, conf in params(value[3:]):
        if ptype != P["AntennaConfiguration"] or len(conf) < 2:
            continue
        antenna = struct.unpack_from(">H", conf)[0]
        for sub, sub_value in params(conf[2:]):
            if sub == 224 and len(sub_value) >= 6:  # RFTransmitter
                spec.tx_power[antenna] = struct.unpack_from(">H", sub_value, 4)[0]
            elif sub == P["C1G2InventoryCommand"] and sub_value:
                for inner, inner_value in params(sub_value[1:]):
                    if inner == P["C1G2SingulationControl"] and len(inner_value) >= 3:
                        spec.session = inner_value[0] >> 6
                        spec.tag_population = struct.unpack_from(">H", inner_value, 1)[0]


def _aispec(spec: RoSpec, value: bytes) -> None:
    if len(value) < 2:
        raise WireError("AISpec without an antenna count")
    count = struct.unpack_from(">H", value)[0]
    if count == 0 or len(value) < 2 + 2 * count:
        raise WireError(f"AISpec lists {count} antennas in {len(value)} bytes")
    ids = struct.unpack_from(f">{count}H", value, 2)
    spec.antennas = frozenset() if 0 in ids else frozenset(ids)
    inner = params(value[2 + 2 * count :])
    _inventory(spec, _one(inner, "InventoryParameterSpec"))


def parse_add_rospec(body: bytes) -> RoSpec:
    """The ROSpec of an ADD_ROSPEC body; WireError names what is wrong."""
    value = _one(params(body), "ROSpec")
    if len(value) < 6:
        raise WireError("ROSpec shorter than its fixed fields")
    rospec_id, _priority, state = struct.unpack_from(">IBB", value)
    if rospec_id == 0 or state != DISABLED:
        raise WireError(f"ROSpec id {rospec_id} state {state}: id must be non-zero, state Disabled")
    spec = RoSpec(rospec_id)
    inner = params(value[6:])
    _one(inner, "ROBoundarySpec")
    _aispec(spec, _one(inner, "AISpec"))
    for ptype, report in inner:
        if ptype == P["ROReportSpec"] and len(report) >= 3:
            spec.report_n = struct.unpack_from(">H", report, 1)[0]
            for sub, sel in params(report[3:]):
                if sub == P["TagReportContentSelector"] and len(sel) >= 2:
                    spec.selector = struct.unpack_from(">H", sel)[0]
    return spec


def parse_reader_config(body: bytes) -> tuple[bool, int | None]:
    """(factory reset asked, keepalive period in ms or None) of a SET_READER_CONFIG body."""
    if not body:
        raise WireError("SET_READER_CONFIG without its ResetToFactoryDefault byte")
    keepalive = None
    for ptype, value in params(body[1:]):
        if ptype == P["KeepaliveSpec"]:
            if len(value) < 5:
                raise WireError("KeepaliveSpec shorter than 5 bytes")
            kind, period = struct.unpack_from(">BI", value)
            keepalive = period if kind == 1 else 0
    return bool(body[0] & 0x80), keepalive
