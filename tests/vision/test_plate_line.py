"""The plate line recogniser's input and CTC decoding (shared by the lane and the training code)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from garita.vision.plate_line import CHARSET, HEIGHT, WIDTH, greedy_decode, layouts, line_image, rectify, text_log_prob


def _peaked(text: str, steps: int = 32) -> np.ndarray:
    """Probabilities that spell `text` with blanks between characters."""
    probs = np.full((steps, len(CHARSET) + 1), 1e-3)
    probs[:, 0] = 1.0
    for i, ch in enumerate(text):
        probs[2 * i + 1] = 1e-3
        probs[2 * i + 1, CHARSET.index(ch) + 1] = 1.0
    return probs / probs.sum(axis=1, keepdims=True)


@given(st.text(alphabet=CHARSET, min_size=1, max_size=12))
@settings(max_examples=60, deadline=None)
def test_greedy_decode_reads_what_the_probabilities_spell(text):
    read = greedy_decode(_peaked(text))
    assert read.text == text
    assert len(read.char_confidences) == len(text) == len(read.alternates)
    assert all(alt != ch for alt, ch in zip(read.alternates, text, strict=True))


@given(st.text(alphabet=CHARSET, min_size=0, max_size=10), st.integers(0, 2**31 - 1))
@settings(max_examples=40, deadline=None)
def test_text_log_prob_matches_torch_ctc(text, seed):
    torch = __import__("pytest").importorskip("torch")
    logits = np.random.default_rng(seed).normal(size=(32, len(CHARSET) + 1))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    target = torch.tensor([[CHARSET.index(c) + 1 for c in text]])
    loss = torch.nn.functional.ctc_loss(torch.tensor(np.log(probs))[:, None], target, torch.tensor([32]),
                                        torch.tensor([len(text)]), reduction="sum")
    assert abs(text_log_prob(probs, text) + float(loss)) < 1e-6 * max(1.0, float(loss))


def test_the_spelled_text_is_likelier_than_a_confusion():
    probs = _peaked("ABC123")
    assert text_log_prob(probs, "ABC123") > text_log_prob(probs, "A8C123") + 3


def test_one_and_two_line_crops_become_one_model_line():
    wide = np.zeros((40, 160, 3), np.uint8)
    square = np.zeros((100, 130, 3), np.uint8)
    square[:50] = 255  # the top line lands in the left half
    assert layouts(wide) == (False,) and layouts(square) == (False, True)
    assert line_image(wide).shape == line_image(square, two_line=True).shape == (HEIGHT, WIDTH)
    halves = line_image(square, two_line=True)
    assert halves[:, : WIDTH // 2].mean() > 200 and halves[:, WIDTH // 2 :].mean() < 50


def test_rectify_straightens_a_tilted_plate():
    frame = np.zeros((200, 300, 3), np.uint8)
    quad = np.array([[50, 60], [250, 40], [255, 120], [55, 140]], np.float32)
    import cv2

    cv2.fillPoly(frame, [quad.astype(np.int32)], (255, 255, 255))
    crop = rectify(frame, quad, pad=0.0, vpad=0.0)
    assert crop.shape[1] > 2 * crop.shape[0]
    assert crop[5:-5, 5:-5].mean() > 240  # the whole upright crop is the plate


def test_a_missing_plate_line_model_is_a_clear_error(tmp_path):
    import pytest

    from garita.vision.errors import VisionError
    from garita.vision.plate_line_reader import PlateLineReader

    with pytest.raises(VisionError, match=r"plate line model .* missing"):
        PlateLineReader(tmp_path / "absent.onnx")
