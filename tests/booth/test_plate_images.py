"""Plate crop and boxed photo on real JPEG bytes; bad boxes and images are refused, not crashed on."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from garita.station.booth.plate_images import CROP_HEIGHT, NoImage, boxed_jpeg, crop_jpeg


@pytest.fixture
def photo(tmp_path):
    frame = np.full((480, 640, 3), 60, np.uint8)
    cv2.rectangle(frame, (250, 300), (390, 340), (235, 235, 235), -1)
    path = tmp_path / "frame.jpg"
    cv2.imwrite(str(path), frame)
    return path


BOX = [[250, 300], [390, 300], [390, 340], [250, 340]]


def test_crop_is_the_plate_scaled_up(photo):
    crop = cv2.imdecode(np.frombuffer(crop_jpeg(photo, BOX), np.uint8), cv2.IMREAD_COLOR)
    assert crop.shape[0] == CROP_HEIGHT
    assert crop[CROP_HEIGHT // 2, crop.shape[1] // 2].mean() > 200  # the light plate, not the road


def test_boxed_photo_draws_the_box(photo):
    boxed = cv2.imdecode(np.frombuffer(boxed_jpeg(photo, [BOX, "nonsense"]), np.uint8), cv2.IMREAD_COLOR)
    assert boxed.shape[:2] == (480, 640)
    assert boxed[300, 320, 2] > 180 and boxed[300, 320, 0] < 90  # the outline's colour on the top edge


@pytest.mark.parametrize("box", [None, "x", [[1, 2]], [[float("nan"), 1], [2, 3]], [[1e9, 1], [2, 3]],
                                 [[700, 500], [800, 600]]])
def test_bad_boxes_are_refused(photo, box):
    with pytest.raises(NoImage):
        crop_jpeg(photo, box)


def test_corrupt_image_is_refused(tmp_path):
    path = tmp_path / "bad.jpg"
    path.write_bytes(b"\xff\xd8 not a jpeg")
    with pytest.raises(NoImage):
        crop_jpeg(path, BOX)
