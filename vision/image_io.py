"""Decode camera frames with clear errors for corrupt, empty or oversized input."""

from __future__ import annotations

import stat
from pathlib import Path

import cv2
import numpy as np

from garita.vision.errors import VisionError
from garita.vision.image_header import image_size

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
    # Refuse huge dimensions before a decoder allocates them (a decompression bomb): the header
    # says the size for PNG and JPEG; for other formats a reduced decode measures it.
    size = image_size(data)
    if size is not None and size[0] * size[1] > MAX_PIXELS:
        raise VisionError(f"image too large: {size[0]}x{size[1]} (header)")
    try:
        if size is None:
            header = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_REDUCED_GRAYSCALE_8)
            if header is not None and header.shape[0] * header.shape[1] * 64 > MAX_PIXELS:
                raise VisionError(f"image too large: about {header.shape[1] * 8}x{header.shape[0] * 8}")
        image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    except cv2.error as exc:  # OpenCV's own limits (CV_IO_MAX_IMAGE_PIXELS) and decoder failures
        raise VisionError(f"not a decodable image: {str(exc).strip().splitlines()[-1][:120]}") from None
    if image is None:
        raise VisionError("not a decodable image (corrupt or unsupported format)")
    return check_frame(image)


def load_image(path: str | Path) -> np.ndarray:
    """Read and decode an image file: a regular file, no larger than MAX_BYTES (checked before reading)."""
    try:
        info = Path(path).stat()
        if not stat.S_ISREG(info.st_mode):
            raise VisionError(f"{path} is not a regular file")
        if info.st_size > MAX_BYTES:
            raise VisionError(f"image file too large: {info.st_size} bytes")
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise VisionError(f"cannot read {path}: {exc.strerror}") from exc
    return decode_image(data)
