"""Plates split at a space or an emblem, of which the detector boxed only a part.

On a whole frame the detector sometimes boxes one group of a plate ("240" of "1A MW240"; on another
frame "59" and a misread "CADI" of "59 CADI" as two short lines) and finds nothing of the rest, so no
line holds the plate. A short, confidently read line is taken as such a fragment: the frame around it,
as wide as a plate, is enlarged and searched again, and the widest line through the fragment is read
as the plate. Measured on the US development photos: 88 -> 90 of 99 exact (the two frames above),
none broken; no Brazilian read changed. It runs only when the best read is doubtful (or there is
none), for the most plate-like fragment only.
"""

from __future__ import annotations

from garita.vision.text_detector import TextBox
from garita.vision.text_recognizer import TextLine

MIN_CHARS, MAX_CHARS = 2, 4  # a group of a plate: shorter than any plate, long enough to be text
MIN_SCORE = 0.8  # read confidently: a blurred smudge is not worth a second detection
# The box handed to plate_refine.region_around reaches this many fragment heights either side (2.0-3.0
# measured alike); the region adds its own margins, so about 4.5 heights either side are searched.
HALF_WIDTH = 2.5
# Each search costs a detection and a recognition (about 35 ms). Measured on the 25 truck photos (1080p, much
# painted text, few plates), plate reading median: 0.17 s without the search, 0.26 s searching 2 fragments,
# 0.22 s searching 1; on the US plates 1 finds the same two plates as 2.
MAX_FRAGMENTS = 1


def is_fragment(line: TextLine) -> bool:
    """A line that reads like one confident group of a plate."""
    return MIN_CHARS <= len(line.chars) <= MAX_CHARS and line.score >= MIN_SCORE


def fragments(boxes: list[TextBox], lines: list[TextLine]) -> list[tuple[TextBox, TextLine]]:
    """The first MAX_FRAGMENTS (box, line) pairs that are fragments, in the boxes' (plate-like) order."""
    return [(box, line) for box, line in zip(boxes, lines, strict=True) if is_fragment(line)][:MAX_FRAGMENTS]


def plate_wide_box(box: TextBox) -> tuple[tuple[float, float], ...]:
    """An upright box as tall as the fragment and as wide as a plate around it."""
    (cx, cy), reach = box.center, HALF_WIDTH * box.height
    return TextBox.from_rect(cx - reach, cy - box.height / 2, cx + reach, cy + box.height / 2, box.score).corners


def line_through(boxes: list[TextBox], point: tuple[float, float]) -> TextBox | None:
    """The widest horizontal line that crosses point (where the fragment is), if any."""
    x, y = point
    crossing = [
        b
        for b in boxes
        if b.width >= b.height
        and abs(b.center[1] - y) < b.height
        and abs(b.center[0] - x) < b.width / 2 + b.height / 2
    ]
    return max(crossing, key=lambda b: b.width, default=None)
