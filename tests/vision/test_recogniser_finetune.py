"""The recogniser fine-tuning tools (run by hand): their pieces that need no onnx2torch."""

from __future__ import annotations

import itertools
import random

import numpy as np
import onnxruntime as ort
import pytest

torch = pytest.importorskip("torch", reason="the fine-tuning tools need the train extra (torch)")

from garita.vision.models import REC_FILE, bundled_dir, rec_charset  # noqa: E402
from garita.vision.text_recognizer import _rec_blob, padded_width  # noqa: E402
from garita.vision.training import finetune_rec, line_crops  # noqa: E402


def test_explicit_pads_leave_the_network_unchanged() -> None:
    import onnx

    model = onnx.load(str(bundled_dir() / REC_FILE))
    padded = finetune_rec.explicit_pads(onnx.load(str(bundled_dir() / REC_FILE)))
    assert not any(a.name == "auto_pad" and a.s == b"SAME_UPPER" for n in padded.graph.node for a in n.attribute)
    x = np.random.default_rng(3).uniform(-1, 1, (1, 3, 48, 224)).astype(np.float32)
    before = ort.InferenceSession(model.SerializeToString()).run(None, {"x": x})[0]
    after = ort.InferenceSession(padded.SerializeToString()).run(None, {"x": x})[0]
    assert np.abs(before - after).max() < 1e-5
    assert finetune_rec.charset_of(model) == rec_charset(ort.InferenceSession(str(bundled_dir() / REC_FILE)))


def test_training_batches_are_what_the_lane_feeds_the_model() -> None:
    crops = [np.random.default_rng(i).integers(0, 255, (20 + 5 * i, 90, 3), np.uint8) for i in range(3)]
    batch = finetune_rec.to_batch(crops)
    canvas = max(padded_width(c) for c in crops)
    assert np.allclose(batch.numpy(), _rec_blob(crops, canvas))


def test_ctc_loss_is_lower_for_the_text_the_probabilities_spell() -> None:
    labels = ["<blank>", "A", "B", "1"]
    index = {ch: labels.index(ch) for ch in "AB1"}
    spelled = [1, 0, 2, 0, 3, 0]  # A _ B _ 1 _
    probs = torch.full((1, 6, 4), 0.02)
    probs[0, range(6), spelled] = 0.94
    right = finetune_rec.ctc_loss(probs, ["AB1"], index)
    wrong = finetune_rec.ctc_loss(probs, ["BA1"], index)
    assert float(right) < float(wrong)


def test_the_learning_rate_warms_up_then_decays_to_a_tenth() -> None:
    rates = [finetune_rec.learning_rate(s, 200, 1e-4) for s in range(200)]
    assert rates[0] < rates[19] == pytest.approx(1e-4)
    assert rates[-1] == pytest.approx(1e-5, rel=0.05) and all(a >= b for a, b in itertools.pairwise(rates[19:]))


def test_serial_lines_are_told_from_state_names_and_fragments() -> None:
    box = (100, 50, 200, 100)  # x, y, w, h of the labelled plate
    wide = np.array([[110, 70], [290, 70], [290, 110], [110, 110]], np.float32)
    short = np.array([[110, 70], [160, 70], [160, 110], [110, 110]], np.float32)
    outside = wide + np.array([0, 200], np.float32)
    assert line_crops.is_serial_line(wide, box)
    assert not line_crops.is_serial_line(short, box) and not line_crops.is_serial_line(outside, box)
    assert line_crops.reads_as_plate("1AMW24O", "1AMW240") and line_crops.reads_as_plate("AMW240", "1AMW240")
    assert not line_crops.reads_as_plate("ARKANSAS", "520MRK")


def test_jittered_quads_stay_near_the_line() -> None:
    quad = np.array([[0, 0], [100, 0], [100, 20], [0, 20]], np.float32)
    for seed in range(20):
        moved = line_crops.jittered(quad, random.Random(seed))
        assert np.abs(moved - quad).max() <= 0.12 * 20 + 1e-4
    kept = line_crops.distinct([quad, quad + 1, quad + np.array([0, 30], np.float32)])
    assert len(kept) == 2
