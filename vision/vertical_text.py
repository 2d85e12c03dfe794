"""Vertical container codes: characters stacked top to bottom, re-laid side by side for a line recogniser."""

from __future__ import annotations

import cv2
import numpy as np

MIN_CHAR_ROWS = 0.25  # a character is at least this share of the column width tall
GAP_ROWS = 0.08  # blank stretches shorter than this share of the width do not split a character


def _ink_rows(crop: np.ndarray) -> np.ndarray:
    """Boolean per row: does the row hold character ink (minority colour after Otsu)?"""
    gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    _, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if binary.mean() > 127:  # text is the minority colour, whichever polarity the paint has
        binary = 255 - binary
    width = binary.shape[1]
    core = binary[:, width // 8 : width - width // 8]  # ignore the margins the detector added
    return (core > 0).mean(axis=1) > 0.06


def split_rows(crop: np.ndarray) -> list[tuple[int, int]]:
    """Row spans (start, end) of the stacked characters, top to bottom."""
    ink = _ink_rows(crop)
    width = crop.shape[1]
    spans: list[list[int]] = []
    for y, inked in enumerate(ink):
        if not inked:
            continue
        if spans and y - spans[-1][1] <= max(1, int(GAP_ROWS * width)):
            spans[-1][1] = y
        else:
            spans.append([y, y])
    return [(a, b + 1) for a, b in spans if b + 1 - a >= MIN_CHAR_ROWS * width]


def column_to_line(crop: np.ndarray) -> np.ndarray | None:
    """Cut a tall crop into its characters and lay them left to right; None if fewer than 2 characters."""
    spans = split_rows(crop)
    if len(spans) < 2:
        return None
    height = max(b - a for a, b in spans) + 8
    width = crop.shape[1]
    pieces = []
    for a, b in spans:
        piece = np.full((height, width, 3), np.median(crop, axis=(0, 1)), dtype=np.uint8)
        top = (height - (b - a)) // 2
        piece[top : top + b - a] = crop[a:b]
        pieces.append(piece)
    return np.hstack(pieces)
