"""SVTR text recognition (PaddleOCR PP-OCRv6 small rec) with our own CTC decoding and per-character alternatives."""

from __future__ import annotations

import math
import string
import unicodedata
from dataclasses import dataclass

import cv2
import numpy as np
import onnxruntime as ort

# Plates and container codes use only these; everything else the model knows is noise here.
ALNUM = string.ascii_uppercase + string.digits
REC_HEIGHT = 48
MAX_REC_WIDTH = 960
# Short crops are padded to this canvas. Measured with PP-OCRv6 on the US plates: 160 px loses 3 images,
# 224 px reads as well as 320 px at a lower cost (median frame 0.134 s against 0.168 s).
MIN_REC_WIDTH = 224
ALTERNATIVES = 3
# Recognisers' dictionaries hold Greek (PP-OCRv6: all capitals) and Cyrillic (PP-OCRv4: a few) letters; on a
# plate or a container the ones shaped like a Latin letter or a digit can only be that. The others (Lambda,
# Sigma...) look like nothing on a plate and stay "other". Only the labels a model has are used.
_GREEK = (
    "ALPHA A, BETA B, EPSILON E, ZETA Z, ETA H, IOTA I, KAPPA K, "
    "MU M, NU N, OMICRON O, RHO P, TAU T, UPSILON Y, CHI X"
)
_CYRILLIC = "A A, VE B, IE E, KA K, EM M, EN H, O O, ER P, ES C, TE T, HA X, ZE 3"
LOOK_ALIKES = {
    unicodedata.lookup(f"{script} CAPITAL LETTER {name}"): latin
    for script, table in (("GREEK", _GREEK), ("CYRILLIC", _CYRILLIC))
    for name, latin in (pair.rsplit(" ", 1) for pair in table.split(", "))
}


@dataclass(frozen=True)
class CharGuess:
    """One decoded character: options (char, probability), best first."""

    options: tuple[tuple[str, float], ...]

    @property
    def char(self) -> str:
        """Best character."""
        return self.options[0][0]

    @property
    def conf(self) -> float:
        """Probability of the best character."""
        return self.options[0][1]

    def prob(self, char: str) -> float:
        """Probability the model gave to char at this position (0 when not among the options)."""
        return next((p for c, p in self.options if c == char), 0.0)


@dataclass(frozen=True)
class TextLine:
    """Recognised line: alphanumeric guesses plus the unconstrained generic-OCR text (for the baseline)."""

    chars: tuple[CharGuess, ...]
    raw_text: str
    raw_score: float

    @property
    def text(self) -> str:
        """Best alphanumeric reading."""
        return "".join(c.char for c in self.chars)

    @property
    def score(self) -> float:
        """Mean best-character probability (0 for an empty line)."""
        return float(np.mean([c.conf for c in self.chars])) if self.chars else 0.0


class CtcDecoder:
    """Greedy CTC decoding over the alphanumeric classes, keeping the runner-up characters."""

    def __init__(self, charset: tuple[str, ...]) -> None:
        """Index the model's label list: which columns feed each A-Z/0-9 class (lower case folds in)."""
        self.charset = charset
        self.groups: list[list[int]] = [[] for _ in ALNUM]
        for index, label in enumerate(charset):
            # NFKC folds the fullwidth forms (U+FF12, U+FF21...) the model uses for widely spaced characters
            folded = LOOK_ALIKES.get(label) or unicodedata.normalize("NFKC", label).upper()
            if len(folded) == 1 and folded in ALNUM:
                self.groups[ALNUM.index(folded)].append(index)

    def grouped(self, probs: np.ndarray) -> np.ndarray:
        """Collapse (T, C) probabilities to (T, 38): blank, 36 alphanumerics, everything else."""
        alnum = np.stack([probs[:, cols].sum(axis=1) for cols in self.groups], axis=1)
        other = np.clip(1.0 - probs[:, 0] - alnum.sum(axis=1), 0.0, 1.0)
        return np.concatenate([probs[:, :1], alnum, other[:, None]], axis=1)

    def decode(self, probs: np.ndarray) -> TextLine:
        """Decode one (T, C) probability matrix."""
        grouped = self.grouped(probs)
        best = grouped.argmax(axis=1)
        chars: list[CharGuess] = []
        start = 0
        for t in range(1, len(best) + 1):
            if t < len(best) and best[t] == best[start]:
                continue
            label = best[start]
            if 1 <= label <= len(ALNUM):
                chars.append(self._guess(grouped[start:t]))
            start = t
        raw, raw_score = self._raw(probs)
        return TextLine(chars=tuple(chars), raw_text=raw, raw_score=raw_score)

    def _guess(self, run: np.ndarray) -> CharGuess:
        """Alternatives at the most confident frame of a run of identical labels."""
        frame = run[int(run[:, 1:-1].max(axis=1).argmax()), 1:-1]
        order = np.argsort(frame)[::-1][:ALTERNATIVES]
        return CharGuess(options=tuple((ALNUM[i], float(frame[i])) for i in order))

    def _raw(self, probs: np.ndarray) -> tuple[str, float]:
        """Plain PaddleOCR decoding over the whole dictionary (what a generic OCR returns)."""
        best = probs.argmax(axis=1)
        keep = (best != 0) & np.concatenate([[True], best[1:] != best[:-1]])
        labels = best[keep]
        text = "".join(self.charset[i] for i in labels)
        return text, float(probs.max(axis=1)[keep].mean()) if labels.size else 0.0


