"""DB (differentiable binarisation) text detection: PP-OCRv4 det model plus our own post-processing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np
import onnxruntime as ort


@dataclass(frozen=True)
class DetParams:
    """Knobs of the detector; defaults follow PaddleOCR's DB settings."""

    max_side: int = 960
    thresh: float = 0.3
    box_thresh: float = 0.5
    unclip_ratio: float = 1.6
    min_side: float = 3.0
    max_candidates: int = 300


@dataclass(frozen=True)
class TextBox:
    """A detected text region: 4 corner points (x, y) in image pixels, clockwise from top-left."""

    quad: np.ndarray
    score: float

    @property
    def width(self) -> float:
        """Length of the top edge."""
        return float(np.linalg.norm(self.quad[1] - self.quad[0]))

    @property
    def height(self) -> float:
        """Length of the left edge."""
        return float(np.linalg.norm(self.quad[3] - self.quad[0]))

    @property
    def center(self) -> tuple[float, float]:
        """Centre of the quad."""
        cx, cy = self.quad.mean(axis=0)
        return float(cx), float(cy)

    @property
    def along(self) -> np.ndarray:
        """Unit vector in the reading direction (top-left to top-right)."""
        return _unit(self.quad[1] - self.quad[0])

    @property
    def down(self) -> np.ndarray:
        """Unit vector from the top edge to the bottom edge."""
        return _unit(self.quad[3] - self.quad[0])

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) of the upright rectangle around the quad."""
        (x0, y0), (x1, y1) = self.quad.min(axis=0), self.quad.max(axis=0)
        return float(x0), float(y0), float(x1), float(y1)

    @property
    def corners(self) -> tuple[tuple[float, float], ...]:
        """The quad as plain (x, y) pairs, the way reads report a box."""
        return tuple((float(x), float(y)) for x, y in self.quad)

    @classmethod
    def from_rect(cls, x0: float, y0: float, x1: float, y1: float, score: float) -> TextBox:
        """An axis-aligned box from its corners."""
        return cls(quad=np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32), score=score)

    @classmethod
    def around(cls, boxes: Iterable[TextBox], score: float) -> TextBox:
        """The upright box around several boxes."""
        points = np.vstack([b.quad for b in boxes])
        (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
        return cls.from_rect(float(x0), float(y0), float(x1), float(y1), score)


def _unit(edge: np.ndarray) -> np.ndarray:
    edge = edge.astype(np.float32)
    return edge / max(float(np.linalg.norm(edge)), 1e-6)


def _prepare(image: np.ndarray, max_side: int) -> tuple[np.ndarray, float, float]:
    """Resize so both sides are multiples of 32 and the longer is at most max_side; normalise to [-1, 1]."""
    h, w = image.shape[:2]
    scale = min(1.0, max_side / max(h, w))
    nh, nw = max(32, round(h * scale / 32) * 32), max(32, round(w * scale / 32) * 32)
    resized = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    blob = (resized.astype(np.float32) / 127.5 - 1.0).transpose(2, 0, 1)[None]
    return blob, w / nw, h / nh


def prepare_blob(image: np.ndarray, max_side: int) -> np.ndarray:
    """The detector's input for a BGR image (also what the int8 model is calibrated on)."""
    return _prepare(image, max_side)[0]


def order_quad(points: np.ndarray) -> np.ndarray:
    """Order 4 points clockwise starting at the top-left one."""
    pts = points[np.argsort(points[:, 0])]
    left, right = pts[:2], pts[2:]
    tl, bl = left[np.argsort(left[:, 1])]
    tr, br = right[np.argsort(right[:, 1])]
    return np.array([tl, tr, br, bl], dtype=np.float32)


def _box_score(prob: np.ndarray, contour: np.ndarray) -> float:
    """Mean probability inside the contour (PaddleOCR's 'slow' score, exact for curved text)."""
    x, y, w, h = cv2.boundingRect(contour)
    mask = np.zeros((h, w), dtype=np.uint8)
    cv2.fillPoly(mask, [contour.reshape(-1, 2) - [x, y]], 1)
    return float(cv2.mean(prob[y : y + h, x : x + w], mask)[0])


def _unclip(rect: tuple, ratio: float) -> tuple:
    """Grow a rotated rect by DB's offset distance (area * ratio / perimeter) on every side."""
    (cx, cy), (w, h), angle = rect
    distance = w * h * ratio / max(2 * (w + h), 1e-6)
    return (cx, cy), (w + 2 * distance, h + 2 * distance), angle


def boxes_from_map(prob: np.ndarray, params: DetParams, sx: float, sy: float) -> list[TextBox]:
    """Turn the probability map into scored quads in source-image pixels."""
    bitmap = cv2.dilate((prob > params.thresh).astype(np.uint8), np.ones((2, 2), np.uint8))
    contours, _ = cv2.findContours(bitmap, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    boxes: list[TextBox] = []
    for contour in contours[: params.max_candidates]:
        rect = cv2.minAreaRect(contour)
        if min(rect[1]) < params.min_side:
            continue
        score = _box_score(prob, contour)
        if score < params.box_thresh:
            continue
        grown = _unclip(rect, params.unclip_ratio)
        if min(grown[1]) < params.min_side + 2:
            continue
        quad = order_quad(cv2.boxPoints(grown)) * np.array([sx, sy], dtype=np.float32)
        boxes.append(TextBox(quad=quad, score=score))
    return boxes


def detect_text(session: ort.InferenceSession, image: np.ndarray, params: DetParams | None = None) -> list[TextBox]:
    """Find text regions in a BGR image."""
    params = params or DetParams()
    blob, sx, sy = _prepare(image, params.max_side)
    prob = session.run(None, {session.get_inputs()[0].name: blob})[0][0, 0]
    return boxes_from_map(prob, params, sx, sy)
