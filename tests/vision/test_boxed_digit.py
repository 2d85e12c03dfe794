"""Boxed check digits right of a serial: found, read without their frame, mapped back to the frame."""

from __future__ import annotations

import cv2
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from garita.vision.boxed_digit import INSET, box_inside, find_box, rect_to_frame, search_quad, wants_check_digit
from garita.vision.container_reader import Token
from garita.vision.text_detector import TextBox
from garita.vision.text_recognizer import crop_quad

FONT = cv2.FONT_HERSHEY_SIMPLEX


def door(serial: str = "110540", digit: str = "8") -> tuple[np.ndarray, TextBox, tuple[int, int, int, int]]:
    """White paint on a dark door: the serial, a gap, then the check digit inside a drawn box."""
    image = np.full((200, 700, 3), 60, np.uint8)
    cv2.putText(image, serial, (40, 120), FONT, 2.0, (240, 240, 240), 5, cv2.LINE_AA)
    (width, _), _ = cv2.getTextSize(serial, FONT, 2.0, 5)
    x0 = 40 + width + 30
    cv2.rectangle(image, (x0, 62), (x0 + 52, 132), (240, 240, 240), 3)
    cv2.putText(image, digit, (x0 + 6, 120), FONT, 2.0, (240, 240, 240), 5, cv2.LINE_AA)
    quad = np.array([[34, 60], [40 + width + 6, 60], [40 + width + 6, 134], [34, 134]], np.float32)
    return image, TextBox(quad=quad, score=0.9), (x0, 62, 52, 70)


def test_only_rows_ending_in_a_bare_serial_want_a_check_digit() -> None:
    assert wants_check_digit("110540") and wants_check_digit("CXDU110540")
    assert not wants_check_digit("CXDU1105408") and not wants_check_digit("12345") and not wants_check_digit("MAXWT")


def test_the_box_is_found_and_maps_back_onto_the_drawn_one() -> None:
    image, serial_box, (x0, y0, w, h) = door()
    quad = search_quad(serial_box)
    region = crop_quad(image, quad)
    rect = find_box(region, serial_box.height)
    assert rect is not None
    found = rect_to_frame(quad, (region.shape[1], region.shape[0]), rect)
    (fx0, fy0), (fx1, fy1) = found.quad.min(axis=0), found.quad.max(axis=0)
    # within the stroke width of the drawn frame plus the edge dilation
    assert max(abs(fx0 - x0), abs(fy0 - y0), abs(fx1 - (x0 + w)), abs(fy1 - (y0 + h))) <= 6
    inside = box_inside(region, rect)
    _, _, w, h = rect  # the frame lines cut off each side, then a 4/8 px border added back for the recogniser
    assert inside.shape[:2] == (h - 2 * int(INSET * h) + 8, w - 2 * int(INSET * w) + 16)


def test_no_box_no_digit() -> None:
    image = np.full((200, 700, 3), 60, np.uint8)
    cv2.putText(image, "110540", (40, 120), FONT, 2.0, (240, 240, 240), 5, cv2.LINE_AA)
    box = TextBox(quad=np.array([[34, 60], [300, 60], [300, 134], [34, 134]], np.float32), score=0.9)
    region = crop_quad(image, search_quad(box))
    assert find_box(region, box.height) is None


@settings(max_examples=60, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(8, 60), st.integers(8, 120), st.just(3))), st.floats(4.0, 60.0))
def test_any_pixels_give_a_rect_inside_the_region_or_none(region: np.ndarray, height: float) -> None:
    rect = find_box(region, height)
    if rect is not None:
        x, y, w, h = rect
        assert y > 0 and y + h < region.shape[0] and x >= 0 and x + w < region.shape[1]


def test_the_recognizer_reads_the_digit_inside_the_box(recognizer) -> None:
    image, serial_box, _ = door(digit="8")
    line = recognizer.text.read([crop_quad(image, serial_box.quad)])[0]
    assert line.text == "110540"
    tokens = recognizer._check_digit_tokens(image, [Token(line.chars, serial_box, vertical=False)])
    assert [t.text for t in tokens] == ["8"]
