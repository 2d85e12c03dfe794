"""Turn what a scenario shows (array, JPEG bytes or a path) into JPEG bytes for mock cameras."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from garita.hardware_mocks.synthetic_images import empty_lane

ImageSource = np.ndarray | bytes | str | Path
JPEG_MAGIC = b"\xff\xd8"


def encode_jpeg(image: np.ndarray, quality: int = 85) -> bytes:
    """Encode a BGR image as JPEG."""
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("could not encode image as JPEG")
    return buf.tobytes()


def to_jpeg(image: ImageSource) -> bytes:
    """JPEG bytes for an array, JPEG bytes or an image file path."""
    if isinstance(image, np.ndarray):
        return encode_jpeg(image)
    if isinstance(image, bytes):
        if not image.startswith(JPEG_MAGIC):
            raise ValueError("bytes given to a camera must be a JPEG")
        return image
    path = Path(image)
    loaded = cv2.imread(str(path))
    if loaded is None:
        raise FileNotFoundError(f"cannot read image {path}")
    return encode_jpeg(loaded)


@lru_cache(maxsize=4)
def background_jpeg(width: int = 1280, height: int = 720) -> bytes:
    """The empty lane, as JPEG; drawn once, since a departure must reach the camera when it is played."""
    return encode_jpeg(empty_lane(width, height))
