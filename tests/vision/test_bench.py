"""`garita bench vision` bookkeeping: both sides on every image, several runs, p95 only with enough samples."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from garita.station.bench.vision_speed import DIFFERS, _compare, percentile
from garita.vision.datasets import Sample


def test_both_sides_read_every_image_each_run_and_accuracy_is_counted_once(tmp_path: Path) -> None:
    samples = []
    for n, truth in enumerate(["ABC1234", "XYZ9876", "QQQ0000"]):
        path = tmp_path / f"{n}.png"
        cv2.imwrite(str(path), np.full((8, 8, 3), n, np.uint8))
        samples.append(Sample(path, truth))
    seen: list[str] = []

    def ours(image: np.ndarray) -> list[str]:
        seen.append("ours")
        return [["ABC1234"], ["XYZ0000", "XYZ9876"], []][int(image[0, 0, 0])]

    def previous(image: np.ndarray) -> list[str]:
        seen.append("previous")
        return ["ABC1234", "XYZ9876", "QQQ0000"]

    def base(image: np.ndarray) -> list[str]:
        seen.append("baseline")
        return [["ABC1234"], [""], ["QQQ0000"]][int(image[0, 0, 0])]

    result = _compare(samples, 4, {"ours": ours, "previous": previous, "baseline": base})
    assert seen == ["ours", "previous", "baseline"] * 12  # interleaved, image by image, over 4 runs
    assert result["previous"]["exact"] == 1 / 3 and result["previous"]["top5"] == 1.0
    assert (result["ours"]["exact"], result["ours"]["top5"], result["baseline"]["exact"]) == (1 / 3, 2 / 3, 2 / 3)
    assert result["ours"]["samples"] == 12 and result["ours"]["p95_s"] is None  # 12 samples: no p95
    rates = result["baseline"]["images_per_s"]
    assert rates["min"] <= rates["median"] <= rates["max"]
    assert "same models" in DIFFERS


def test_a_percentile_is_reported_only_when_samples_lie_above_it() -> None:
    assert percentile([float(v) for v in range(99)], 95) is None
    assert percentile([float(v) for v in range(100)], 95) == np.percentile(range(100), 95)