def crop_quad(image: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """Perspective-rectify the quad into an upright crop."""
    width = int(max(np.linalg.norm(quad[1] - quad[0]), np.linalg.norm(quad[2] - quad[3])))
    height = int(max(np.linalg.norm(quad[3] - quad[0]), np.linalg.norm(quad[2] - quad[1])))
    width, height = max(width, 2), max(height, 2)
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    return cv2.warpPerspective(image, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC)


def rec_width(crop: np.ndarray) -> int:
    """Width of a crop resized to the model height (capped)."""
    return min(MAX_REC_WIDTH, max(16, math.ceil(REC_HEIGHT * crop.shape[1] / crop.shape[0])))


def padded_width(crop: np.ndarray) -> int:
    """The canvas a crop is read on: at least MIN_REC_WIDTH, else its own width rounded up to 32."""
    return max(MIN_REC_WIDTH, -(-rec_width(crop) // 32) * 32)


def _rec_blob(crops: list[np.ndarray], canvas: int) -> np.ndarray:
    """Resize crops to the model height, pad to the canvas width, normalise to [-1, 1]."""
    batch = np.zeros((len(crops), 3, REC_HEIGHT, canvas), np.float32)
    for i, crop in enumerate(crops):
        width = rec_width(crop)
        resized = cv2.resize(crop, (width, REC_HEIGHT), interpolation=cv2.INTER_LINEAR).astype(np.float32)
        batch[i, :, :, :width] = (resized / 127.5 - 1.0).transpose(2, 0, 1)
    return batch


class TextRecognizer:
    """Runs the recognition model on upright crops, in small batches of crops that share a canvas width."""

    def __init__(self, session: ort.InferenceSession, charset: tuple[str, ...], batch: int = 4) -> None:
        """Keep the session and build the decoder once; batches of 4 halve the activation peak of 8 (RSS)."""
        self.session = session
        self.decoder = CtcDecoder(charset)
        self.batch = batch
        self.input_name = session.get_inputs()[0].name

    def read(self, crops: list[np.ndarray]) -> list[TextLine]:
        """Recognise each crop (BGR, text left to right).

        Crops are batched only with crops of the same canvas width: the padding changes what the model reads
        (measured), so a crop must read the same whatever else is in the frame."""
        by_canvas: dict[int, list[int]] = {}
        for i, crop in enumerate(crops):
            by_canvas.setdefault(padded_width(crop), []).append(i)
        lines: dict[int, TextLine] = {}
        for canvas, group in by_canvas.items():
            for first in range(0, len(group), self.batch):
                chunk = group[first : first + self.batch]
                probs = self.session.run(None, {self.input_name: _rec_blob([crops[i] for i in chunk], canvas)})[0]
                lines.update(zip(chunk, map(self.decoder.decode, probs), strict=True))
        return [lines[i] for i in range(len(crops))]
