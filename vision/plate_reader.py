"""Choose which detected text lines are plates and rank their readings."""

from __future__ import annotations

import re
from dataclasses import replace

from garita.vision.plate_candidates import plate_candidates
from garita.vision.plate_regions import shape_factor
from garita.vision.reads import Candidate, PlateRead, strongest_by_text
from garita.vision.text_detector import TextBox
from garita.vision.text_recognizer import TextLine

# Cameras burn a date and a clock into the frame; as bare digits "2014-05-02" would pass for a plate.
CAPTION = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}|\d{1,2}:\d{2}:\d{2}")


def _content_factor(candidate: Candidate) -> float:
    """Outside a grammar, all-letter lines are usually words (make, dealer) and all-digit ones phone numbers."""
    if candidate.format is not None:
        return 1.0
    if candidate.text.replace("0", "O").isalpha():  # US generic reads report O as 0: N0RTHERN is still a word
        return 0.4
    return 0.7 if candidate.text.isdigit() else 1.0


def line_candidates(line: TextLine, regions: tuple[str, ...]) -> list[Candidate]:
    """Ranked plate candidates of one text line (none for a date or clock caption)."""
    if CAPTION.search(line.raw_text):
        return []
    found = plate_candidates(line.chars, regions)
    weighted = (replace(c, confidence=c.confidence * _content_factor(c)) for c in found)
    return sorted(weighted, key=lambda c: -c.confidence)


def with_second_look(read: PlateRead, lines: list[TextLine], regions: tuple[str, ...]) -> PlateRead:
    """The read with the candidates of lines re-read from the same plate merged in, best first."""
    merged = strongest_by_text([*read.candidates, *(c for line in lines for c in line_candidates(line, regions))])
    return replace(read, candidates=tuple(merged))


def rank_plates(boxes: list[TextBox], lines: list[TextLine], regions: tuple[str, ...]) -> list[PlateRead]:
    """Plate reads from a frame's text lines, most plate-like first."""
    tallest = max((b.height for b in boxes), default=1.0)
    reads: list[tuple[float, PlateRead]] = []
    for box, line in zip(boxes, lines, strict=True):
        factor = shape_factor(box, tallest)
        candidates = line_candidates(line, regions)
        if not candidates:
            continue
        reads.append((candidates[0].confidence * factor, PlateRead(candidates=tuple(candidates), box=box.corners)))
    reads.sort(key=lambda item: -item[0])
    return [read for _, read in reads]


def with_fragment_reads(reads: list[PlateRead], found: list[PlateRead]) -> list[PlateRead]:
    """The frame's reads with the plates rebuilt from fragments: first if one beats the best frame read, else last.

    One plate, one read: a rebuilt read with the text of a frame read takes that read's place if it is
    stronger, and is left out if not."""
    rebuilt: dict[str, PlateRead] = {}
    for read in sorted(found, key=lambda r: r.confidence):
        rebuilt[read.text] = read  # the strongest of each text
    kept = [max(r, rebuilt.pop(r.text), key=lambda x: x.confidence) if r.text in rebuilt else r for r in reads]
    rest = sorted(rebuilt.values(), key=lambda r: -r.confidence)
    top = kept[0].confidence if kept else 0.0
    return [r for r in rest if r.confidence > top] + kept + [r for r in rest if r.confidence <= top]


def merge_reads(first: list[PlateRead], second: list[PlateRead]) -> list[PlateRead]:
    """Reads of one frame from two searches: one read per text, the more confident, most confident first."""
    best: dict[str, PlateRead] = {}
    for read in [*first, *second]:
        if read.text not in best or best[read.text].confidence < read.confidence:
            best[read.text] = read
    return sorted(best.values(), key=lambda r: -r.confidence)
