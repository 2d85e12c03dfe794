"""GS1 element strings (GS1-128, GS1 DataMatrix/QR, DataBar) split into AIs."""

from __future__ import annotations

from typing import Any

GS = "\x1d"
GS1_SYMBOLOGIES = frozenset({"]C1", "]d2", "]Q3", "]e0"})
# AI -> (name, fixed length or None for variable, max length)
AI_TABLE: dict[str, tuple[str, int | None, int]] = {
    "00": ("sscc", 18, 18), "01": ("gtin", 14, 14), "02": ("content_gtin", 14, 14),
    "10": ("batch", None, 20), "11": ("production_date", 6, 6), "15": ("best_before", 6, 6),
    "17": ("expiry", 6, 6), "21": ("serial", None, 20), "30": ("count", None, 8),
    "37": ("units", None, 8), "400": ("order_number", None, 30),
    "420": ("ship_to_postal", None, 20),
}
CHECKED = {"00", "01", "02"}


class Gs1Error(ValueError):
    """An element string that does not follow the AI table."""


def gs1_check_digit(body: str) -> int:
    """Mod-10 check digit (weights 3,1 from the right) of a GTIN/SSCC body."""
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def _take(text: str, pos: int) -> tuple[str, str, int]:
    ai = next((a for a in (text[pos:pos + 2], text[pos:pos + 3]) if a in AI_TABLE), None)
    if ai is None:
        raise Gs1Error(f"unknown application identifier at {pos}: {text[pos:pos + 4]!r}")
    _, fixed, max_len = AI_TABLE[ai]
    start = pos + len(ai)
    if fixed is not None:
        value, end = text[start:start + fixed], start + fixed
        if len(value) != fixed:
            raise Gs1Error(f"AI ({ai}) needs {fixed} characters, got {len(value)}")
    else:
        gs = text.find(GS, start)
        end = len(text) if gs < 0 else gs
        value = text[start:end]
        if not value or len(value) > max_len:
            raise Gs1Error(f"AI ({ai}) value length {len(value)} not in 1..{max_len}")
    if end < len(text) and text[end] == GS:
        end += 1  # a GS after a fixed field is allowed and skipped
    return ai, value, end


def parse_gs1(text: str) -> dict[str, Any]:
    """Parse an element string (without symbology id) into AI values and check results."""
    text = text.lstrip(GS)  # a leading FNC1 may be sent as GS
    if not text:
        raise Gs1Error("empty GS1 element string")
    elements: dict[str, str] = {}
    pos = 0
    while pos < len(text):
        ai, value, pos = _take(text, pos)
        elements[ai] = value
    fields: dict[str, Any] = {AI_TABLE[ai][0]: v for ai, v in elements.items()}
    checks = {}
    for ai in CHECKED & elements.keys():
        v = elements[ai]
        digits = v.isascii() and v.isdigit()
        checks[AI_TABLE[ai][0]] = digits and gs1_check_digit(v[:-1]) == int(v[-1])
    return {"ai": elements, **fields, "checks": checks, "valid": all(checks.values())}
