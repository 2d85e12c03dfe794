"""Vertical container codes: characters stacked top to bottom, re-laid side by side for a line recogniser."""

from __future__ import annotations

import re

import cv2
import numpy as np

from garita.vision.iso6346 import CODE_LENGTH
from garita.vision.text_detector import TextBox

MIN_CHAR_ROWS = 0.25  # a character is at least this share of the column width tall
GAP_ROWS = 0.08  # blank stretches shorter than this share of the width do not split a character
TALL_SPAN = 1.6  # a span this many times the typical character height holds touching characters
CODE_TAIL = re.compile(r"[A-Z]{0,3}[A-Z0-9]?[0-9]{6,7}")  # the end of a code: serial (+ check digit), part of the owner
HEAD_ROOM = 1.0  # extra character heights above a cut-off column: the gap between owner code and serial
WIDEN = 0.3  # share of the width added each side: a column seen at an angle leans


def _ink(crop: np.ndarray) -> np.ndarray:
    """True where a pixel is character ink: the minority colour after Otsu, whichever polarity the paint has."""
    gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    _, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    ink = binary > 0
    return ~ink if ink.mean() > 0.5 else ink


def row_density(crop: np.ndarray) -> np.ndarray:
    """Share of character ink in each row (split_rows' input; compute it once for several cuts of a column)."""
    ink = _ink(crop)
    width = ink.shape[1]
    return ink[:, width // 8 : width - width // 8].mean(axis=1)  # ignore the margins the detector added


def split_rows(
    crop: np.ndarray, expected: int | None = None, density: np.ndarray | None = None
) -> list[tuple[int, int]]:
    """Row spans (start, end) of the stacked characters, top to bottom.

    ``expected``: how many characters the column is believed to hold (11 for a whole ISO 6346 code);
    spans taller than their share are then cut, for characters painted so close that no blank row
    separates them. ``density``: row_density(crop), if already computed."""
    density = row_density(crop) if density is None else density
    width = crop.shape[1]
    spans: list[list[int]] = []
    for y in np.flatnonzero(density > 0.06):
        if spans and y - spans[-1][1] <= max(1, int(GAP_ROWS * width)):
            spans[-1][1] = int(y)
        else:
            spans.append([int(y), int(y)])
    kept = [(a, b + 1) for a, b in spans if b + 1 - a >= MIN_CHAR_ROWS * width]
    if expected is not None and 0 < len(kept) < expected:
        return _split_touching(kept, density, sum(b - a for a, b in kept) / expected)
    if expected is None and len(kept) >= 3:  # most characters stand apart: the median is one character
        return _split_touching(kept, density, float(np.median([b - a for a, b in kept])))
    return kept


def _split_touching(spans: list[tuple[int, int]], density: np.ndarray, typical: float) -> list[tuple[int, int]]:
    """Cut spans that are a multiple of ``typical`` character heights at their faintest rows."""
    out: list[tuple[int, int]] = []
    window = max(1, int(typical * 0.3))
    for a, b in spans:
        parts = max(1, round((b - a) / typical)) if (b - a) > TALL_SPAN * typical else 1
        cuts = [a]
        for k in range(1, parts):
            guess = a + k * (b - a) // parts
            lo, hi = max(cuts[-1] + 1, guess - window), min(b - 1, guess + window)
            cut = lo + int(np.argmin(density[lo:hi])) if hi > lo else guess
            if cuts[-1] < cut < b:  # never an empty or backwards piece
                cuts.append(cut)
        out += list(zip(cuts, [*cuts[1:], b], strict=True))
    return out


def _ink_columns(piece: np.ndarray) -> tuple[int, int]:
    """Left and right edge of the character ink in one cut-out character."""
    inked = np.flatnonzero(_ink(piece).mean(axis=0) > 0.1)
    return (int(inked[0]), int(inked[-1]) + 1) if inked.size else (0, piece.shape[1])


def lay_out(crop: np.ndarray, spans: list[tuple[int, int]]) -> np.ndarray | None:
    """The characters at ``spans`` of a tall crop, left to right; None if fewer than 2."""
    if len(spans) < 2:
        return None
    height = max(b - a for a, b in spans) + 8
    background = np.median(crop, axis=(0, 1))
    pieces = []
    for a, b in spans:
        # Each character trimmed to its ink plus a margin: wide blank gaps between characters make the
        # line recogniser invent extra ones.
        left, right = _ink_columns(crop[a:b])
        margin = max(2, (b - a) // 6)
        left, right = max(0, left - margin), min(crop.shape[1], right + margin)
        piece = np.full((height, right - left, 3), background, dtype=np.uint8)
        top = (height - (b - a)) // 2
        piece[top : top + b - a] = crop[a:b, left:right]
        pieces.append(piece)
    return np.hstack(pieces)


def merge_columns(boxes: list[TextBox]) -> list[TextBox]:
    """Join tall boxes stacked in one column (the detector often splits owner code and serial)."""
    merged: list[TextBox] = []
    for box in sorted(boxes, key=lambda b: float(b.quad[:, 1].min())):
        above = next((i for i, m in enumerate(merged) if _stacked(m, box)), None)
        if above is None:
            merged.append(box)
            continue
        merged[above] = TextBox.around([merged[above], box], min(merged[above].score, box.score))
    return merged


def _stacked(upper: TextBox, lower: TextBox) -> bool:
    """Horizontally overlapping by half the narrower box, and no further apart than the owner-serial gap.

    (container_reader._same_column chains recognised column tokens by a looser rule, after recognition.)"""
    ux0, _, ux1, uy1 = upper.bounds
    lx0, ly0, lx1, _ = lower.bounds
    overlap = min(ux1, lx1) - max(ux0, lx0)
    narrower = min(ux1 - ux0, lx1 - lx0)
    return overlap >= 0.5 * narrower and ly0 - uy1 <= 3.0 * narrower


def is_code_tail(text: str) -> bool:
    """True when a column reads like the end of a code whose first characters were cut off."""
    return len(text) < CODE_LENGTH and CODE_TAIL.fullmatch(text) is not None


def extended_column(box: TextBox, chars: int, frame_shape: tuple[int, ...]) -> tuple[int, ...]:
    """(x0, y0, x1, y1) of the column above and including a box that holds the last ``chars`` characters.

    The detector often stops a vertical code below its owner code (stickers, lock plates, a gap);
    the column is grown upward by the missing characters plus the usual gap, and widened a little."""
    x0, y0, x1, y1 = box.bounds
    pitch = (y1 - y0) / max(chars, 1)
    top = y0 - (CODE_LENGTH - chars + HEAD_ROOM) * pitch
    pad = WIDEN * (x1 - x0)
    height, width = frame_shape[:2]
    return (max(0, int(x0 - pad)), max(0, int(top)), min(width, int(x1 + pad)), min(height, int(y1)))
