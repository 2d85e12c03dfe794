"""The training recipe end to end on a few dozen rendered plates: train, resume, export, quantise, read."""

from __future__ import annotations

import random
import re

import pytest

torch = pytest.importorskip("torch", reason="the training smoke test needs the train extra (torch)")
pytest.importorskip("PIL", reason="the training smoke test needs the train extra (Pillow)")

from garita.vision.plate_line import CHARSET, HEIGHT, WIDTH  # noqa: E402
from garita.vision.training import fonts  # noqa: E402


@pytest.fixture(autouse=True)
def _fonts():
    try:
        fonts.plate_fonts()
    except RuntimeError as exc:
        pytest.skip(str(exc))


def test_every_series_renders_a_plate_with_its_label():
    from garita.vision.training.augment import photograph
    from garita.vision.training.render import render_plate
    from garita.vision.training.series import SERIES, SLOTS

    rng = random.Random(5)
    regions = {s.region for s in SERIES}
    assert {"us", "mx", "ca", "br", "eu"} <= regions and sum(s.region == "eu" for s in SERIES) >= 10
    for series in SERIES:
        plate, text, two_line = render_plate(series, rng)
        assert two_line == any("|" in t for t in series.templates)
        lengths = {sum(ch in SLOTS for ch in t) for t in series.templates}
        assert re.fullmatch(r"[A-Z0-9]+", text) and len(text) in lengths, (series.name, text)
        shot = photograph(plate, rng)
        assert shot.ndim == 3 and shot.shape[2] == 3 and min(shot.shape[:2]) >= 6


def test_recipe_trains_resumes_exports_and_reads(tmp_path):
    from garita.vision.plate_line_reader import PlateLineReader
    from garita.vision.training.data import synthetic
    from garita.vision.training.export import export
    from garita.vision.training.train import parser, train

    run = tmp_path / "run"
    argv = ["--run", str(run), "--steps", "3", "--batch", "8", "--pool", "24", "--renew", "2", "--val", "8",
            "--eval-every", "3", "--pack", "", "--width", "1"]
    progress = train(parser().parse_args(argv))
    assert progress["step"] == 3 and (run / "last.pt").is_file() and (run / "best.pt").is_file()
    argv[argv.index("--steps") + 1] = "5"
    assert train(parser().parse_args(argv))["step"] == 5  # resumed from step 3, not restarted
    assert [h["step"] for h in progress["history"]] == [3]

    check = [synthetic(random.Random(i)) for i in range(8)]
    figures = export(run / "best.pt", tmp_path / "onnx", calibration=8, check=check)
    assert 0.0 <= figures["int8_exact"] <= 1.0 and figures["int8_bytes"] < figures["float_bytes"]
    reader = PlateLineReader(tmp_path / "onnx" / "plate_line_int8.onnx", threads=1)
    probs = reader.probabilities([check[0][0]])
    assert probs[0].shape == (WIDTH // 4, len(CHARSET) + 1)
    assert set(reader.read([check[0][0]])[0].text) <= set(CHARSET)
    assert check[0][0].shape == (HEIGHT, WIDTH)
