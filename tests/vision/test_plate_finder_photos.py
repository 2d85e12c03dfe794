"""The shipped plate detector and the plate path built on it, on every development photo (never trained on)."""

from __future__ import annotations

from pathlib import Path

import pytest

from garita.vision.evaluate import eval_plates
from garita.vision.models import PLATE_FINDER_FILE, model_path
from garita.vision.training.measure_detector import measure

# Measured with the shipped plate_finder.onnx (vision/README.md): the floors sit just below, so that a worse
# retrained detector or a broken plate path fails here rather than on a lane.
FOUND = {"us": 0.96, "br": 0.96}  # share of labelled plates a reported box overlaps (IoU >= 0.3)
EXACT = {"us": 0.87, "br": 0.96}  # exact first answers through the whole plate path


@pytest.mark.parametrize("region", ["us", "br"])
def test_the_detector_finds_the_labelled_plates(datasets: Path, region: str) -> None:
    figures = measure(model_path(PLATE_FINDER_FILE), datasets / "plates" / region, threads=2)
    print(f"\n[plate detector] {region}: {figures}")
    assert figures["photos"] >= 99
    assert figures["found_iou30"] / figures["photos"] >= FOUND[region]
    assert figures["boxes_per_frame"] <= 4  # the limit: never more crops than the reader pays for


@pytest.mark.parametrize("region", ["us", "br"])
def test_the_plate_path_reads_every_development_photo_set(datasets: Path, recognizer, region: str) -> None:
    result = eval_plates(datasets / "plates" / region, recognizer, (region,))
    print(f"\n[plate path] {region}: exact {result['exact']:.3f}, median {result['median_s'] * 1000:.0f} ms, "
          f"p95 {result['p95_s'] * 1000:.0f} ms")
    assert result["errors"] == 0 and result["exact"] >= EXACT[region]
