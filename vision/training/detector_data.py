"""Training canvases for the plate detector: the boxes-only detection set, re-scaled and tiled into mosaics.

The set's photos were stretched to 300x300 and most plates in them are large; a lane frame at the detector's
640 px holds plates 8-130 px tall at their true shape. So each canvas tiles 1-9 photos, each scaled so its
largest plate has a drawn height (log-uniform) and its width restored by a random factor, then photographed
again (colour, grey/infrared, blur, noise, JPEG). The target is a mask at 1/4 scale: 1 inside the plate box
shrunk to SHRINK, ignored in the band between that and the box (where the edge is a matter of labelling)."""

from __future__ import annotations

import csv
import hashlib
import math
import random
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from garita.vision.plate_detector import SHRINK, STRIDE

DEFAULT_SET = Path("../shared/datasets/plates-detect")
CANVAS = 320
IGNORE = -1.0  # mask value of pixels the loss leaves out
VISIBLE = 0.6  # a plate cut by a cell edge is a positive if this share of it is left, else ignored


@dataclass(frozen=True, eq=False)
class Photo:
    """One photo of the set, decoded, with its plate boxes (x0, y0, x1, y1)."""

    name: str
    image: np.ndarray
    boxes: np.ndarray


def source_name(name: str) -> str:
    """The photo a Roboflow file was made from: augmented copies of one photo share it (never split apart)."""
    return name.split(".rf.")[0]


def is_validation(name: str, share: float = 0.1) -> bool:
    """A fixed share of source photos, by hash, kept out of training for checkpoint selection."""
    digest = hashlib.sha256(source_name(name).encode()).digest()
    return digest[0] < 256 * share


