"""Serials painted with wide letter spacing: the detector stops after a few digits; read on to the right.

Some owners space the characters of a horizontal code far apart ("K M B U / 2 0 3 5 1 1 3"). The
detector then boxes the first digits alone and misses the thin ones after a wide gap. A horizontal
token of 1-5 digits is re-read over a crop grown to the right by the missing digits (at the token's own
pitch) plus half a character; the longer read replaces the token only if it starts with the same digits.
"""

from __future__ import annotations

import re

import numpy as np

from garita.vision.text_detector import TextBox

PARTIAL_SERIAL = re.compile(r"[0-9]{1,5}")
SERIAL_AND_CHECK = 7
SLACK = 0.5  # extra character pitches: the boxed check digit sits a little apart


def wants_continuation(text: str) -> bool:
    """True for a horizontal token that may be the start of a spaced-out serial."""
    return PARTIAL_SERIAL.fullmatch(text) is not None


def continued_box(box: TextBox, digits: int) -> TextBox:
    """The box grown to the right by the serial's missing digits, at the box's own character pitch."""
    quad = box.quad.astype(np.float32)
    reach = (SERIAL_AND_CHECK - digits + SLACK) * box.width / max(digits, 1) * box.along
    return TextBox(np.array([quad[0], quad[1] + reach, quad[2] + reach, quad[3]], np.float32), box.score)


def is_continuation(first: str, longer: str) -> bool:
    """True when a re-read adds characters after the token's own digits."""
    return len(longer) > len(first) and longer.startswith(first)
