"""The part of the frame around a plate the plate detector found, scaled for reading its text lines.

The detector's box holds the whole plate (state name, slogan, frame); the serial is found inside it by the
text detector, which on a region of a few hundred pixels costs a few milliseconds instead of the ~100 ms of a
whole 1280 px frame."""

from __future__ import annotations

import cv2
import numpy as np

from garita.vision.plate_refine import Region
from garita.vision.text_detector import TextBox

TARGET_HEIGHT = 110.0  # plate height after scaling: its serial then stands about 50 px tall
MAX_SCALE = 4.0
MARGIN = 0.2  # of the plate's width and height on each side: the detector's box may clip an edge character


def plate_region(frame: np.ndarray, plate: TextBox) -> Region | None:
    """The frame around a found plate, scaled so the plate is about TARGET_HEIGHT tall (None if empty)."""
    (x0, y0), (x1, y1) = plate.quad.min(axis=0), plate.quad.max(axis=0)
    width, height = x1 - x0, y1 - y0
    left, top = int(max(0, x0 - MARGIN * width)), int(max(0, y0 - MARGIN * height))
    right = int(min(frame.shape[1], x1 + MARGIN * width))
    bottom = int(min(frame.shape[0], y1 + MARGIN * height))
    pixels = frame[top:bottom, left:right]
    if pixels.shape[0] < 4 or pixels.shape[1] < 4:
        return None
    scale = float(np.clip(TARGET_HEIGHT / max(float(height), 1.0), 0.25, MAX_SCALE))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return Region(cv2.resize(pixels, None, fx=scale, fy=scale, interpolation=interpolation), left, top, scale)