def load_set(folder: Path = DEFAULT_SET) -> list[Photo]:
    """Every photo of labels.csv with its boxes, decoded once (2,613 photos of 300x300: about 0.7 GB)."""
    boxes: dict[str, list[list[float]]] = {}
    with (folder / "labels.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            x, y, w, h = (float(row[k]) for k in ("x", "y", "w", "h"))
            boxes.setdefault(row["image"], []).append([x, y, x + w, y + h])
    photos = []
    for name, rows in sorted(boxes.items()):
        image = cv2.imread(str(folder / "images" / name), cv2.IMREAD_COLOR)
        if image is not None:
            photos.append(Photo(name, image, np.asarray(rows, np.float32)))
    return photos


def _scaled(rng: random.Random, photo: Photo, tallest: float) -> tuple[np.ndarray, np.ndarray]:
    """The photo with its largest plate drawn at a random height up to tallest, its width restored at random."""
    heights = photo.boxes[:, 3] - photo.boxes[:, 1]
    target = math.exp(rng.uniform(math.log(8.0), math.log(tallest)))
    sy = target / max(float(heights.max()), 1.0)
    sx = sy * rng.uniform(0.8, 1.8)  # undo the square stretch by a random amount
    image = cv2.resize(photo.image, None, fx=sx, fy=sy, interpolation=cv2.INTER_AREA if sy < 1 else cv2.INTER_LINEAR)
    return image, photo.boxes * np.array([sx, sy, sx, sy], np.float32)


def _covering(rng: random.Random, photo: Photo, cell: int) -> tuple[np.ndarray, np.ndarray]:
    """The photo scaled to cover a cell x cell tile and cut there at random: the scene behind a placed photo."""
    scale = cell / min(photo.image.shape[:2]) * rng.uniform(1.0, 2.0)
    image = cv2.resize(photo.image, None, fx=scale, fy=scale)
    left, top = rng.randrange(image.shape[1] - cell + 1), rng.randrange(image.shape[0] - cell + 1)
    return image[top : top + cell, left : left + cell], photo.boxes * scale - np.array([left, top, left, top])


def _offset(rng: random.Random, main: np.ndarray, cell: int) -> tuple[int, int]:
    """Where the scaled photo's corner goes: drawn from the range that keeps its main plate inside the tile."""
    low_x, high_x = sorted((float(main[2] - cell), float(main[0])))
    low_y, high_y = sorted((float(main[3] - cell), float(main[1])))
    return int(rng.uniform(low_x, high_x)), int(rng.uniform(low_y, high_y))


def _tile(rng: random.Random, photos: list[Photo], cell: int) -> tuple[np.ndarray, np.ndarray]:
    """One tile: a photo placed over another one's scene, and its 1/4-scale mask."""
    tile, behind = _covering(rng, rng.choice(photos), cell)
    mask = np.zeros((cell // STRIDE, cell // STRIDE), np.float32)
    image, boxes = _scaled(rng, rng.choice(photos), tallest=min(130.0, cell * 0.6))
    heights = boxes[:, 3] - boxes[:, 1]
    left, top = _offset(rng, boxes[int(heights.argmax())], cell)
    src = image[max(0, top) : top + cell, max(0, left) : left + cell]
    x0, y0 = max(0, -left), max(0, -top)
    pasted = (x0, y0, x0 + src.shape[1], y0 + src.shape[0])
    for box in behind:
        covered = box[0] < pasted[2] and box[2] > pasted[0] and box[1] < pasted[3] and box[3] > pasted[1]
        _paint(mask, box[None], cell, ignore_only=covered)
    tile[pasted[1] : pasted[3], pasted[0] : pasted[2]] = src
    mask[pasted[1] // STRIDE : -(-pasted[3] // STRIDE), pasted[0] // STRIDE : -(-pasted[2] // STRIDE)] = 0.0
    _paint(mask, boxes - np.array([left, top, left, top], np.float32), cell)
    return tile, mask


def _paint(mask: np.ndarray, boxes: np.ndarray, cell: int, ignore_only: bool = False) -> None:
    """Mark each box in the 1/4-scale mask: shrunk core 1, its band ignored; a box mostly cut off ignored."""
    for x0, y0, x1, y1 in boxes:
        cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x1, cell), min(y1, cell)
        if cx1 <= cx0 or cy1 <= cy0:
            continue
        visible = (cx1 - cx0) * (cy1 - cy0) / max((x1 - x0) * (y1 - y0), 1e-6)
        area = mask[int(cy0 / STRIDE) : math.ceil(cy1 / STRIDE), int(cx0 / STRIDE) : math.ceil(cx1 / STRIDE)]
        area[area != 1.0] = IGNORE  # never unmarks another plate's core
        if visible < VISIBLE or ignore_only:
            continue
        mx, my = (x1 - x0) * (1 - SHRINK) / 2, (y1 - y0) * (1 - SHRINK) / 2
        core = [round(v / STRIDE) for v in (cx0 + mx, cy0 + my, cx1 - mx, cy1 - my)]
        mask[core[1] : max(core[3], core[1] + 1), core[0] : max(core[2], core[0] + 1)] = 1.0


def compose(rng: random.Random, photos: list[Photo], size: int = CANVAS) -> tuple[np.ndarray, np.ndarray]:
    """One training canvas (BGR uint8) and its mask (float32: 1 plate, 0 not, IGNORE left out)."""
    grid = rng.choices((1, 2, 3), weights=(0.3, 0.45, 0.25))[0]
    cell = size // grid
    cell -= cell % STRIDE
    canvas = np.zeros((size, size, 3), np.uint8)
    mask = np.full((size // STRIDE, size // STRIDE), IGNORE, np.float32)  # a strip no tile covers is left out
    for row in range(grid):
        for col in range(grid):
            tile, tile_mask = _tile(rng, photos, cell)
            canvas[row * cell : (row + 1) * cell, col * cell : (col + 1) * cell] = tile
            m = cell // STRIDE
            mask[row * m : (row + 1) * m, col * m : (col + 1) * m] = tile_mask
    canvas = photograph(rng, canvas)
    if rng.random() < 0.5:  # mirrored plates are still plates: the detector looks at shape, not the text
        return np.ascontiguousarray(canvas[:, ::-1]), np.ascontiguousarray(mask[:, ::-1])
    return canvas, mask


def photograph(rng: random.Random, image: np.ndarray) -> np.ndarray:
    """Camera looks: colour and exposure, grey or infrared, blur, sensor noise, JPEG."""
    out = image.astype(np.float32) * rng.uniform(0.5, 1.4) + rng.uniform(-40, 40)
    if rng.random() < 0.25:
        out[:] = out.mean(axis=2, keepdims=True)
    else:
        out *= np.array([rng.uniform(0.8, 1.2) for _ in range(3)], np.float32)
    if rng.random() < 0.3:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.5, 1.8))
    if rng.random() < 0.4:
        out += np.random.default_rng(rng.randrange(2**31)).normal(0, rng.uniform(2, 12), out.shape)
    out = np.clip(out, 0, 255).astype(np.uint8)
    if rng.random() < 0.5:
        _, data = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, rng.randrange(30, 95)])
        out = cv2.imdecode(data, cv2.IMREAD_COLOR)
    return out
