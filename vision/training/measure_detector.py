"""Measure the plate detector on labelled photos it never saw: recall of the labelled plate box, time per frame.

    python -m garita.vision.training.measure_detector vision/model_files/plate_finder.onnx ../shared/datasets/plates/us

A labelled plate counts as found when a reported box overlaps it with IoU >= 0.5 (and, looser, >= 0.3);
the figures are per folder: found, reported boxes per frame, median and p95 detection time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from garita.vision.datasets import plate_samples, read_label
from garita.vision.image_io import load_image
from garita.vision.models import open_session
from garita.vision.plate_detector import FinderParams, find_plates


def iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Intersection over union of two (x0, y0, x1, y1) boxes."""
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    return inter / max((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter, 1e-6)


def labelled_box(label: Path) -> tuple[float, float, float, float]:
    _, x, y, w, h = read_label(label).split()[:5]
    return float(x), float(y), float(x) + float(w), float(y) + float(h)


def measure(model: Path, folder: Path, threads: int = 2, params: FinderParams | None = None) -> dict:
    """Found (IoU 0.5 / 0.3), boxes per frame and detection time over one folder of labelled photos."""
    session = open_session(model, threads)
    found5 = found3 = boxes = 0
    times = []
    samples = [s for s in plate_samples(folder) if s.problem is None]
    for sample in samples:
        frame = load_image(sample.image)
        truth = labelled_box(sample.image.with_suffix(".txt"))
        started = time.perf_counter()
        reported = find_plates(session, frame, params)
        times.append(time.perf_counter() - started)
        best = max((iou(truth, (*b.quad.min(axis=0), *b.quad.max(axis=0))) for b in reported), default=0.0)
        found5, found3, boxes = found5 + int(best >= 0.5), found3 + int(best >= 0.3), boxes + len(reported)
    n = max(len(samples), 1)
    return {"folder": str(folder), "photos": len(samples), "found_iou50": found5, "found_iou30": found3,
            "boxes_per_frame": round(boxes / n, 2), "median_ms": round(1000 * statistics.median(times), 1),
            "p95_ms": round(1000 * float(np.percentile(times, 95)), 1)}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", type=Path)
    p.add_argument("folders", type=Path, nargs="+")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)
    for folder in args.folders:
        print(json.dumps(measure(args.model, folder, args.threads)), flush=True)


if __name__ == "__main__":
    main()
