"""Synthetic figures per plate region: rendered plates pasted into a lane-sized frame, read by the whole plate path.

    python -m garita.vision.training.measure_series --region mx --count 300
    python -m garita.vision.training.measure_series --region eu --read-as any eu --count 300

No labelled Mexican or European photos are here, so these figures are **synthetic**: rendered with the training
renderer (a seed the recogniser never trained on), photographed by `augment.py`, 150-320 px wide in a 1280x720
frame of noise. They say what the grammars and the models make of every series, not what a lane will see.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter

import cv2
import numpy as np

from garita.vision import Recognizer
from garita.vision.training.augment import photograph
from garita.vision.training.render import render_plate
from garita.vision.training.series import pick

SEED = 20261204  # not a training seed


def lane_frame(plate: np.ndarray, rng: random.Random) -> np.ndarray:
    """A 1280x720 frame of smooth noise with the plate pasted in, 150-320 px wide."""
    noise = np.random.default_rng(rng.randrange(1 << 30)).normal(110, 35, (45, 80, 3))
    frame = cv2.resize(np.clip(noise, 0, 255).astype(np.uint8), (1280, 720), interpolation=cv2.INTER_CUBIC)
    width = rng.randint(150, 320)
    height = max(8, int(plate.shape[0] * width / plate.shape[1]))
    scaled = cv2.resize(plate, (width, height), interpolation=cv2.INTER_AREA)
    x, y = rng.randint(200, 1280 - width - 200), rng.randint(100, max(100, 720 - height - 100))
    frame[y : y + height, x : x + width] = scaled
    return frame


def measure(region: str, read_as: tuple[str, ...], count: int) -> dict:
    """Exact first answers per reading region, and per series, over `count` rendered plates of `region`."""
    rng = random.Random(SEED)
    readers = {r: Recognizer(regions=(r,), threads=2) for r in read_as}
    right: Counter = Counter()
    per_series: dict[str, Counter] = {}
    for _ in range(count):
        series = pick(rng, (region,))
        plate, text, _ = render_plate(series, rng, None)
        frame = lane_frame(photograph(plate, rng), rng)
        tally = per_series.setdefault(series.name, Counter())
        tally["plates"] += 1
        for name, reader in readers.items():
            reads = reader.read_plates(frame)
            hit = bool(reads) and reads[0].text == text
            right[name] += hit
            tally[name] += hit
    return {"region": region, "plates": count, "synthetic": True,
            "exact": {name: right[name] / count for name in read_as},
            "per_series": {name: dict(t) for name, t in sorted(per_series.items())}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", required=True, help="the series to render (us, mx, br, eu, ca...)")
    parser.add_argument("--read-as", nargs="+", default=None, help="reading regions (default: the same one)")
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args()
    print(json.dumps(measure(args.region, tuple(args.read_as or [args.region]), args.count), indent=1))


if __name__ == "__main__":
    main()
