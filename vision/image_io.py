"""Decode camera frames with clear errors for corrupt, empty or oversized input."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from vision.errors import VisionError

MAX_PIXELS = 40_000_000  # beyond this a frame is not a lane camera's and would exhaust memory
MAX_BYTES = 64 * 1024 * 1024


def check_frame(image: np.ndarray) -> np.ndarray:
    """Validate a decoded frame and return it as 3-channel BGR uint8."""
    if not isinstance(image, np.ndarray) or image.size == 0 or image.ndim not in (2, 3):
        raise VisionError("empty or malformed image array")
    if image.shape[0] * image.shape[1] > MAX_PIXELS:
        raise VisionError(f"image too large: {image.shape[1]}x{image.shape[0]}")
    if image.dtype != np.uint8:
        raise VisionError(f"expected 8-bit image, got {image.dtype}")
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    if image.shape[2] != 3:
        raise VisionError(f"unsupported channel count {image.shape[2]}")
    return image


def decode_image(data: bytes) -> np.ndarray:
    """Decode JPEG/PNG bytes into a BGR frame."""
    if not data:
        raise VisionError("empty image data")
    if len(data) > MAX_BYTES:
        raise VisionError(f"image file too large: {len(data)} bytes")
    # Refuse huge dimensions before decoding allocates them (a decompression bomb).
    header = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_REDUCED_GRAYSCALE_8)
    if header is not None and header.shape[0] * header.shape[1] * 64 > MAX_PIXELS:
        raise VisionError(f"image too large: about {header.shape[1] * 8}x{header.shape[0] * 8}")
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise VisionError("not a decodable image (corrupt or unsupported format)")
    return check_frame(image)


def load_image(path: str | Path) -> np.ndarray:
    """Read and decode an image file."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise VisionError(f"cannot read {path}: {exc.strerror}") from exc
    return decode_image(data)
