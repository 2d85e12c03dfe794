"""Real material for training: labelled Brazilian crops, US designs, character tiles, development photos.

Everything is read from ../shared/datasets (never copied into the repository); see its READMEs.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from garita.vision.plate_grammar import normalise


@dataclass(frozen=True)
class LabelledPhoto:
    """One development photo: file, plate box (x, y, w, h) and the plate text."""

    path: Path
    box: tuple[int, int, int, int]
    text: str


def development_photos(folder: Path) -> list[LabelledPhoto]:
    """The photos of `plates/us` or `plates/br` with their label lines (IMAGE X Y W H TEXT)."""
    photos = []
    for label_file in sorted(folder.glob("*.txt")):
        fields = label_file.read_text().split()
        if len(fields) < 6:
            continue
        x, y, w, h = (int(v) for v in fields[1:5])
        photos.append(LabelledPhoto(folder / fields[0], (x, y, w, h), normalise(fields[5])))
    return photos


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def br_crops(pack: Path) -> list[tuple[np.ndarray, str]]:
    """Real Brazilian plate crops (BGR) with their text."""
    rows = _read_csv(pack / "br-crops" / "labels.csv")
    crops = [(cv2.imread(str(pack / "br-crops" / r["image"])), normalise(r["plate"])) for r in rows]
    return [(img, text) for img, text in crops if img is not None]


def us_designs(pack: Path, limit: int | None = None) -> list[np.ndarray]:
    """US state plate artwork (RGB) to give rendered US plates real colours, state names and slogans."""
    rows = _read_csv(pack / "us-designs" / "designs.csv")[:limit]
    images = [cv2.imread(str(pack / "us-designs" / r["image"])) for r in rows]
    return [cv2.cvtColor(img, cv2.COLOR_BGR2RGB) for img in images if img is not None]


def char_tiles(pack: Path) -> dict[str, list[np.ndarray]]:
    """Grey tiles of single real plate characters, by character."""
    tiles: dict[str, list[np.ndarray]] = {}
    for row in _read_csv(pack / "char-tiles" / "labels.csv"):
        img = cv2.imread(str(pack / "char-tiles" / row["image"]), cv2.IMREAD_GRAYSCALE)
        if img is not None:
            tiles.setdefault(row["char"].upper(), []).append(img)
    return tiles


def tile_line(tiles: dict[str, list[np.ndarray]], rng: random.Random) -> tuple[np.ndarray, str]:
    """A line of 5-8 real character tiles side by side (grey, dark on light or inverted), and its text."""
    text = "".join(rng.choice(sorted(tiles)) for _ in range(rng.randint(5, 8)))
    height = 48
    parts = [np.full((height, rng.randint(4, 14)), 255, np.uint8)]
    for ch in text:
        tile = rng.choice(tiles[ch])
        scaled = cv2.resize(tile, (max(3, int(tile.shape[1] * 40 / tile.shape[0])), 40))
        parts += [cv2.copyMakeBorder(scaled, 4, 4, 0, 0, cv2.BORDER_CONSTANT, value=255),
                  np.full((height, rng.randint(1, 8)), 255, np.uint8)]
    line = np.hstack([*parts, np.full((height, rng.randint(4, 14)), 255, np.uint8)])
    if rng.random() < 0.3:
        line = 255 - line
    line = cv2.GaussianBlur(line, (0, 0), rng.uniform(0.3, 1.2))
    return line, text


def photo_crop(image: np.ndarray, box: tuple[int, int, int, int], rng: random.Random | None) -> np.ndarray:
    """The labelled plate box with a margin (random when rng is given, like a detector's loose box)."""
    x, y, w, h = box
    if rng is None:
        mx, my, sx, sy = 0.06, 0.12, 0.0, 0.0
    else:
        mx, my = rng.uniform(-0.02, 0.12), rng.uniform(-0.02, 0.25)
        sx, sy = rng.uniform(-0.04, 0.04), rng.uniform(-0.06, 0.06)
    x0 = int(max(0, x - w * (mx - sx)))
    y0 = int(max(0, y - h * (my - sy)))
    x1 = int(min(image.shape[1], x + w * (1 + mx + sx)))
    y1 = int(min(image.shape[0], y + h * (1 + my + sy)))
    return image[y0:y1, x0:x1]


def photo_regions(photos: list[LabelledPhoto]) -> list[tuple[np.ndarray, tuple[int, int, int, int], str]]:
    """Each photo cut to its plate with room for jitter: (region, box within the region, text)."""
    regions = []
    for photo in photos:
        image = cv2.imread(str(photo.path))
        if image is None:
            continue
        x, y, w, h = photo.box
        x0, y0 = max(0, x - w // 2), max(0, y - h)
        region = image[y0 : min(image.shape[0], y + 2 * h), x0 : min(image.shape[1], x + w + w // 2)].copy()
        regions.append((region, (x - x0, y - y0, w, h), photo.text))
    return regions
