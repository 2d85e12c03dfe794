"""Two-line plates (square European plates, motorcycles, trailers): two stacked lines read as one serial.

The text detector boxes each line of a two-line plate on its own, and neither line alone is a plate (too
short for any series). Inside one found plate, two lines stacked one above the other are also offered joined,
top line first; the grammars then rank the joined reading against each line alone, so a state name above a
serial (too long joined) or a one-line plate's caption cannot displace the serial.
"""

from __future__ import annotations

import numpy as np

from garita.vision.text_detector import TextBox
from garita.vision.text_recognizer import TextLine

MIN_OVERLAP = 0.5  # of the narrower line's width, shared by both lines across
MAX_GAP = 0.8  # between the lines, in line heights
HEIGHT_RATIO = 2.0  # the taller line at most this many times the shorter


def _span(box: TextBox, axis: int) -> tuple[float, float]:
    return float(box.quad[:, axis].min()), float(box.quad[:, axis].max())


def stacked(top: TextBox, bottom: TextBox) -> bool:
    """Whether bottom sits right under top, about as tall, sharing most of its width."""
    (tx0, tx1), (bx0, bx1) = _span(top, 0), _span(bottom, 0)
    (_, ty1), (by0, _) = _span(top, 1), _span(bottom, 1)
    overlap = min(tx1, bx1) - max(tx0, bx0)
    taller, shorter = max(top.height, bottom.height), max(min(top.height, bottom.height), 1.0)
    return (top.center[1] < bottom.center[1] and overlap >= MIN_OVERLAP * min(tx1 - tx0, bx1 - bx0)
            and by0 - ty1 <= MAX_GAP * taller and taller / shorter <= HEIGHT_RATIO)


def joined(top: tuple[TextBox, TextLine], bottom: tuple[TextBox, TextLine]) -> tuple[TextBox, TextLine]:
    """One box around both lines and one line of the top's characters, then the bottom's."""
    (tbox, tline), (bbox, bline) = top, bottom
    quad = np.array([tbox.quad[0], tbox.quad[1], bbox.quad[2], bbox.quad[3]], np.float32)
    line = TextLine(chars=tline.chars + bline.chars, raw_text=f"{tline.raw_text}{bline.raw_text}",
                    raw_score=min(tline.raw_score, bline.raw_score))
    return TextBox(quad, min(tbox.score, bbox.score)), line


def with_joined_lines(boxes: list[TextBox], lines: list[TextLine]) -> tuple[list[TextBox], list[TextLine]]:
    """The lines of one plate, plus each stacked pair joined (top first)."""
    pairs = list(zip(boxes, lines, strict=True))
    extra = [joined(a, b) for a in pairs for b in pairs if a is not b and stacked(a[0], b[0])]
    return [*boxes, *(box for box, _ in extra)], [*lines, *(line for _, line in extra)]
