"""Plates of which the detector boxed only one group: fragment choice, the search box, and real reads."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from garita.vision import Recognizer
from garita.vision import plate_fragments as pf
from garita.vision.plate_fragments import HALF_WIDTH, fragments, is_fragment, line_through, plate_wide_box
from garita.vision.plate_reader import with_fragment_reads
from garita.vision.plate_refine import region_around
from garita.vision.reads import Candidate, PlateRead
from garita.vision.text_detector import TextBox
from tests.vision.conftest import line

FONT = cv2.FONT_HERSHEY_SIMPLEX


def textbox(x0: float, y0: float, x1: float, y1: float) -> TextBox:
    return TextBox.from_rect(x0, y0, x1, y1, 0.9)


def read(text: str, conf: float) -> PlateRead:
    return PlateRead((Candidate(text, conf, (conf,) * len(text)),), ((0, 0), (1, 0), (1, 1), (0, 1)))


def test_a_fragment_is_a_short_line_read_confidently() -> None:
    assert is_fragment(line("240")) and is_fragment(line("AU")) and is_fragment(line("59CA"))
    assert not is_fragment(line("7")) and not is_fragment(line("STORAGE")) and not is_fragment(line("AB", 0.5))


def test_fragments_keep_the_boxes_order_up_to_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    boxes = [textbox(i * 50, 0, i * 50 + 40, 20) for i in range(4)]
    lines = [line("STORAGE"), line("59"), line("AB", 0.5), line("240")]
    monkeypatch.setattr(pf, "MAX_FRAGMENTS", 2)
    assert fragments(boxes, lines) == [(boxes[1], lines[1]), (boxes[3], lines[3])]
    monkeypatch.setattr(pf, "MAX_FRAGMENTS", 1)
    assert fragments(boxes, lines) == [(boxes[1], lines[1])]


def test_the_search_box_is_as_tall_as_the_fragment_and_plate_wide() -> None:
    (x0, y0), (x1, _), (_, y3) = plate_wide_box(textbox(100, 50, 140, 70))[:3]
    assert (x0, x1) == (120 - HALF_WIDTH * 20, 120 + HALF_WIDTH * 20) and (y0, y3) == (50, 70)


def test_the_line_through_a_point_is_the_widest_one_crossing_it() -> None:
    boxes = [textbox(130, 40, 170, 60), textbox(60, 38, 240, 62), textbox(0, 0, 300, 10), textbox(140, 0, 160, 99)]
    assert line_through(boxes, (150, 50)) is boxes[1]  # the top caption and the tall box do not cross it
    assert line_through(boxes, (50, 50)) is boxes[1]  # just past its left end (60): half a height of slack
    assert line_through(boxes, (30, 50)) is None and line_through(boxes, (280, 50)) is None
    assert line_through([textbox(0, 0, 300, 10)], (150, 50)) is None


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


def test_one_plate_gets_one_read_the_stronger_in_the_frame_reads_place() -> None:
    frame = [read("NORTHERN", 0.3), read("1AMW240", 0.5), read("3768750", 0.2)]
    stronger, weaker = read("1AMW240", 0.6), read("1AMW240", 0.4)
    assert with_fragment_reads(frame, [stronger]) == [frame[0], stronger, frame[2]]
    assert with_fragment_reads(frame, [weaker]) == frame
    shorter = read("1AMW24", 0.45)  # another text: joins as a new read, first since it beats NORTHERN's 0.3
    assert with_fragment_reads(frame, [weaker, stronger, shorter]) == [shorter, frame[0], stronger, frame[2]]


def test_region_coordinates_map_back_to_the_frame_at_its_edge() -> None:
    frame = np.zeros((720, 1280, 3), np.uint8)
    cv2.circle(frame, (6, 330), 2, (255, 255, 255), -1)
    region = region_around(frame, ((0, 310), (30, 310), (30, 337), (0, 337)))  # cut at the left edge
    assert region is not None and region.left == 0 and region.scale not in (1.0, 2.0, 3.0)
    ys, xs = np.nonzero(region.image[:, :, 0] > 128)
    (fx, fy), = region.to_frame(np.array([[xs.mean(), ys.mean()]]))
    assert abs(fx - 6) < 1.0 and abs(fy - 330) < 1.0
    rx, ry = region.from_frame((6, 330))
    assert abs(rx - xs.mean()) < region.scale and abs(ry - ys.mean()) < region.scale


def _split_plate(left: int) -> tuple[np.ndarray, dict[str, TextBox]]:
    """A white plate '7ABC 240' with its left edge at x=left, lettering squeezed to plate proportions."""
    squeeze = 0.6  # plate lettering is about half as wide as tall, as here after squeezing
    wide = np.full((360, 1000, 3), 90, np.uint8)
    (first, height), _ = cv2.getTextSize("7ABC", FONT, 2.0, 6)
    (second, _), _ = cv2.getTextSize("240", FONT, 2.0, 6)
    x0 = int(left / squeeze)
    start = x0 + 30 + first + 30  # a gap of about half a character, like the space on a plate
    cv2.rectangle(wide, (x0, 120), (start + second + 30, 240), (235, 235, 235), -1)
    cv2.putText(wide, "7ABC", (x0 + 30, 205), FONT, 2.0, (20, 20, 20), 6, cv2.LINE_AA)
    cv2.putText(wide, "240", (start, 205), FONT, 2.0, (20, 20, 20), 6, cv2.LINE_AA)
    groups = {
        "7ABC": textbox((x0 + 30) * squeeze, 205 - height, (x0 + 30 + first) * squeeze, 205),
        "240": textbox(start * squeeze, 205 - height, (start + second) * squeeze, 205),
    }
    return cv2.resize(wide, (600, 360), interpolation=cv2.INTER_AREA), groups


@pytest.mark.parametrize(("left", "group"), [(150, "240"), (0, "7ABC")])  # mid-frame; at the frame's left edge
def test_a_plate_split_at_a_gap_is_read_whole_from_one_group(recognizer: Recognizer, left: int, group: str):
    """Real detector and recogniser: from the box of one group alone, the whole '7ABC 240' line is found."""
    frame, groups = _split_plate(left)
    reads = recognizer._fragment_reads(frame, [groups[group]], [line(group)], ("any",))
    assert [r.text for r in reads] == ["7ABC240"]
    xs = [x for x, _ in reads[0].box]  # the box is the whole line, in frame pixels
    assert min(xs) < groups["7ABC"].quad[0][0] + 10 and max(xs) > groups["240"].quad[1][0] - 10


@pytest.mark.parametrize(("image", "plate"), [("car3.jpg", "1AMW240"), ("car5.jpg", "59CADI")])
def test_plates_split_at_a_space_or_emblem_are_read_on_real_photos(
    datasets: Path, recognizer: Recognizer, image: str, plate: str
) -> None:
    frame = cv2.imread(str(datasets / "plates" / "us" / image))
    assert recognizer.read_plates(frame, ("us",))[0].text == plate
