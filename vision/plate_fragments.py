"""Plates split at a space or an emblem, of which the detector boxed only a part.

On a whole frame the detector sometimes boxes one group of a plate ("240" of "1A MW240", "59" of
"59 CADI") and finds nothing of the rest, so no line holds the plate. A short, confidently read line
is taken as such a fragment: the frame around it, as wide as a plate, is enlarged and searched again,
and the widest line through the fragment is read as the plate. Measured on the US development photos:
88 -> 90 of 99 exact (the two frames above), none broken; no Brazilian read changed. It runs only when
no read is confident, for the most plate-like fragment only.
"""

from __future__ import annotations

from vision.text_detector import TextBox
from vision.text_recognizer import TextLine

MIN_CHARS, MAX_CHARS = 2, 4  # a group of a plate: shorter than any plate, long enough to be text
MIN_SCORE = 0.8  # read confidently: a blurred smudge is not worth a second detection
HALF_WIDTH = 2.5  # the searched box reaches this many fragment heights either side (2.0-3.0 measured alike)
# Each search costs a detection and a recognition (about 35 ms). Measured on the 25 truck photos (1080p, much
# painted text, few plates), plate reading median: 0.17 s without the search, 0.26 s searching 2 fragments,
# 0.22 s searching 1; on the US plates 1 finds the same two plates as 2.
MAX_FRAGMENTS = 1


def fragments(boxes: list[TextBox], lines: list[TextLine]) -> list[tuple[TextBox, TextLine]]:
    """Boxes whose line reads like one confident group of a plate, most plate-like first."""
    found = [(box, line) for box, line in zip(boxes, lines, strict=True) if _is_fragment(line)]
    return found[:MAX_FRAGMENTS]


def _is_fragment(line: TextLine) -> bool:
    return MIN_CHARS <= len(line.chars) <= MAX_CHARS and line.score >= MIN_SCORE


def plate_wide_box(box: TextBox) -> tuple[tuple[float, float], ...]:
    """An upright box as tall as the fragment and as wide as a plate around it."""
    (cx, cy), reach = box.center, HALF_WIDTH * box.height
    x0, x1, y0, y1 = cx - reach, cx + reach, cy - box.height / 2, cy + box.height / 2
    return ((x0, y0), (x1, y0), (x1, y1), (x0, y1))


def line_through_centre(boxes: list[TextBox], shape: tuple[int, ...]) -> TextBox | None:
    """The widest horizontal line crossing the region's centre (where the fragment is), if any."""
    cx, cy = shape[1] / 2, shape[0] / 2
    crossing = [
        b
        for b in boxes
        if b.width >= b.height
        and abs(b.center[1] - cy) < b.height
        and abs(b.center[0] - cx) < b.width / 2 + b.height / 2
    ]
    return max(crossing, key=lambda b: b.width, default=None)
