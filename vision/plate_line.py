"""Input and output of our plate line recogniser: a plate crop as the model sees it, and CTC decoding.

Shared by the lane (ONNX) and the training code (torch), so both see exactly the same pixels.
A two-line plate is cut into its top and bottom halves, laid side by side, so one line model reads
both lines in order. Training knows each plate's layout; at run time a crop whose shape could be
either (`layouts`) is read both ways and the more confident reading kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # class 0 is the CTC blank; class i+1 is CHARSET[i]
HEIGHT, WIDTH = 32, 128
# Width / height of a crop: one-line plates with a loose box come down to ~1.3, square two-line ones up to ~1.8.
ONE_LINE_ONLY, TWO_LINE_ONLY = 2.2, 1.1


def _fit(gray: np.ndarray, width: int) -> np.ndarray:
    """Resize to HEIGHT keeping the aspect (at most `width` wide), right-padded with the edge colour."""
    h, w = gray.shape
    new_w = max(1, min(width, round(w * HEIGHT / max(h, 1))))
    resized = cv2.resize(gray, (new_w, HEIGHT), interpolation=cv2.INTER_AREA if h > HEIGHT else cv2.INTER_LINEAR)
    if new_w == width:
        return resized
    return cv2.copyMakeBorder(resized, 0, 0, 0, width - new_w, cv2.BORDER_REPLICATE)


def layouts(crop: np.ndarray) -> tuple[bool, ...]:
    """The layouts (two_line flags) a crop's shape allows, to read it each way."""
    aspect = crop.shape[1] / max(1, crop.shape[0])
    if aspect >= ONE_LINE_ONLY:
        return (False,)
    return (True,) if aspect <= TWO_LINE_ONLY else (False, True)


def line_image(crop: np.ndarray, two_line: bool = False) -> np.ndarray:
    """A BGR or grey plate crop as the model's HEIGHT x WIDTH grey line (uint8)."""
    gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop
    h = gray.shape[0]
    if two_line and h >= 4:
        top, bottom = gray[: h // 2], gray[h // 2 :]
        return np.hstack([_fit(top, WIDTH // 2), _fit(bottom, WIDTH // 2)])
    return _fit(gray, WIDTH)


def to_tensor(lines: list[np.ndarray]) -> np.ndarray:
    """N grey lines as the model's float input (N, 1, HEIGHT, WIDTH), each normalised to its own contrast."""
    batch = np.stack(lines).astype(np.float32)[:, None]
    mean = batch.mean(axis=(2, 3), keepdims=True)
    std = batch.std(axis=(2, 3), keepdims=True) + 8.0
    return (batch - mean) / std


def rectify(
    frame: np.ndarray, box: list[tuple[float, float]] | np.ndarray, pad: float = 0.08, vpad: float = 0.16
) -> np.ndarray:
    """The quadrilateral `box` (4 corners, clockwise from top-left) warped upright, with margins kept.

    `pad` and `vpad` are the margins as a share of the box's width and height on each side.
    """
    quad = np.asarray(box, dtype=np.float32)
    width = max(np.linalg.norm(quad[1] - quad[0]), np.linalg.norm(quad[2] - quad[3]))
    height = max(np.linalg.norm(quad[3] - quad[0]), np.linalg.norm(quad[2] - quad[1]))
    w, h = max(round(width), 8), max(round(height), 8)
    dx, dy = w * pad, h * vpad
    target = np.float32([[dx, dy], [w + dx, dy], [w + dx, h + dy], [dx, h + dy]])
    matrix = cv2.getPerspectiveTransform(quad, target)
    return cv2.warpPerspective(frame, matrix, (int(w + 2 * dx), int(h + 2 * dy)), borderMode=cv2.BORDER_REPLICATE)


@dataclass(frozen=True)
class LineRead:
    """Greedy CTC reading: text, mean confidence, per-character confidence and runner-up character."""

    text: str
    confidence: float
    char_confidences: tuple[float, ...]
    alternates: tuple[str, ...]


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def greedy_decode(probs: np.ndarray) -> LineRead:
    """Best path of one (T, classes) probability matrix, repeats merged and blanks dropped."""
    best = probs.argmax(axis=1)
    chars, confs, alts = [], [], []
    previous = 0
    for t, cls in enumerate(best):
        if cls != 0 and cls != previous:
            chars.append(CHARSET[cls - 1])
            confs.append(float(probs[t, cls]))
            order = np.argsort(probs[t, 1:])[::-1] + 1  # characters only, most likely first
            alts.append(CHARSET[(order[0] if order[0] != cls else order[1]) - 1])
        previous = cls
    confidence = float(np.prod(confs) ** (1 / len(confs))) if confs else 0.0
    return LineRead("".join(chars), confidence, tuple(confs), tuple(alts))


def text_log_prob(probs: np.ndarray, text: str) -> float:
    """log P(text | probs) summed over every CTC alignment (forward algorithm), -inf if impossible."""
    labels = [CHARSET.index(c) + 1 for c in text if c in CHARSET]
    log_p = np.log(np.clip(probs, 1e-12, 1.0))
    if not labels:
        return float(log_p[:, 0].sum())  # only the all-blank path spells nothing
    ext = [0]
    for lab in labels:
        ext += [lab, 0]
    n, steps = len(ext), log_p.shape[0]
    alpha = np.full(n, -np.inf)
    alpha[0], alpha[1] = log_p[0, 0], log_p[0, ext[1]]
    for t in range(1, steps):
        prev = alpha.copy()
        shifted1 = np.concatenate([[-np.inf], prev[:-1]])
        shifted2 = np.concatenate([[-np.inf, -np.inf], prev[:-2]])
        skip = np.array([i >= 2 and ext[i] != 0 and ext[i] != ext[i - 2] for i in range(n)])
        stacked = np.vstack([prev, shifted1, np.where(skip, shifted2, -np.inf)])
        alpha = np.logaddexp.reduce(stacked, axis=0) + log_p[t, ext]
    return float(np.logaddexp(alpha[-1], alpha[-2]))
