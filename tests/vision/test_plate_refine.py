"""The second look at a doubtful plate: region, central lines, merging, and two real photos it fixes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from garita.vision.plate_reader import with_second_look
from garita.vision.plate_refine import LINES, MAX_SCALE, TARGET_HEIGHT, central_lines, region_around
from garita.vision.reads import Candidate, PlateRead
from garita.vision.text_detector import TextBox
from tests.vision.conftest import line


def quad(x0: float, y0: float, x1: float, y1: float) -> tuple[tuple[float, float], ...]:
    return ((x0, y0), (x1, y0), (x1, y1), (x0, y1))


def textbox(x0: float, y0: float, x1: float, y1: float) -> TextBox:
    return TextBox.from_rect(x0, y0, x1, y1, 0.9)


def test_the_region_is_scaled_so_the_plate_box_is_the_target_height() -> None:
    frame = np.zeros((720, 1280, 3), np.uint8)
    region = region_around(frame, quad(600, 300, 700, 340)).image  # 100 x 40 box
    scale = TARGET_HEIGHT / 40
    assert region.shape[:2] == (round((40 + 2 * 40) * scale), round((100 + 2 * 40) * scale))


def test_tiny_boxes_are_scaled_at_most_max_scale_and_edges_are_clipped() -> None:
    frame = np.zeros((720, 1280, 3), np.uint8)
    region = region_around(frame, quad(0, 0, 20, 8)).image
    assert region.shape[:2] == (round((8 + 8) * MAX_SCALE), round((20 + 8) * MAX_SCALE))
    assert region_around(frame, quad(1300, 800, 1400, 840)) is None  # wholly outside the frame


def test_central_lines_are_horizontal_and_nearest_the_centre_first() -> None:
    boxes = [textbox(0, 0, 60, 20), textbox(90, 40, 150, 60), textbox(115, 20, 125, 80), textbox(200, 90, 240, 110)]
    picked = central_lines(boxes, (100, 240, 3))
    assert [b.center for b in picked] == [(120.0, 50.0), (30.0, 10.0)][:LINES]  # the tall box is skipped


def test_second_look_candidates_merge_by_text_keeping_the_stronger() -> None:
    first = PlateRead((Candidate("FB80R4T", 0.62, (0.9,) * 7), Candidate("FB8R4T", 0.3, (0.9,) * 6)), quad(0, 0, 9, 4))
    merged = with_second_look(first, [line("FB8R4T", 0.97), line("2014-05-03 07:05")], ("us",))
    assert merged.candidates[0].text == "FB8R4T" and merged.candidates[0].confidence > 0.62
    assert [c.text for c in merged.candidates].count("FB8R4T") == 1
    assert merged.box == first.box


@pytest.mark.parametrize(
    ("image", "plate"),
    [("wts-lg-000043.jpg", "FB8R4T"), ("wts-lg-000095.jpg", "4FCW533")],  # a glyph read twice; a lost 4 and W
)
def test_doubtful_small_plates_are_read_right_on_the_second_look(datasets, recognizer, image: str, plate: str):
    frame = cv2.imread(str(datasets / "plates" / "us" / image))
    assert recognizer.read_plates(frame, ("us",))[0].text == plate


@settings(max_examples=80, deadline=None)
@given(st.tuples(*[st.floats(-500, 2000, allow_nan=False)] * 4), st.integers(1, 64), st.integers(1, 64))
def test_any_box_gives_an_enlarged_region_or_none(corners, height: int, width: int) -> None:
    x0, y0, x1, y1 = corners
    box = quad(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    region = region_around(np.zeros((height, width, 3), np.uint8), box)
    assert region is None or (region.image.shape[0] >= 2 and region.image.shape[1] >= 2 and region.image.shape[2] == 3)
