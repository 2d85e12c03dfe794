"""Issue 17 row 10: `garita eval` reads only its folder, and an image bomb is an error for that image.

No models needed: the checks run before any recognition (datasets and image_io), and the bomb
is a real 60000x60000 PNG header that OpenCV would refuse with an uncaught cv2.error.
"""

from __future__ import annotations

import contextlib
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from garita.vision import VisionError, decode_image, load_image
from garita.vision.datasets import container_samples, plate_samples
from garita.vision.evaluate import _timed
from garita.vision.image_header import image_size


def _png_header(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    idat = zlib.compress(b"\x00" * 64)
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))
            + struct.pack(">I", len(idat)) + b"IDAT" + idat + struct.pack(">I", zlib.crc32(b"IDAT" + idat)))


def test_a_60000_square_png_is_an_error_for_that_image(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(_png_header(60000, 60000))
    with pytest.raises(VisionError, match="too large: 60000x60000"):
        load_image(bomb)


def test_a_large_jpeg_header_is_read_before_decoding() -> None:
    _ok, data = cv2.imencode(".jpg", np.zeros((16, 24, 3), np.uint8))
    assert image_size(data.tobytes()) == (24, 16)
    _ok, data = cv2.imencode(".png", np.zeros((16, 24, 3), np.uint8))
    assert image_size(data.tobytes()) == (24, 16)


def test_labels_that_leave_the_folder_are_errors_not_reads(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("../../../etc/passwd 0 0 1 1 ABC123\n")
    (tmp_path / "b.txt").write_text("/dev/zero 0 0 1 1 ABC123\n")
    (tmp_path / "link.jpg").symlink_to("/dev/zero")
    (tmp_path / "c.txt").write_text("link.jpg 0 0 1 1 ABC123\n")
    (tmp_path / "d.txt").symlink_to("/dev/zero")  # a label that is a device: refused before reading
    samples = {s.image.name: s for s in plate_samples(tmp_path)}
    assert "outside the folder" in samples["passwd"].problem and "outside the folder" in samples["zero"].problem
    assert "not a label file" in samples["d.txt"].problem
    _reads, _seconds, error = _timed(lambda image: [], samples["link.jpg"])
    assert "not a regular file" in error  # inside the folder, but a device behind a link
    for sample in samples.values():
        assert _timed(lambda image: [], sample)[2]  # every one an error record, none read


def test_container_labels_stay_inside_too(tmp_path: Path) -> None:
    (tmp_path / "labels.csv").write_text("image,code\n../../etc/shadow,MSCU6639870\nok.jpg,MSCU6639870\n")
    samples = container_samples(tmp_path)
    assert samples[0].problem and samples[1].problem is None and samples[1].image == tmp_path / "ok.jpg"


@given(st.binary(max_size=64))
def test_image_size_never_raises(data: bytes) -> None:
    size = image_size(data)
    assert size is None or (len(size) == 2 and all(isinstance(n, int) for n in size))


@given(st.binary(max_size=256))
def test_decode_never_raises_anything_but_vision_error(data: bytes) -> None:
    with contextlib.suppress(VisionError):
        decode_image(b"\x89PNG\r\n\x1a\n" + data)
