"""`garita bench vision`: accuracy and speed of our pipeline next to a generic-OCR baseline, in one run."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from vision.datasets import Sample, container_samples, plate_samples
from vision.evaluate import baseline_plate, default_dataset_root, peak_rss_mb
from vision.image_io import load_image
from vision.models import load_sessions
from vision.recognizer import Recognizer

SETS = (("us", ("us",)), ("br", ("br",)), ("br-any", ("any",)))


def _timing(seconds: list[float]) -> dict:
    """Median, p95 and throughput of per-image times."""
    if not seconds:
        return {"median_s": None, "p95_s": None, "images_per_s": None}
    return {
        "median_s": float(np.median(seconds)),
        "p95_s": float(np.percentile(seconds, 95)),
        "images_per_s": len(seconds) / sum(seconds),
    }


def _plate_set(recognizer: Recognizer, samples: list[Sample], regions: tuple[str, ...]) -> dict:
    """Ours (grammar prior) vs the baseline pick rule on the same frames and the same models."""
    ours, base, t_ours, t_base, top5 = 0, 0, [], [], 0
    samples = [sample for sample in samples if sample.problem is None]
    for sample in samples:
        image = load_image(sample.image)
        start = time.perf_counter()
        reads = recognizer.read_plates(image, regions)
        t_ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        guess = baseline_plate(recognizer, image)
        t_base.append(time.perf_counter() - start)
        ours += bool(reads) and reads[0].text == sample.truth
        top5 += bool(reads) and sample.truth in [c.text for c in reads[0].candidates[:5]]
        base += guess == sample.truth
    n = max(len(samples), 1)
    return {
        "images": len(samples),
        "ours": {"exact": ours / n, "top5": top5 / n, **_timing(t_ours)},
        "baseline": {"exact": base / n, **_timing(t_base)},
    }


def _container_set(recognizer: Recognizer, samples: list[Sample]) -> dict:
    """Container codes: first answer exact, and timing."""
    exact, seconds = 0, []
    samples = [sample for sample in samples if sample.problem is None]
    for sample in samples:
        image = load_image(sample.image)
        start = time.perf_counter()
        reads = recognizer.read_containers(image)
        seconds.append(time.perf_counter() - start)
        exact += bool(reads) and reads[0].text == sample.truth
    return {"images": len(samples), "ours": {"exact": exact / max(len(samples), 1), **_timing(seconds)}}


def run_bench(root: Path | None = None, limit: int | None = None, threads: tuple[int, ...] = (2,)) -> dict:
    """Run every set under root (default ../shared/datasets) with each thread count; return one dict."""
    root = Path(root) if root else default_dataset_root()
    result: dict = {"root": str(root), "runs": {}}
    for count in threads:
        recognizer = Recognizer(regions=("any",), sessions=load_sessions(count))
        run: dict = {}
        for name, regions in SETS:
            folder = root / "plates" / name.split("-")[0]
            if folder.is_dir():
                run[f"plates-{name}"] = _plate_set(recognizer, plate_samples(folder)[:limit], regions)
        if (root / "containers" / "labels.csv").is_file():
            run["containers"] = _container_set(recognizer, container_samples(root / "containers")[:limit])
        result["runs"][f"threads={count}"] = run
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def main(argv: list[str] | None = None) -> None:
    """CLI: python -m vision.bench [--root DIR] [--limit N] [--threads 1 2]."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=None)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--threads", type=int, nargs="+", default=[2])
    args = parser.parse_args(argv)
    print(json.dumps(run_bench(args.root, args.limit, tuple(args.threads)), indent=2))


if __name__ == "__main__":
    main()
