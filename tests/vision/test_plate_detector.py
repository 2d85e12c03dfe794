"""The plate detector's decoding: input scaling, blobs of the mask to frame boxes, thresholds and limits."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from garita.vision.plate_detector import SHRINK, STRIDE, FinderParams, blobs, find_plates, to_input


def test_input_is_rgb_scaled_to_the_side_and_padded_to_multiples_of_32():
    frame = np.zeros((720, 1280, 3), np.uint8)
    frame[..., 0] = 255  # blue in BGR
    tensor, scale = to_input(frame, 640)
    assert scale == 0.5 and tensor.shape == (1, 3, 384, 640) and tensor.dtype == np.float32
    assert tensor[0, 2, :360].min() == 1.0 and tensor[0, 0].max() == 0.0  # channel 2 is blue: RGB order
    assert tensor[0, :, 360:].max() == 0.0  # the padding below the frame is black
    small = np.zeros((100, 200, 3), np.uint8)
    assert to_input(small, 640)[1] == 1.0 and to_input(small, 640)[0].shape == (1, 3, 128, 224)  # never enlarged


def _mask_with(rects: list[tuple[int, int, int, int]], value: float = 0.95, shape=(96, 160)) -> np.ndarray:
    prob = np.full(shape, 0.02, np.float32)
    for x0, y0, x1, y1 in rects:
        prob[y0:y1, x0:x1] = value
    return prob


def test_a_blob_becomes_the_plate_box_grown_back_from_the_shrunk_core():
    (corners, score), = blobs(_mask_with([(40, 20, 56, 26)]), FinderParams())
    xs, ys = corners[:, 0], corners[:, 1]
    assert score == pytest.approx(0.95)
    assert xs.max() - xs.min() == pytest.approx(16 / SHRINK, abs=1e-3)  # 16 cells wide core
    assert ys.max() - ys.min() == pytest.approx(6 / SHRINK, abs=1e-3)
    assert (xs.min() + xs.max()) / 2 == pytest.approx(48.0) and (ys.min() + ys.max()) / 2 == pytest.approx(23.0)


def test_weak_small_and_surplus_blobs_are_left_out_strongest_first():
    prob = _mask_with([(10, 10, 20, 14), (60, 10, 70, 14), (100, 40, 101, 42)])
    prob[10:14, 60:70] = 0.7
    prob[60:64, 10:20] = 0.55  # above the threshold, below the blob score
    found = blobs(prob, FinderParams(limit=4))
    assert [round(s, 2) for _, s in found] == [0.95, 0.7]  # the 2-cell blob is noise, the 0.55 one too weak
    assert len(blobs(prob, FinderParams(limit=1))) == 1
    assert blobs(np.zeros((8, 8), np.float32), FinderParams()) == []


@given(st.integers(0, 120), st.integers(0, 70), st.integers(3, 30), st.integers(2, 20))
def test_any_rectangle_blob_maps_back_around_its_cells(x0, y0, w, h):
    x1, y1 = min(x0 + w, 160), min(y0 + h, 96)
    found = blobs(_mask_with([(x0, y0, x1, y1)]), FinderParams(min_cells=1))
    event(f"blob found: {bool(found)}")
    assert len(found) == 1
    corners = found[0][0]
    assert corners[:, 0].min() <= x0 + 0.01 and corners[:, 0].max() >= x1 - 0.01
    assert corners[:, 1].min() <= y0 + 0.01 and corners[:, 1].max() >= y1 - 0.01


class _Session:
    """A stand-in for the ONNX session that answers with a fixed logit map (decoding is what is tested)."""

    def __init__(self, logits: np.ndarray) -> None:
        self.logits, self.seen = logits, []

    def get_inputs(self):
        return [type("Input", (), {"name": "frame"})()]

    def run(self, _outputs, feeds):
        self.seen.append(feeds["frame"].shape)
        return [self.logits[None, None]]


def test_boxes_come_back_in_frame_pixels_inside_the_frame():
    logits = np.full((96, 160), -6.0, np.float32)
    logits[40:46, 60:76] = 6.0  # cells: 16 x 6 -> input px 64 x 24 -> frame px 128 x 48 (scale 0.5)
    logits[0:3, 0:8] = 6.0  # a blob at the corner: its box is clipped to the frame
    session = _Session(logits)
    boxes = find_plates(session, np.zeros((720, 1280, 3), np.uint8))
    assert session.seen == [(1, 3, 384, 640)] and len(boxes) == 2
    plate = max(boxes, key=lambda b: b.width)
    assert plate.width == pytest.approx(16 * STRIDE * 2 / SHRINK, rel=0.02)
    assert plate.center == pytest.approx((68 * STRIDE * 2, 43 * STRIDE * 2), abs=2)
    for box in boxes:
        assert box.quad.min() >= 0 and box.quad[:, 0].max() <= 1279 and box.quad[:, 1].max() <= 719
