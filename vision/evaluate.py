"""Accuracy and speed of plate and container reading on a labelled folder (for `garita eval`)."""

from __future__ import annotations

import re
import resource
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

from garita.vision.datasets import Sample, container_samples, plate_samples
from garita.vision.errors import VisionError
from garita.vision.fusion import fuse_containers
from garita.vision.image_io import load_image
from garita.vision.iso6346 import is_valid
from garita.vision.reads import ContainerRead
from garita.vision.recognizer import CONTAINER_DET, MIN_CODE_HEIGHT, PLATE_FIND, Recognizer

Progress = Callable[[int, int], None]


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def baseline_plate(recognizer: Recognizer, image: np.ndarray) -> str:
    """Generic-OCR pick rule on our detector, size and recogniser: the most confident line of 5-8
    alphanumerics (no plate-line choice, grammar, fragment or second-look pass)."""
    _, lines = recognizer.read_lines(image, PLATE_FIND, plate_detector=True)
    texts = [(line.raw_score, re.sub(r"[^A-Z0-9]", "", line.raw_text.upper())) for line in lines]
    texts = [t for t in texts if 5 <= len(t[1]) <= 8]
    return max(texts)[1] if texts else ""


def baseline_container(recognizer: Recognizer, image: np.ndarray) -> str:
    """Generic-OCR pick rule on our detector, size and recogniser: the most confident line that reads as
    4 letters and 7 digits (no token assembly, check-digit repair, vertical columns or flips)."""
    boxes, lines = recognizer.read_lines(image, CONTAINER_DET)
    texts = [(line.raw_score, re.sub(r"[^A-Z0-9]", "", line.raw_text.upper()))
             for box, line in zip(boxes, lines, strict=True) if min(box.width, box.height) >= MIN_CODE_HEIGHT]
    texts = [t for t in texts if re.fullmatch(r"[A-Z]{4}[0-9]{7}", t[1])]
    return max(texts)[1] if texts else ""


def _summary(per_image: list[dict]) -> dict:
    """Fractions and timings over per-image records."""
    n = max(len(per_image), 1)
    times = [r["seconds"] for r in per_image if r["seconds"] is not None] or [0.0]
    return {
        "images": len(per_image),
        "exact": sum(r["exact"] for r in per_image) / n,
        "top5": sum(r["top5"] for r in per_image) / n,
        "detected": sum(r["detected"] for r in per_image) / n,
        "errors": sum(r["error"] is not None for r in per_image),
        "median_s": float(np.median(times)),
        "p95_s": float(np.percentile(times, 95)),
        "peak_rss_mb": peak_rss_mb(),
    }


def _timed(read: Callable[[np.ndarray], list], sample: Sample) -> tuple[list, float | None, str | None]:
    """Load and read one image; a bad file yields an error record instead of stopping the run."""
    if sample.problem:
        return [], None, sample.problem
    try:
        image = load_image(sample.image)
    except VisionError as exc:
        return [], None, str(exc)
    start = time.perf_counter()
    result = read(image)
    return result, time.perf_counter() - start, None


def eval_plates(
    folder: Path, recognizer: Recognizer, regions: tuple[str, ...], progress: Progress | None = None
) -> dict:
    """Plate accuracy on folder: exact first answer, exact in the top 5, plate found at all."""
    samples = plate_samples(folder)
    records = []
    for i, sample in enumerate(samples):
        reads, seconds, error = _timed(lambda img: recognizer.read_plates(img, regions), sample)
        top = [c.text for c in reads[0].candidates[:5]] if reads else []
        anywhere = {c.text for r in reads for c in r.candidates}
        records.append({
            "image": sample.image.name, "truth": sample.truth, "read": top[0] if top else None,
            "exact": bool(top) and top[0] == sample.truth, "top5": sample.truth in top,
            "detected": sample.truth in anywhere, "seconds": seconds, "error": error,
        })
        if progress:
            progress(i + 1, len(samples))
    return {**_summary(records), "per_image": records}


def eval_containers(folder: Path, recognizer: Recognizer, progress: Progress | None = None) -> dict:
    """Container accuracy on folder, plus per-group fusion when labels.csv has a group column."""
    samples = container_samples(folder)
    records, by_group = [], defaultdict(list)
    for i, sample in enumerate(samples):
        reads, seconds, error = _timed(recognizer.read_containers, sample)
        top = [c.text for c in reads[0].candidates[:5]] if reads else []
        records.append({
            "image": sample.image.name, "truth": sample.truth, "read": top[0] if top else None,
            "exact": bool(top) and top[0] == sample.truth,
            "top5": any(sample.truth in [c.text for c in r.candidates[:5]] for r in reads[:5]),
            "detected": any(sample.truth == c.text for r in reads for c in r.candidates), "seconds": seconds,
            "error": error,
        })
        if sample.group:
            by_group[sample.group].append((sample.truth, reads))
        if progress:
            progress(i + 1, len(samples))
    summary = {**_summary(records), "per_image": records}
    if by_group:
        summary.update(_group_results(by_group))
    return summary


def crossing_containers(reads: list[ContainerRead]) -> set[str]:
    """The containers one crossing reports, chosen without the labels: every fused code that passes the
    check digit (a truck carries one or two), or the best fused guess when none does."""
    fused = fuse_containers(reads)
    valid = {f.text for f in fused if is_valid(f.text)}
    return valid or {f.text for f in fused[:1]}


def _group_results(by_group: dict[str, list[tuple[str, list[ContainerRead]]]]) -> dict:
    """A group (one truck) is right when fusion returns exactly its set of containers."""
    groups = {}
    for group, items in by_group.items():
        truths = {truth for truth, _ in items}
        answer = crossing_containers([r for _, reads in items for r in reads[:1]])
        groups[group] = {"truth": sorted(truths), "fused": sorted(answer), "exact": answer == truths}
    return {"groups": groups, "groups_exact": sum(g["exact"] for g in groups.values()) / max(len(groups), 1)}


def main_summary(result: dict) -> str:
    """Human-readable lines for the CLI."""
    lines = [
        f"images {result['images']}  exact {result['exact']:.1%}  top5 {result['top5']:.1%}  "
        f"detected {result['detected']:.1%}  errors {result['errors']}",
        f"median {result['median_s'] * 1000:.0f} ms  p95 {result['p95_s'] * 1000:.0f} ms  "
        f"peak RSS {result['peak_rss_mb']:.0f} MB",
    ]
    if "groups_exact" in result:
        lines.append(f"groups {len(result['groups'])}  fused exact {result['groups_exact']:.1%}")
    return "\n".join(lines)


def default_dataset_root() -> Path:
    """../shared/datasets relative to the repository (where the development photos live)."""
    return Path(__file__).resolve().parents[2] / "shared" / "datasets"
