"""`garita bench vision`: accuracy and speed of our pipeline next to a generic-OCR baseline, in one run.

Both sides load the same ONNX models with the same threads and detect at the same size; the baseline
differs only in what it does with the detected lines (see ``DIFFERS``). Every set is run ``runs``
times, ours and the baseline interleaved image by image; per-image times are pooled over the runs for
the median and p95 (reported only with enough samples), frames/s is given per run (median, min, max).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import numpy as np

from garita.vision.datasets import Sample, container_samples, plate_samples
from garita.vision.evaluate import baseline_container, baseline_plate, default_dataset_root, peak_rss_mb
from garita.vision.image_io import load_image
from garita.vision.models import load_sessions
from garita.vision.recognizer import Recognizer

T = TypeVar("T")
SETS = (("us", ("us",)), ("br", ("br",)), ("br-any", ("any",)))
DIFFERS = ("same models (int8 text detector, general detector, recogniser), same sizes (1280 px) and threads; "
           "'previous' is ours without the plate detector (every frame's text searched at 1280 px); "
           "the baseline takes the most confident 5-8 character line of that search (plates) or "
           "4-letter-7-digit line (containers), ours adds the plate detector at 640 px (plates), plate-line "
           "choice, grammar ranking, fragment and second-look passes (plates) and token assembly, check-digit "
           "repair, vertical columns and flips (containers)")


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile, or None when fewer than five samples lie above it (it would be the maximum)."""
    if not values or len(values) * (100 - q) / 100 < 5:
        return None
    return float(np.percentile(values, q))


def _timing(seconds: list[float], per_run_rate: list[float]) -> dict:
    """Median and p95 of pooled per-image times; frames/s of each run as median, min, max."""
    if not seconds:
        return {"median_s": None, "p95_s": None, "samples": 0, "images_per_s": None}
    rates = {"median": float(np.median(per_run_rate)), "min": min(per_run_rate), "max": max(per_run_rate)}
    return {"median_s": float(np.median(seconds)), "p95_s": percentile(seconds, 95), "samples": len(seconds),
            "images_per_s": rates}


def _timed(read: Callable[[np.ndarray], T], image: np.ndarray) -> tuple[T, float]:
    start = time.perf_counter()
    found = read(image)
    return found, time.perf_counter() - start


Reader = Callable[[np.ndarray], list[str]]  # an image -> its texts, best first


def _compare(samples: list[Sample], runs: int, sides: dict[str, Reader]) -> dict:
    """Every side on every image, ``runs`` times, interleaved image by image; exact and top-5 from run 1."""
    samples = [sample for sample in samples if sample.problem is None]  # unreadable labels/files: eval's errors
    images = [load_image(s.image) for s in samples]
    times: dict[str, list[float]] = {name: [] for name in sides}
    rates: dict[str, list[float]] = {name: [] for name in sides}
    exact = dict.fromkeys(sides, 0)
    top5 = dict.fromkeys(sides, 0)
    for run in range(runs):
        spent = dict.fromkeys(sides, 0.0)
        for sample, image in zip(samples, images, strict=True):
            for name, read in sides.items():
                texts, seconds = _timed(read, image)
                times[name].append(seconds)
                spent[name] += seconds
                if run == 0:
                    exact[name] += bool(texts) and texts[0] == sample.truth
                    top5[name] += sample.truth in texts[:5]
        for name in sides:
            rates[name].append(len(samples) / spent[name] if spent[name] else 0.0)
    n = max(len(samples), 1)
    return {"images": len(samples), "runs": runs, **{
        name: {"exact": exact[name] / n, "top5": top5[name] / n, **_timing(times[name], rates[name])}
        for name in sides}}


def _texts(reads: list) -> list[str]:
    return [c.text for c in reads[0].candidates[:5]] if reads else []


def _plate_set(recognizer: Recognizer, previous: Recognizer, samples: list[Sample], regions: tuple[str, ...],
               runs: int) -> dict:
    return _compare(samples, runs, {
        "ours": lambda image: _texts(recognizer.read_plates(image, regions)),
        "previous": lambda image: _texts(previous.read_plates(image, regions)),
        "baseline": lambda image: [baseline_plate(recognizer, image)],
    })


def _container_set(recognizer: Recognizer, samples: list[Sample], runs: int) -> dict:
    return _compare(samples, runs, {
        "ours": lambda image: _texts(recognizer.read_containers(image)),
        "baseline": lambda image: [baseline_container(recognizer, image)],
    })


def run_bench(root: Path | None = None, limit: int | None = None, threads: tuple[int, ...] = (2,),
              runs: int = 3) -> dict:
    """Run every set under root (default ../shared/datasets) with each thread count; return one dict."""
    root = Path(root) if root else default_dataset_root()
    result: dict = {"root": str(root), "differs": DIFFERS, "runs": {}}
    for count in threads:
        sessions = load_sessions(count)  # one set of models for every side
        recognizer = Recognizer(regions=("any",), sessions=sessions)
        previous = Recognizer(regions=("any",), sessions=replace(sessions, plate_finder=None))
        run: dict = {}
        for name, regions in SETS:
            folder = root / "plates" / name.split("-")[0]
            if folder.is_dir():
                run[f"plates-{name}"] = _plate_set(recognizer, previous, plate_samples(folder)[:limit], regions, runs)
        if (root / "containers" / "labels.csv").is_file():
            run["containers"] = _container_set(recognizer, container_samples(root / "containers")[:limit], runs)
        result["runs"][f"threads={count}"] = run
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def main(argv: list[str] | None = None) -> None:
    """CLI: python -m garita.station.bench.vision_speed [--root DIR] [--limit N] [--threads 1 2] [--runs N]."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=None)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--threads", type=int, nargs="+", default=[2])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    print(json.dumps(run_bench(args.root, args.limit, tuple(args.threads), args.runs), indent=2))


if __name__ == "__main__":
    main()
