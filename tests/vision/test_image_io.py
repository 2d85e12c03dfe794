"""Corrupt, empty, huge and non-image input gives VisionError, never a crash."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from garita.vision import VisionError, decode_image, load_image
from garita.vision.image_io import check_frame


def test_good_jpeg_decodes() -> None:
    ok, data = cv2.imencode(".jpg", np.full((20, 30, 3), 128, np.uint8))
    assert ok and decode_image(data.tobytes()).shape == (20, 30, 3)


@pytest.mark.parametrize("data", [b"", b"not an image at all", b"\xff\xd8\xff\xe0" + b"\x00" * 50])
def test_bad_bytes_raise(data: bytes) -> None:
    with pytest.raises(VisionError):
        decode_image(data)


def test_truncated_file_raises(tmp_path: Path) -> None:
    _ok, data = cv2.imencode(".png", np.zeros((50, 50, 3), np.uint8))
    path = tmp_path / "cut.png"
    path.write_bytes(data.tobytes()[:40])
    with pytest.raises(VisionError):
        load_image(path)


def test_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(VisionError, match="cannot read"):
        load_image(tmp_path / "nope.jpg")


def test_huge_dimensions_refused_before_decoding() -> None:
    _ok, data = cv2.imencode(".png", np.zeros((8000, 8000), np.uint8))
    with pytest.raises(VisionError, match="too large"):
        decode_image(data.tobytes())


def test_frames_are_normalised_to_bgr() -> None:
    assert check_frame(np.zeros((4, 4), np.uint8)).shape == (4, 4, 3)
    with pytest.raises(VisionError):
        check_frame(np.zeros((0, 0, 3), np.uint8))
    with pytest.raises(VisionError):
        check_frame(np.zeros((4, 4, 3), np.float32))
