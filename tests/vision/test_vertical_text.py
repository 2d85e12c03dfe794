"""Vertical container codes: cutting a column into characters, and joining a column the detector split."""

from __future__ import annotations

import cv2
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from garita.vision.container_reader import Token
from garita.vision.text_detector import TextBox
from garita.vision.vertical_text import extended_column, is_code_tail, lay_out, merge_columns, split_rows

CODE = "SEGU2508263"


def column(text: str, gap: int) -> np.ndarray:
    """White characters stacked on blue paint, ``gap`` blank rows between them (0: touching)."""
    pieces = []
    for char in text:
        cell = np.zeros((40, 36, 3), np.uint8)
        cell[:] = (120, 60, 20)
        cv2.putText(cell, char, (6, 36), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (255, 255, 255), 3)
        inked = np.flatnonzero(cell[:, :, 0].max(axis=1) > 200)
        pieces.append(cell[inked[0] : inked[-1] + 1])  # the glyph's own rows only: no blank row of its own
        pieces.append(np.full((gap, 36, 3), (120, 60, 20), np.uint8))
    return np.vstack(pieces)


def box(x0: float, y0: float, x1: float, y1: float) -> TextBox:
    return TextBox.from_rect(x0, y0, x1, y1, 0.9)


def test_characters_with_blank_rows_between_are_cut_one_by_one():
    assert len(split_rows(column(CODE, gap=8))) == 11


def test_touching_characters_are_cut_when_the_column_holds_a_whole_code():
    crop = column(CODE, gap=0)
    assert len(split_rows(crop)) < 11  # no blank rows: the plain cut merges characters
    assert len(split_rows(crop, expected=11)) == 11


@settings(max_examples=40, deadline=None)
@given(st.binary(min_size=0, max_size=4000), st.integers(1, 60))
def test_any_pixels_give_spans_inside_the_crop_or_no_line(data, width):
    pixels = np.frombuffer(data.ljust(width * 3, b"\0"), np.uint8)
    crop = pixels[: (pixels.size // (width * 3)) * width * 3].reshape(-1, width, 3)
    for expected in (None, 11):
        spans = split_rows(crop, expected)
        assert all(0 <= a < b <= crop.shape[0] for a, b in spans)
    line = lay_out(crop, split_rows(crop))
    assert line is None or line.shape[0] > 0


def test_stacked_boxes_of_one_column_are_joined_and_neighbours_are_not():
    owner, serial, size_type = box(875, 413, 913, 520), box(838, 560, 911, 982), box(994, 766, 1057, 979)
    merged = merge_columns([serial, size_type, owner])
    assert len(merged) == 2
    joined = next(b for b in merged if b.height > 500)
    assert joined.quad.min(axis=0).tolist() == [838, 413] and joined.quad.max(axis=0).tolist() == [913, 982]
    assert len(merge_columns([owner, box(875, 900, 913, 1000)])) == 2  # too far below: another column's text


def test_a_column_ending_in_a_serial_is_the_tail_of_a_code():
    assert is_code_tail("5037029") and is_code_tail("MU5037029") and is_code_tail("503702")
    assert not is_code_tail("TEMU5037029") and not is_code_tail("22G1") and not is_code_tail("MAXWT")


def test_the_extended_column_reaches_the_missing_owner_code_and_stays_in_the_frame():
    x0, y0, x1, y1 = extended_column(box(100, 400, 140, 750), 7, (1080, 1920, 3))
    assert (x0, x1, y1) == (88, 152, 750)
    assert y0 == 400 - (4 + 1) * 50  # 4 missing characters of 50 px, plus the owner-serial gap
    assert extended_column(box(100, 40, 140, 390), 7, (1080, 1920, 3))[1] == 0
    assert extended_column(box(1900, 400, 1919, 750), 7, (1080, 1920, 3))[2] == 1920


def test_an_owner_code_the_detector_left_out_is_read_with_the_serial(recognizer):
    paint = np.zeros((40 * 13, 120, 3), np.uint8)
    paint[:] = (120, 60, 20)
    code = column("SEGU", 8)
    serial = column("2508263", 8)
    paint[20 : 20 + code.shape[0], 42:78] = code
    top = 20 + code.shape[0] + 30  # the gap between owner code and serial
    paint[top : top + serial.shape[0], 42:78] = serial
    serial_box = box(40, top - 2, 80, top + serial.shape[0] + 2)
    rows = token_rows(serial_box)
    read = recognizer.text.read([lay_out(paint[rows], split_rows(paint[rows]))])[0]
    token = Token(read.chars, serial_box, vertical=True)
    assert token.text == "2508263"
    assert [t.text for t in recognizer._extended_columns(paint, [token])] == [CODE]


def token_rows(found: TextBox) -> tuple[slice, slice]:
    (x0, y0), (x1, y1) = found.quad.min(axis=0).astype(int), found.quad.max(axis=0).astype(int)
    return slice(y0, y1), slice(x0, x1)
