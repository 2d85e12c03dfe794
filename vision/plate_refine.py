"""A second look at a doubtful plate: the region around it enlarged, its text found again and re-read.

Small plates (25-45 px boxes in a 1280x720 frame) get loose boxes from a detector run on the whole
frame, and a loose box costs characters (frame edges read as I or 1, glyphs read twice). Detecting
again on the region scaled so the plate box is about TARGET_HEIGHT pixels tall gives a tight box.
Measured on the US development photos with the PP-OCRv4 recogniser: the hand-labelled plate boxes, read
through the plate grammars, gave the right text for 65 of 99; re-detected this way, 76 of 99. It costs
27-40 ms, so it runs only for doubtful reads (11-16 of the 99 with PP-OCRv6).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from garita.vision.text_detector import TextBox

DOUBTFUL = 0.7  # a first answer below this confidence gets the second look
TARGET_HEIGHT = 80.0  # plate box height, in pixels, after scaling the region
MAX_SCALE = 4.0
MARGIN_X, MARGIN_Y = 0.4, 1.0  # region around the box, in shares of its width and height
LINES = 1  # re-read the line nearest the region's centre (2 lines: same accuracy, slower)


@dataclass(frozen=True, eq=False)  # holds an array: no value equality
class Region:
    """A part of the frame, scaled: its pixels and the way to and from frame coordinates."""

    image: np.ndarray
    left: int
    top: int
    scale: float

    def to_frame(self, quad: np.ndarray) -> tuple[tuple[float, float], ...]:
        """A quad found in the region, in frame pixels."""
        return tuple((float(x / self.scale + self.left), float(y / self.scale + self.top)) for x, y in quad)

    def from_frame(self, point: tuple[float, float]) -> tuple[float, float]:
        """A frame point, in region pixels (the region is cut at the frame's edges, so not always its centre)."""
        return (point[0] - self.left) * self.scale, (point[1] - self.top) * self.scale


def region_around(frame: np.ndarray, box: tuple[tuple[float, float], ...]) -> Region | None:
    """The frame around a plate box, scaled so the box is about TARGET_HEIGHT tall (None if empty)."""
    quad = np.asarray(box, np.float32)
    (x0, y0), (x1, y1) = quad.min(axis=0), quad.max(axis=0)
    width, height = x1 - x0, y1 - y0
    left, top = int(max(0, x0 - MARGIN_X * width)), int(max(0, y0 - MARGIN_Y * height))
    right = int(min(frame.shape[1], x1 + MARGIN_X * width))
    bottom = int(min(frame.shape[0], y1 + MARGIN_Y * height))
    pixels = frame[top:bottom, left:right]
    if pixels.shape[0] < 2 or pixels.shape[1] < 2:
        return None
    scale = float(np.clip(TARGET_HEIGHT / max(float(height), 1.0), 1.0, MAX_SCALE))
    return Region(cv2.resize(pixels, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC), left, top, scale)


def central_lines(boxes: list[TextBox], shape: tuple[int, ...]) -> list[TextBox]:
    """The horizontal boxes nearest the region's centre, nearest first (the plate was there)."""
    cx, cy = shape[1] / 2, shape[0] / 2
    lines = [b for b in boxes if b.width >= b.height]
    lines.sort(key=lambda b: abs(b.center[0] - cx) + abs(b.center[1] - cy))
    return lines[:LINES]
