"""Our plate detector: finds whole plates in a frame shrunk to 640 px, as boxes of frame pixels.

The network (trained in vision/training/train_detector.py) paints a plate mask at 1/STRIDE of its input; each
blob of the mask is one plate, its box the blob's rotated rectangle grown back by 1/SHRINK (the training mask
marks the plate box shrunk to SHRINK, so that two plates side by side stay two blobs)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import onnxruntime as ort

from garita.vision.text_detector import TextBox, order_quad

STRIDE = 4
SHRINK = 0.8
SIDE = 640  # the frame's long side at detection: 1280x720 -> 640x384 (plates 12-56 px tall there)
MULTIPLE = 32  # the network halves its input five times


@dataclass(frozen=True)
class FinderParams:
    side: int = SIDE
    threshold: float = 0.5  # mask probability that counts as plate
    min_score: float = 0.6  # a blob's mean probability to be reported
    min_cells: int = 3  # blobs smaller than this many mask cells are noise
    limit: int = 4


def to_input(frame: np.ndarray, side: int) -> tuple[np.ndarray, float]:
    """(1, 3, H, W) float RGB in [0, 1], padded to multiples of 32, and the scale from frame to input."""
    scale = min(1.0, side / max(frame.shape[:2]))
    small = cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else frame
    h, w = small.shape[:2]
    padded = np.zeros((-(-h // MULTIPLE) * MULTIPLE, -(-w // MULTIPLE) * MULTIPLE, 3), np.float32)
    padded[:h, :w] = small[:, :, ::-1] / np.float32(255.0)
    return padded.transpose(2, 0, 1)[None], scale


def probabilities(logits: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))


def blobs(prob: np.ndarray, params: FinderParams) -> list[tuple[np.ndarray, float]]:
    """(rotated rectangle as 4 corners in mask cells, mean probability) of each plate blob, strongest first."""
    binary = (prob > params.threshold).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary, connectivity=8)
    found = []
    for label in range(1, count):
        if stats[label, cv2.CC_STAT_AREA] < params.min_cells:
            continue
        ys, xs = np.nonzero(labels == label)
        score = float(prob[ys, xs].mean())
        if score < params.min_score:
            continue
        points = np.stack([xs, ys], axis=1).astype(np.float32)
        (cx, cy), (w, h), angle = cv2.minAreaRect(points)
        grown = ((cx + 0.5, cy + 0.5), ((w + 1) / SHRINK, (h + 1) / SHRINK), angle)  # cells cover +-0.5
        found.append((cv2.boxPoints(grown), score))
    found.sort(key=lambda item: -item[1])
    return found[: params.limit]


def find_plates(session: ort.InferenceSession, frame: np.ndarray, params: FinderParams | None = None) -> list[TextBox]:
    """Plate boxes in a BGR frame (frame pixels, clockwise from top-left), most certain first."""
    params = params or FinderParams()
    tensor, scale = to_input(frame, params.side)
    logits = session.run(None, {session.get_inputs()[0].name: tensor})[0][0, 0]
    boxes = []
    for corners, score in blobs(probabilities(logits), params):
        quad = order_quad(corners * (STRIDE / scale))
        quad[:, 0] = np.clip(quad[:, 0], 0, frame.shape[1] - 1)
        quad[:, 1] = np.clip(quad[:, 1], 0, frame.shape[0] - 1)
        boxes.append(TextBox(quad.astype(np.float32), score))
    return boxes
