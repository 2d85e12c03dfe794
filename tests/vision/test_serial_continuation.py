"""Spaced-out serials: which tokens are continued, how far, and a synthetic door read end to end."""

from __future__ import annotations

import cv2
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from garita.vision.container_reader import Token
from garita.vision.serial_continuation import (
    SERIAL_AND_CHECK,
    SLACK,
    continued_box,
    is_continuation,
    wants_continuation,
)
from garita.vision.text_detector import TextBox
from garita.vision.text_recognizer import crop_quad


def box(x0: float, y0: float, x1: float, y1: float) -> TextBox:
    return TextBox.from_rect(x0, y0, x1, y1, 0.9)


def test_only_short_all_digit_tokens_are_continued() -> None:
    assert wants_continuation("2035") and wants_continuation("7")
    assert not wants_continuation("203511") and not wants_continuation("KMBU") and not wants_continuation("22G1")


def test_the_box_grows_right_by_the_missing_digits_at_its_own_pitch() -> None:
    grown = continued_box(box(100, 50, 300, 90), 4)  # 4 digits over 200 px: 50 px a digit
    (x0, y0), (x1, y1) = grown.quad.min(axis=0), grown.quad.max(axis=0)
    assert (x0, y0, y1) == (100, 50, 90)
    assert x1 == 300 + (SERIAL_AND_CHECK - 4 + SLACK) * 50


@given(st.text(alphabet="0123456789", min_size=1, max_size=5), st.text(alphabet="0123456789ABC", max_size=6))
def test_a_continuation_keeps_the_digits_and_adds_some(first: str, more: str) -> None:
    assert is_continuation(first, first + more) == bool(more)
    assert not is_continuation(first, "X" + first + more)


def test_a_spaced_serial_is_read_on_past_the_gap(recognizer) -> None:
    door = np.full((120, 900, 3), 200, np.uint8)
    for i, char in enumerate("2035113"):
        gap = 30 if i >= 4 else 0  # the detector's box stops before this gap
        cv2.putText(door, char, (20 + i * 70 + gap, 85), cv2.FONT_HERSHEY_SIMPLEX, 2.0, (20, 20, 160), 5, cv2.LINE_AA)
    first = box(12, 30, 12 + 4 * 70, 95)
    read = recognizer.text.read([crop_quad(door, first.quad)])[0]
    assert read.text == "2035"
    [token] = recognizer._continue_serials(door, [Token(read.chars, first, vertical=False)])
    assert token.text == "2035113"
