"""The plate detector's recipe: canvases and their masks, then train, resume, export and detect, end to end."""

from __future__ import annotations

import random

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the detector training test needs the train extra (torch)")

from garita.vision.plate_detector import STRIDE  # noqa: E402
from garita.vision.training.detector_data import (  # noqa: E402
    IGNORE,
    Photo,
    _paint,
    compose,
    is_validation,
    source_name,
)


def _photo(i: int) -> Photo:
    """A 300x300 'photo' with one light plate-shaped rectangle on a dark scene."""
    rng = np.random.default_rng(i)
    image = rng.integers(0, 90, (300, 300, 3), dtype=np.uint8)
    x, y = int(rng.integers(20, 180)), int(rng.integers(20, 220))
    image[y : y + 40, x : x + 90] = 230
    return Photo(f"car{i}_jpg.rf.{i:04x}.jpg", image, np.array([[x, y, x + 90, y + 40]], np.float32))


def test_a_box_marks_its_shrunk_core_and_ignores_its_edge_band():
    mask = np.zeros((40, 40), np.float32)
    _paint(mask, np.array([[40, 40, 120, 80]], np.float32), cell=160)  # cells 10-30 x 10-20
    assert (mask[12:18, 12:28] == 1).all()  # the core (80% of the box)
    assert mask[10, 10] == IGNORE and mask[19, 29] == IGNORE  # the band between core and box
    assert (mask[:10] == 0).all() and (mask[21:] == 0).all() and (mask[:, 31:] == 0).all()


def test_a_plate_mostly_cut_off_by_the_tile_edge_is_ignored_not_taught():
    mask = np.zeros((40, 40), np.float32)
    _paint(mask, np.array([[140, 40, 220, 80]], np.float32), cell=160)  # 25% inside the tile
    assert (mask == 1).sum() == 0 and (mask == IGNORE).sum() > 0
    earlier = np.zeros((40, 40), np.float32)
    earlier[12:18, 12:28] = 1.0
    _paint(earlier, np.array([[40, 40, 120, 80]], np.float32), cell=160, ignore_only=True)
    assert (earlier[12:18, 12:28] == 1).all()  # a covered plate's band never unmarks another's core


def test_canvases_hold_marked_plates_and_augmented_copies_stay_on_one_side_of_the_split():
    photos = [_photo(i) for i in range(6)]
    rng = random.Random(3)
    marked = 0
    for _ in range(20):
        canvas, mask = compose(rng, photos, size=320)
        assert canvas.shape == (320, 320, 3) and canvas.dtype == np.uint8
        assert mask.shape == (320 // STRIDE, 320 // STRIDE) and set(np.unique(mask)) <= {IGNORE, 0.0, 1.0}
        marked += bool((mask == 1).any())
    assert marked >= 18  # every tile keeps its main plate inside: nearly every canvas teaches a plate
    assert source_name("abc_jpg.rf.123.jpg") == source_name("abc_jpg.rf.456.jpg") == "abc_jpg"
    assert is_validation("abc_jpg.rf.123.jpg") == is_validation("abc_jpg.rf.456.jpg")


def test_recipe_trains_resumes_exports_and_detects(tmp_path):
    from garita.vision.models import open_session
    from garita.vision.plate_detector import find_plates
    from garita.vision.training.train_detector import export, parser, train

    photos = [_photo(i) for i in range(24)]
    run = tmp_path / "run"
    argv = ["--run", str(run), "--steps", "3", "--batch", "4", "--size", "128", "--val", "4", "--eval-every", "3"]
    progress = train(parser().parse_args(argv), photos)
    assert progress["step"] == 3 and (run / "last.pt").is_file() and (run / "best.pt").is_file()
    argv[argv.index("--steps") + 1] = "5"
    resumed = train(parser().parse_args(argv), photos)
    assert resumed["step"] == 5 and [h["step"] for h in resumed["history"]] == [3, 5]  # resumed, not restarted
    export(run / "best.pt", tmp_path / "finder.onnx")
    session = open_session(tmp_path / "finder.onnx", threads=1)
    frame = np.zeros((720, 1280, 3), np.uint8)
    logits = session.run(None, {"frame": np.zeros((1, 3, 384, 640), np.float32)})[0]
    assert logits.shape == (1, 1, 96, 160)
    for box in find_plates(session, frame):
        assert box.quad.shape == (4, 2) and 0.0 <= box.score <= 1.0
