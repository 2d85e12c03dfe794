"""AAMVA DL/ID PDF417 payload: header, subfile designators and data elements."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

COMPLIANCE = b"@\n\x1e\r"
_ELEMENT = re.compile(r"^[A-Z]{3}$")
NAMES = {
    "DAQ": "number", "DCS": "family_name", "DAC": "first_name", "DAD": "middle_names",
    "DBB": "birth_date", "DBA": "expiry_date", "DBD": "issue_date", "DBC": "sex",
    "DAG": "street", "DAI": "city", "DAJ": "jurisdiction", "DAK": "postal_code",
    "DCG": "country", "DCF": "discriminator", "DDA": "compliance_type",
}
DATE_ELEMENTS = {"DBB", "DBA", "DBD"}


class AamvaError(ValueError):
    """Bytes that are not a well-formed AAMVA DL/ID payload."""


def _digits(raw: bytes, start: int, n: int, what: str) -> int:
    chunk = raw[start:start + n]
    if len(chunk) != n or not chunk.isdigit():
        raise AamvaError(f"{what} at byte {start} is not {n} digits: {chunk!r}")
    return int(chunk)


def parse_header(raw: bytes) -> dict[str, Any]:
    """Header fields plus where the designators start (version 01 has no jurisdiction version)."""
    if not raw.startswith(COMPLIANCE) or raw[4:9] not in (b"ANSI ", b"AAMVA"):
        raise AamvaError("missing AAMVA header '@\\n\\x1e\\rANSI '")
    iin = raw[9:15].decode("ascii", "replace")
    version = _digits(raw, 15, 2, "AAMVA version")
    if version == 1:
        return {"iin": iin, "version": 1, "jurisdiction_version": None,
                "entries": _digits(raw, 17, 2, "entry count"), "designators_at": 19}
    return {"iin": iin, "version": version,
            "jurisdiction_version": _digits(raw, 17, 2, "jurisdiction version"),
            "entries": _digits(raw, 19, 2, "entry count"), "designators_at": 21}


def parse_designators(raw: bytes, at: int, entries: int) -> list[tuple[str, int, int]]:
    """(type, offset, length) for each subfile, as declared in the header."""
    out = []
    for i in range(entries):
        pos = at + 10 * i
        kind = raw[pos:pos + 2].decode("ascii", "replace")
        out.append((kind, _digits(raw, pos + 2, 4, "offset"), _digits(raw, pos + 6, 4, "length")))
    return out


def parse_subfile(raw: bytes, kind: str, offset: int, length: int) -> dict[str, str]:
    """Elements of one subfile, located by its declared offset and length."""
    body = raw[offset:offset + length]
    if len(body) < 2 or body[:2].decode("ascii", "replace") != kind:
        raise AamvaError(f"subfile {kind} not found at declared offset {offset}")
    text = body[2:].decode("latin-1").rstrip("\r")
    elements: dict[str, str] = {}
    for item in re.split(r"[\n\r]", text):
        if len(item) >= 3 and _ELEMENT.match(item[:3]):
            elements[item[:3]] = item[3:].strip()
    return elements


def parse_date(value: str, country: str) -> str | None:
    """MMDDCCYY (USA) or CCYYMMDD (CAN) to ISO; None when it is not a date."""
    if len(value) != 8 or not (value.isascii() and value.isdigit()):
        return None
    y, m, d = (value[:4], value[4:6], value[6:]) if country == "CAN" else (
        value[4:], value[:2], value[2:4])
    try:
        return date(int(y), int(m), int(d)).isoformat()
    except ValueError:
        return None


def parse_aamva(raw: bytes) -> dict[str, Any]:
    """Parse a whole AAMVA payload; returns header, named fields and raw elements."""
    header = parse_header(raw)
    designators = parse_designators(raw, header.pop("designators_at"), header["entries"])
    subfiles = {kind: parse_subfile(raw, kind, off, ln) for kind, off, ln in designators}
    main = subfiles.get("DL") or subfiles.get("ID")
    if main is None:
        raise AamvaError("no DL or ID subfile")
    country = main.get("DCG", "USA")
    fields: dict[str, Any] = {NAMES[k]: v for k, v in main.items() if k in NAMES}
    for code in DATE_ELEMENTS & main.keys():
        fields[NAMES[code]] = parse_date(main[code], country)
    return header | fields | {
        "document_type": "DL" if "DL" in subfiles else "ID",
        "elements": main, "subfiles": sorted(subfiles),
    }


def expected_length(raw: bytes) -> int | None:
    """Total payload length the header declares; None while the header is incomplete."""
    if len(raw) < 21:
        return None
    header = parse_header(raw)
    end_of_designators = header["designators_at"] + 10 * header["entries"]
    if len(raw) < end_of_designators:
        return None
    designators = parse_designators(raw, header["designators_at"], header["entries"])
    return max((off + ln for _, off, ln in designators), default=end_of_designators)
