"""ICAO 9303 machine-readable zone parser for TD1, TD2 and TD3 documents."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

FORMATS = {(3, 30): "TD1", (2, 36): "TD2", (2, 44): "TD3"}
_ALLOWED = re.compile(r"^[A-Z0-9<]+$")
_WEIGHTS = (7, 3, 1)


class MrzError(ValueError):
    """Input that is not a machine-readable zone at all."""


def char_value(c: str) -> int:
    """ICAO value of one MRZ character: digits, A=10..Z=35, '<'=0."""
    if "0" <= c <= "9":
        return int(c)
    if "A" <= c <= "Z":
        return ord(c) - 55
    if c == "<":
        return 0
    raise MrzError(f"character {c!r} is not allowed in an MRZ")


def check_digit(field: str) -> int:
    """Weighted 7-3-1 check digit of a field."""
    return sum(char_value(c) * _WEIGHTS[i % 3] for i, c in enumerate(field)) % 10


def _check(field: str, digit: str, empty_ok: bool = False) -> bool:
    # An all-filler optional field may carry '<' instead of a digit.
    if empty_ok and digit == "<" and set(field) <= {"<"}:
        return True
    return digit.isdigit() and check_digit(field) == int(digit)


def clean_lines(text: str) -> list[str]:
    """Split raw reader text into MRZ lines: drop framing, blanks and '_' padding."""
    lines = [ln.strip().replace("_", "").replace(" ", "") for ln in re.split(r"[\r\n]+", text)]
    return [ln.upper() for ln in lines if ln]


def identify(lines: list[str]) -> str:
    """Return TD1/TD2/TD3 from line count and length, or raise MrzError."""
    shape = (len(lines), len(lines[0]) if lines else 0)
    fmt = FORMATS.get(shape)
    if fmt is None or any(len(ln) != shape[1] for ln in lines):
        lengths = "x".join(str(len(ln)) for ln in lines) or "nothing"
        raise MrzError(f"not an MRZ: {len(lines)} line(s) of length {lengths}")
    for ln in lines:
        if not _ALLOWED.match(ln):
            raise MrzError(f"MRZ line has characters outside A-Z 0-9 '<': {ln!r}")
    return fmt


def parse_date(yymmdd: str, expiry: bool, today: date | None = None) -> str | None:
    """YYMMDD to ISO; birth years after this year's YY are 19YY, expiry is 20YY."""
    if len(yymmdd) != 6 or not (yymmdd.isascii() and yymmdd.isdigit()):
        return None  # '²' is a digit to str.isdigit() but not to int()
    yy, mm, dd = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    this_yy = (today or date.today()).year % 100
    century = 2000 if expiry or yy <= this_yy else 1900
    try:
        return date(century + yy, mm, dd).isoformat()
    except ValueError:
        return None


def split_name(field: str) -> tuple[str, str]:
    """'SURNAME<<GIVEN<NAMES' to ('SURNAME', 'GIVEN NAMES')."""
    surname, _, given = field.partition("<<")
    tidy = lambda s: " ".join(p for p in s.split("<") if p)  # noqa: E731
    return tidy(surname), tidy(given)


def _common(doc_code: str, state: str, name: str, number: str, nat: str,
            dob: str, sex: str, exp: str) -> dict[str, Any]:
    surname, given = split_name(name)
    return {
        "document_type": doc_code.rstrip("<"), "document_code": doc_code,
        "issuing_state": state.replace("<", ""), "surname": surname, "given_names": given,
        "document_number": number.replace("<", ""), "nationality": nat.replace("<", ""),
        "birth_date": parse_date(dob, expiry=False), "sex": {"M": "M", "F": "F"}.get(sex, "X"),
        "expiry_date": parse_date(exp, expiry=True),
    }


def _parse_td3_td2(lines: list[str], fmt: str) -> dict[str, Any]:
    l1, l2 = lines
    opt_end = 42 if fmt == "TD3" else 35
    code_len = 1 if fmt == "TD3" and l1[1] == "<" else 2
    res = _common(l1[:code_len], l1[2:5], l1[5:], l2[0:9], l2[10:13],
                  l2[13:19], l2[20], l2[21:27])
    checks = {
        "document_number": _check(l2[0:9], l2[9]),
        "birth_date": _check(l2[13:19], l2[19]),
        "expiry_date": _check(l2[21:27], l2[27]),
    }
    res["optional_data"] = l2[28:opt_end].strip("<")
    if fmt == "TD3":
        checks["optional_data"] = _check(l2[28:42], l2[42], empty_ok=True)
    is_visa = l1[0] == "V"
    if not is_visa:
        composite = l2[0:10] + l2[13:20] + l2[21:opt_end + (1 if fmt == "TD3" else 0)]
        checks["composite"] = _check(composite, l2[-1])
    return res | {"checks": checks}


def _parse_td1(lines: list[str]) -> dict[str, Any]:
    l1, l2, l3 = lines
    res = _common(l1[0:2], l1[2:5], l3, l1[5:14], l2[15:18], l2[0:6], l2[7], l2[8:14])
    res["optional_data"] = (l1[15:30].strip("<") + " " + l2[18:29].strip("<")).strip()
    checks = {
        "document_number": _check(l1[5:14], l1[14]),
        "birth_date": _check(l2[0:6], l2[6]),
        "expiry_date": _check(l2[8:14], l2[14]),
        "composite": _check(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29], l2[29]),
    }
    return res | {"checks": checks}


def parse_mrz(text: str | list[str]) -> dict[str, Any]:
    """Parse MRZ text or lines; check digit failures give valid=False, not an error."""
    lines = clean_lines("\n".join(text) if isinstance(text, list) else text)
    fmt = identify(lines)
    res = _parse_td1(lines) if fmt == "TD1" else _parse_td3_td2(lines, fmt)
    res["format"] = fmt
    res["lines"] = lines
    res["valid"] = all(res["checks"].values()) and None not in (
        res["birth_date"], res["expiry_date"])
    return res
