"""ISO 6346 container codes: check digit, validation and single-position repair (protocols.md section 7)."""

from __future__ import annotations

import re
import string

CODE_LENGTH = 11  # owner (3) + category (1) + serial (6) + check digit

CODE_RE = re.compile(r"^[A-Z]{3}[UJZ][0-9]{7}$")  # ASCII digits only: str.isdigit() also takes "٣"
CATEGORIES = "UJZ"
# Letter values start at 10 and skip multiples of 11 (11, 22, 33).
LETTER_VALUES: dict[str, int] = {}
_value = 10
for _letter in string.ascii_uppercase:
    if _value % 11 == 0:
        _value += 1
    LETTER_VALUES[_letter] = _value
    _value += 1


def char_value(char: str) -> int:
    """Numeric value of one code character."""
    return int(char) if char.isdigit() else LETTER_VALUES[char]


def check_digit(first10: str) -> int:
    """Check digit of owner code + category + serial (remainder 10 is written as 0)."""
    if len(first10) != 10 or not re.fullmatch(r"[A-Z]{4}[0-9]{6}", first10):
        raise ValueError(f"need 4 letters and 6 digits, got {first10!r}")
    total = sum(char_value(c) << i for i, c in enumerate(first10))
    return total % 11 % 10


def remainder(first10: str) -> int:
    """Raw weighted sum mod 11 (10 means the check digit is ambiguous by design)."""
    return sum(char_value(c) << i for i, c in enumerate(first10)) % 11


def is_valid(code: str) -> bool:
    """True when code is well formed (category U, J or Z) and its check digit matches."""
    return bool(CODE_RE.fullmatch(code)) and check_digit(code[:10]) == int(code[10])


def is_strong(code: str) -> bool:
    """Valid and not resting on a check digit of 0, which two remainders (0 and 10) both produce."""
    return is_valid(code) and code[10] != "0"


def repair_digit(code: str, position: int) -> list[str]:
    """Codes that differ from code only in the digit at position (4-10) and pass the check."""
    if not 4 <= position <= 10 or not CODE_RE.fullmatch(code[:4] + "0" * 7) or not code[4:].isdigit():
        return []
    fixes = []
    for digit in string.digits:
        trial = code[:position] + digit + code[position + 1 :]
        if trial != code and is_valid(trial):
            fixes.append(trial)
    return fixes
