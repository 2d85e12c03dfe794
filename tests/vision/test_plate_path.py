"""The plate path's choice between the plate detector's reads and the whole-frame search."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from garita.vision.plate_grammar import closed
from garita.vision.plate_reader import merge_reads
from garita.vision.reads import Candidate, PlateRead

BOX = ((0.0, 0.0), (10.0, 0.0), (10.0, 5.0), (0.0, 5.0))


def _read(text: str, confidence: float) -> PlateRead:
    return PlateRead(candidates=(Candidate(text, confidence, (confidence,) * len(text), None),), box=BOX)


def test_two_searches_give_one_read_per_text_the_stronger_first():
    merged = merge_reads([_read("ABC1234", 0.6), _read("ZZZ9999", 0.3)], [_read("ABC1234", 0.9), _read("XY12", 0.5)])
    assert [(r.text, r.confidence) for r in merged] == [("ABC1234", 0.9), ("XY12", 0.5), ("ZZZ9999", 0.3)]
    assert merge_reads([], []) == []


def test_only_brazil_is_closed_a_read_outside_its_series_is_doubtful_there():
    assert closed(("br",)) and not closed(("us",)) and not closed(("br", "us")) and not closed(("any",))


def _frame_with_plate(text: str) -> np.ndarray:
    frame = np.full((720, 1280, 3), 90, np.uint8)
    cv2.rectangle(frame, (500, 400), (780, 540), (245, 245, 245), -1)
    cv2.putText(frame, text, (520, 495), cv2.FONT_HERSHEY_SIMPLEX, 1.9, (20, 20, 20), 5)
    return frame


def test_both_paths_read_a_plate_and_a_lane_without_the_detector_still_reads(recognizer):
    frame = _frame_with_plate("7ABC123")
    assert recognizer.read_plates(frame, ("us",))[0].text == "7ABC123"
    previous = type(recognizer)(regions=("us",), sessions=replace(recognizer.sessions, plate_finder=None))
    assert previous.read_plates(frame)[0].text == "7ABC123"  # the whole-frame search alone


class _DummyFinder:
    """A plate detector that never finds a plate: an all-negative mask of the right size."""

    def get_inputs(self):
        return [type("Input", (), {"name": "frame"})()]

    def run(self, _outputs, feeds):
        _, _, height, width = feeds["frame"].shape
        return [np.full((1, 1, height // 4, width // 4), -10.0, np.float32)]


def test_a_frame_the_detector_finds_nothing_in_is_searched_whole(recognizer):
    blind = type(recognizer)(regions=("us",), sessions=replace(recognizer.sessions, plate_finder=_DummyFinder()))
    frame = _frame_with_plate("7ABC123")
    assert blind._found_plate_reads(frame, ("us",)) == []
    assert blind.read_plates(frame)[0].text == "7ABC123"
    assert blind.read_plates(np.full((720, 1280, 3), 90, np.uint8)) == []
