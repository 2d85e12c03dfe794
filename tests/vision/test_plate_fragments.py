"""Plates of which the detector boxed only one group: fragment choice, the search box, and real reads."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vision.plate_fragments import HALF_WIDTH, MAX_FRAGMENTS, fragments, line_through_centre, plate_wide_box
from vision.plate_reader import with_fragment_reads
from vision.plate_refine import region_around
from vision.reads import Candidate, PlateRead
from vision.text_detector import TextBox
from vision.text_recognizer import CharGuess, TextLine

FONT = cv2.FONT_HERSHEY_SIMPLEX


def textbox(x0: float, y0: float, x1: float, y1: float) -> TextBox:
    return TextBox(np.array(((x0, y0), (x1, y0), (x1, y1), (x0, y1)), np.float32), 0.9)


def line(text: str, conf: float = 0.95) -> TextLine:
    return TextLine(tuple(CharGuess(((c, conf),)) for c in text), text, conf)


def read(text: str, conf: float) -> PlateRead:
    return PlateRead((Candidate(text, conf, (conf,) * len(text)),), ((0, 0), (1, 0), (1, 1), (0, 1)))


def test_fragments_are_short_confident_lines_in_rank_order() -> None:
    boxes = [textbox(0, 0, 40, 20), textbox(50, 0, 90, 20), textbox(0, 30, 200, 50), textbox(0, 60, 10, 70)]
    lines = [line("240"), line("AB", 0.5), line("STORAGE"), line("7")]
    assert fragments(boxes, lines) == [(boxes[0], lines[0])]
    many = [textbox(i * 50, 0, i * 50 + 40, 20) for i in range(5)]
    assert len(fragments(many, [line("59")] * 5)) == MAX_FRAGMENTS


def test_the_search_box_is_as_tall_as_the_fragment_and_plate_wide() -> None:
    (x0, y0), (x1, _), (_, y3) = plate_wide_box(textbox(100, 50, 140, 70))[:3]
    assert (x0, x1) == (120 - HALF_WIDTH * 20, 120 + HALF_WIDTH * 20) and (y0, y3) == (50, 70)


def test_the_line_through_the_centre_is_the_widest_one_crossing_it() -> None:
    shape = (100, 300, 3)  # centre (150, 50)
    boxes = [textbox(130, 40, 170, 60), textbox(60, 38, 240, 62), textbox(0, 0, 300, 10), textbox(140, 0, 160, 99)]
    assert line_through_centre(boxes, shape) is boxes[1]  # the top caption and the tall box do not cross it
    assert line_through_centre([textbox(0, 0, 300, 10)], shape) is None


@settings(max_examples=100)
@given(st.lists(st.floats(0.01, 1.0), max_size=5), st.lists(st.floats(0.01, 1.0), max_size=3))
def test_fragment_reads_join_the_frame_reads_without_reordering_them(frame_confs, found_confs) -> None:
    reads = [read(f"F{i}", c) for i, c in enumerate(frame_confs)]
    found = [read(f"G{i}", c) for i, c in enumerate(found_confs)]
    merged = with_fragment_reads(reads, found)
    assert sorted(map(id, merged)) == sorted(map(id, reads + found))
    assert [r for r in merged if r in reads] == reads
    if found and (not reads or max(found_confs) > reads[0].confidence):
        assert merged[0].confidence == max(found_confs)
    elif reads:
        assert merged[0] is reads[0]


def test_the_region_maps_back_to_frame_pixels() -> None:
    region = region_around(np.zeros((720, 1280, 3), np.uint8), ((600, 300), (700, 300), (700, 340), (600, 340)))
    assert region is not None and region.scale == 2.0
    assert region.to_frame(np.array([[0, 0], [80, 40]]))[1] == (region.left + 40.0, region.top + 20.0)


def test_a_plate_split_at_a_gap_is_read_whole_from_one_group(recognizer) -> None:
    """Real detector and recogniser: from the box of '240' alone, the whole '7ABC 240' line is found."""
    wide = np.full((360, 1000, 3), 90, np.uint8)
    cv2.rectangle(wide, (230, 120), (790, 240), (235, 235, 235), -1)
    (first, height), _ = cv2.getTextSize("7ABC", FONT, 2.0, 6)
    (width, _), _ = cv2.getTextSize("240", FONT, 2.0, 6)
    start = 260 + first + 30  # a gap of about half a character, like the space on a plate
    cv2.putText(wide, "7ABC", (260, 205), FONT, 2.0, (20, 20, 20), 6, cv2.LINE_AA)
    cv2.putText(wide, "240", (start, 205), FONT, 2.0, (20, 20, 20), 6, cv2.LINE_AA)
    squeeze = 0.6  # plate lettering is narrow: about half as wide as tall, as here after squeezing
    frame = cv2.resize(wide, (600, 360), interpolation=cv2.INTER_AREA)
    fragment = textbox(start * squeeze, 205 - height, (start + width) * squeeze, 205)
    reads = recognizer._fragment_reads(frame, [fragment], [line("240")], ("any",))
    assert [r.text for r in reads] == ["7ABC240"]
    xs = [x for x, _ in reads[0].box]
    # the box is the whole line, in frame pixels: from the first group's start to the fragment's end
    assert min(xs) < 260 * squeeze + 10 and max(xs) > (start + width) * squeeze - 10


@pytest.mark.parametrize(("image", "plate"), [("car3.jpg", "1AMW240"), ("car5.jpg", "59CADI")])
def test_plates_split_at_a_space_or_emblem_are_read_on_real_photos(datasets, recognizer, image: str, plate: str):
    frame = cv2.imread(str(datasets / "plates" / "us" / image))
    assert recognizer.read_plates(frame, ("us",))[0].text == plate
