"""The vehicle photo with its plate boxes drawn, and a sharp crop of one plate, as JPEG for the booth."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

CROP_HEIGHT = 120  # px: the plate's characters readable at arm's length
MARGIN = 0.15  # share of the box added on each side, so no character is cut off
MAX_SIDE = 4096  # a box bigger than any camera frame is nonsense


class NoImage(ValueError):
    """The image is missing, unreadable, or the box does not lie on it."""


def _frame(path: Path) -> np.ndarray:
    frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if frame is None:
        raise NoImage(f"cannot read {path.name}")
    return frame


def _points(box: object) -> np.ndarray:
    """A box as the recogniser stores it: four (or more) [x, y] points in frame pixels."""
    try:
        points = np.asarray(box, dtype=np.float64).reshape(-1, 2)
    except (TypeError, ValueError):
        raise NoImage("the read has no usable box") from None
    if len(points) < 2 or not np.all(np.isfinite(points)) or np.abs(points).max() > MAX_SIDE:
        raise NoImage("the read has no usable box")
    return points


def crop_jpeg(path: Path, box: object) -> bytes:
    """The plate cut out with a margin and scaled to CROP_HEIGHT (cubic, so edges stay sharp)."""
    frame = _frame(path)
    points = _points(box)
    (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
    dx, dy = (x1 - x0) * MARGIN, (y1 - y0) * MARGIN
    height, width = frame.shape[:2]
    left, top = max(int(x0 - dx), 0), max(int(y0 - dy), 0)
    right, bottom = min(int(np.ceil(x1 + dx)), width), min(int(np.ceil(y1 + dy)), height)
    if right - left < 2 or bottom - top < 2:
        raise NoImage("the box lies outside the image")
    plate = frame[top:bottom, left:right]
    scale = CROP_HEIGHT / plate.shape[0]
    plate = cv2.resize(plate, (max(int(plate.shape[1] * scale), 1), CROP_HEIGHT), interpolation=cv2.INTER_CUBIC)
    return _jpeg(plate)


def boxed_jpeg(path: Path, boxes: list[object]) -> bytes:
    """The whole frame with each plate box outlined (boxes that make no sense are left out)."""
    frame = _frame(path)
    thickness = max(frame.shape[0] // 120, 3)
    for box in boxes:
        try:
            points = _points(box).astype(np.int32)
        except NoImage:
            continue
        cv2.polylines(frame, [points.reshape(-1, 1, 2)], True, (0, 220, 255), thickness)
    return _jpeg(frame)


def _jpeg(image: np.ndarray) -> bytes:
    ok, encoded = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    if not ok:
        raise NoImage("cannot encode the image")
    return encoded.tobytes()
