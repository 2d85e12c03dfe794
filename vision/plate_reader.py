"""Choose which detected text lines are plates and rank their readings."""

from __future__ import annotations

import re
from dataclasses import replace

from vision.plate_candidates import plate_candidates
from vision.plate_regions import shape_factor
from vision.reads import Candidate, PlateRead
from vision.text_detector import TextBox
from vision.text_recognizer import TextLine

# Cameras burn a date and a clock into the frame; as bare digits "2014-05-02" would pass for a plate.
CAPTION = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}|\d{1,2}:\d{2}:\d{2}")


def _content_factor(candidate: Candidate) -> float:
    """Outside a grammar, all-letter lines are usually words (make, dealer) and all-digit ones phone numbers."""
    if candidate.format is not None:
        return 1.0
    if candidate.text.replace("0", "O").isalpha():  # US generic reads report O as 0: N0RTHERN is still a word
        return 0.4
    return 0.7 if candidate.text.isdigit() else 1.0


def rank_plates(boxes: list[TextBox], lines: list[TextLine], regions: tuple[str, ...]) -> list[PlateRead]:
    """Plate reads from a frame's text lines, most plate-like first."""
    tallest = max((b.height for b in boxes), default=1.0)
    reads: list[tuple[float, PlateRead]] = []
    for box, line in zip(boxes, lines, strict=True):
        if CAPTION.search(line.raw_text):
            continue
        factor = shape_factor(box, tallest)
        found = plate_candidates(line.chars, regions)
        weighted = (replace(c, confidence=c.confidence * _content_factor(c)) for c in found)
        candidates = sorted(weighted, key=lambda c: -c.confidence)
        if not candidates:
            continue
        quad = tuple((float(x), float(y)) for x, y in box.quad)
        reads.append((candidates[0].confidence * factor, PlateRead(candidates=tuple(candidates), box=quad)))
    reads.sort(key=lambda item: -item[0])
    return [read for _, read in reads]
