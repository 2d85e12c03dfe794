"""Plate and container-code recognition on onnxruntime (CPU) with OpenCV; see vision/README.md."""

from __future__ import annotations

import threading

import numpy as np

from garita.vision.errors import VisionError
from garita.vision.fusion import fuse_containers, fuse_plates
from garita.vision.image_io import decode_image, load_image
from garita.vision.reads import Candidate, ContainerRead, FusedRead, PlateRead
from garita.vision.recognizer import Recognizer

__all__ = [
    "Candidate",
    "ContainerRead",
    "FusedRead",
    "PlateRead",
    "Recognizer",
    "VisionError",
    "decode_image",
    "default_recognizer",
    "fuse_containers",
    "fuse_plates",
    "load_image",
    "read_containers",
    "read_plates",
]

_lock = threading.Lock()
_default: Recognizer | None = None


def default_recognizer() -> Recognizer:
    """A process-wide Recognizer (all regions), created on first use."""
    global _default
    with _lock:
        if _default is None:
            _default = Recognizer(regions=("any",))
        return _default


def read_plates(image: np.ndarray, regions: tuple[str, ...] | None = None) -> list[PlateRead]:
    """Plates in a BGR frame with the shared recogniser."""
    return default_recognizer().read_plates(image, regions)


def read_containers(image: np.ndarray) -> list[ContainerRead]:
    """ISO 6346 codes in a BGR frame with the shared recogniser."""
    return default_recognizer().read_containers(image)
