"""`garita eval` end to end, as port IT runs it: a small labelled folder, one broken image among them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

BR_IMAGES = 6  # a handful: enough to catch a broken pipeline, few enough for CI


def garita(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "garita.station", *args], capture_output=True, text=True,
                          timeout=300, cwd=REPO, env={**os.environ})


def _small_plate_folder(datasets: Path, target: Path) -> None:
    labels = sorted((datasets / "plates" / "br").glob("*.txt"))[:BR_IMAGES]
    for label in labels:
        image = label.parent / label.read_text().split()[0]
        (target / image.name).symlink_to(image)
        (target / label.name).write_text(label.read_text())
    (target / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    (target / "broken.txt").write_text("broken.jpg 0 0 10 10 ABC1234\n")


def test_eval_plates_reports_accuracy_and_survives_a_broken_image(datasets, recognizer, tmp_path):
    _small_plate_folder(datasets, tmp_path)
    refused = garita("eval", "plates", str(tmp_path), "--region", "br")
    assert refused.returncode == 1 and f"1 of {BR_IMAGES + 1} images could not be read" in refused.stderr
    result = garita("eval", "plates", str(tmp_path), "--region", "br", "--json", "--allow-errors")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["images"] == BR_IMAGES + 1
    assert {"exact", "top5", "detected", "median_s", "p95_s", "peak_rss_mb", "per_image"} <= set(report)
    broken = next(r for r in report["per_image"] if r["image"] == "broken.jpg")
    assert broken["error"] and not broken["exact"]
    # Measured 96.5% on the whole BR set; a floor far below that catches a broken pipeline, not noise.
    assert report["exact"] >= 3 / (BR_IMAGES + 1)


def test_eval_of_an_empty_folder_fails(tmp_path):
    result = garita("eval", "plates", str(tmp_path))
    assert result.returncode == 1 and "no labelled images" in result.stderr and "Traceback" not in result.stderr


def test_eval_containers_needs_labels(tmp_path):
    result = garita("eval", "containers", str(tmp_path))
    assert result.returncode == 2 and "labels.csv not found" in result.stderr
