"""Find the boxed check digit painted after a container serial, when the detector left it out.

ISO 6346 marks the check digit with a box. The text detector often misses that box or takes it apart
from the serial. The line recogniser then reads the frame as a glyph of its own, or as nothing at all.
So we look for the box in the space just right of the serial and read only what is inside it.
"""

from __future__ import annotations

import re

import cv2
import numpy as np

from garita.vision.text_detector import TextBox, order_quad

SERIAL_END = re.compile(r"(?<![0-9])[0-9]{6}$")  # a row ending in the 6 serial digits, check digit not yet read
REACH = 3.0  # look this many serial heights to the right (the box sits about one character after the serial)
MARGIN = 0.2  # and this share of the height above and below
INSET = 0.12  # cut this share of the box off each side, so that the frame lines are gone


def wants_check_digit(text: str) -> bool:
    """True when a horizontal token ends in a serial whose check digit was not read with it."""
    return SERIAL_END.search(text) is not None


def search_quad(box: TextBox) -> np.ndarray:
    """The region right of a horizontal box where its check-digit box would be, in frame pixels."""
    quad = box.quad.astype(np.float32)
    reach, pad = REACH * box.height * box.along, MARGIN * box.height * box.down
    return np.array([quad[1] - pad, quad[1] + reach - pad, quad[2] + reach + pad, quad[2] + pad], np.float32)


def find_box(region: np.ndarray, height: float) -> tuple[int, int, int, int] | None:
    """The largest character-sized closed outline in the region (x, y, w, h), if any."""
    gray = cv2.cvtColor(region, cv2.COLOR_BGR2GRAY)  # a crop of a checked (3-channel) frame
    edges = cv2.dilate(cv2.Canny(gray, 50, 150), np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    best: tuple[int, int, int, int] | None = None
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if y == 0 or y + h >= region.shape[0] or x + w >= region.shape[1]:
            continue  # cut off by the search region: a door edge or a shadow, not a closed box
        # a box around one digit: about as tall as the serial, narrower than tall but not a thin stroke;
        # the largest such outline is the frame, not the digit inside it
        fits = 0.6 * height <= h <= 1.3 * height and 0.4 * height <= w <= 1.2 * height
        if fits and (best is None or w * h > best[2] * best[3]):
            best = (x, y, w, h)
    return best


def box_inside(region: np.ndarray, rect: tuple[int, int, int, int]) -> np.ndarray:
    """The box's content without its frame, with a little replicated border for the recogniser."""
    x, y, w, h = rect
    dx, dy = int(INSET * w), int(INSET * h)
    inside = region[y + dy : y + h - dy, x + dx : x + w - dx]
    return cv2.copyMakeBorder(inside, 4, 4, 8, 8, cv2.BORDER_REPLICATE)


def rect_to_frame(quad: np.ndarray, size: tuple[int, int], rect: tuple[int, int, int, int]) -> TextBox:
    """Map a rectangle found in the rectified region (width, height = size) back to frame pixels."""
    width, height = size
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    back = cv2.getPerspectiveTransform(target, quad.astype(np.float32))
    x, y, w, h = rect
    corners = np.array([[[x, y], [x + w, y], [x + w, y + h], [x, y + h]]], dtype=np.float32)
    return TextBox(quad=order_quad(cv2.perspectiveTransform(corners, back)[0]), score=1.0)
