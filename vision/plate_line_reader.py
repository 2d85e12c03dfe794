"""Our plate line recogniser (ONNX, trained in vision/training): plate crops in, CTC readings out."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from garita.vision.errors import VisionError
from garita.vision.models import bundled_dir, open_session
from garita.vision.plate_line import LineRead, greedy_decode, layouts, line_image, softmax, text_log_prob, to_tensor

PLATE_LINE_FILES = ("plate_line_int8.onnx", "plate_line.onnx")  # int8 when it kept the accuracy, else float


class PlateLineReader:
    """Reads rectified plate crops; also scores any candidate text (for re-ranking another reader's list)."""

    def __init__(self, path: Path | None = None, threads: int = 2) -> None:
        path = path or next((bundled_dir() / n for n in PLATE_LINE_FILES if (bundled_dir() / n).is_file()), None)
        if path is None or not path.is_file():
            raise VisionError(f"plate line model {path} missing (python -m garita.vision.training.rebuild)")
        self.session = open_session(path, threads)
        self.input = self.session.get_inputs()[0].name

    def probabilities(self, crops: list[np.ndarray]) -> list[np.ndarray]:
        """(T, classes) character probabilities per crop, of its more confidently read layout."""
        if not crops:
            return []
        owners = [(i, two) for i, crop in enumerate(crops) for two in layouts(crop)]
        lines = [line_image(crops[i], two) for i, two in owners]
        logits = self.session.run(None, {self.input: to_tensor(lines)})[0]
        best: dict[int, tuple[float, np.ndarray]] = {}
        for (i, _), lg in zip(owners, logits, strict=True):
            probs = softmax(lg)
            confidence = greedy_decode(probs).confidence
            if i not in best or confidence > best[i][0]:
                best[i] = (confidence, probs)
        return [best[i][1] for i in range(len(crops))]

    def read(self, crops: list[np.ndarray]) -> list[LineRead]:
        """Greedy reading of each crop."""
        return [greedy_decode(p) for p in self.probabilities(crops)]

    @staticmethod
    def score(probs: np.ndarray, text: str) -> float:
        """Mean log-probability per character of `text` under the model (higher is likelier)."""
        return text_log_prob(probs, text) / max(1, len(text))
