"""ISO 6346 container numbers on the watchlist: check-digit-consistent repairs of an OCR read."""

from __future__ import annotations

from garita.vision.iso6346 import CODE_RE, check_digit, is_valid

__all__ = ["check_digit", "is_valid", "repairs"]  # the check digit itself lives in vision.iso6346, once

# OCR reads a letter where a digit must be and the other way round; these are the usual swaps.
_AS_DIGIT = {"O": "0", "D": "0", "Q": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "B": "8", "G": "6", "T": "7"}
_AS_LETTER = {"0": "O", "1": "I", "2": "Z", "5": "S", "8": "B", "6": "G", "7": "T", "4": "A"}


def _coerce(number: str) -> str:
    """Letters in the first four places, digits after: a position-typed repair, unambiguous per place."""
    head = "".join(_AS_LETTER.get(c, c) for c in number[:4])
    tail = "".join(_AS_DIGIT.get(c, c) for c in number[4:])
    return head + tail


def _confusable(char: str, digit_place: bool, confusions: dict[str, str]) -> set[str]:
    """What OCR may have misread as ``char``, restricted to the kind of character this place holds."""
    options = set(confusions.get(char, ""))
    return {o for o in options if o.isdigit() == digit_place and o != char}


def repairs(number: str, confusions: dict[str, str]) -> list[str]:
    """Valid numbers one confusion away from ``number`` (after coercion), or the coerced number if valid."""
    if len(number) == 10:  # the check digit was not read: there is exactly one valid completion
        head = _coerce(number)
        return [head + str(check_digit(head))] if CODE_RE.fullmatch(head + "0") else []
    if len(number) != 11:
        return []
    base = _coerce(number)
    if is_valid(base):
        return [base]
    found = []
    for place, char in enumerate(base):
        for option in _confusable(char, place >= 4, confusions):
            candidate = base[:place] + option + base[place + 1:]
            if is_valid(candidate):
                found.append(candidate)
    return found
