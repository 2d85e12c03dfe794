"""Plate line crops of the development photos, cut as the plate path cuts them, for fine-tuning the recogniser.

    python -m garita.vision.training.line_crops --out .train/lines

For every labelled photo the plate detector's plates and the whole-frame text search give text lines; a line
whose box lies inside the labelled plate box and spans most of its width is the plate's serial line. Each is
cut from the frame several times with its corners jittered (a detector never boxes a line twice alike) and
saved as PNG, listed in `lines.json` with the photo's region, plate text and fold (`folds.py`).
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import cv2
import numpy as np
from rapidfuzz.distance import Levenshtein

from garita.vision import load_image
from garita.vision.models import load_sessions
from garita.vision.plate_crop import plate_region
from garita.vision.plate_detector import FinderParams, find_plates
from garita.vision.plate_regions import plate_boxes
from garita.vision.recognizer import FOUND_LINES, PLATE_FIND, PLATE_LINES, padded_quad
from garita.vision.text_detector import detect_text
from garita.vision.text_recognizer import TextRecognizer, crop_quad
from garita.vision.training.folds import all_photos, assign_folds
from garita.vision.training.real_material import LabelledPhoto

JITTERS = 6  # crops per line beside the exact one
MIN_SPAN = 0.45  # of the labelled box's width: a shorter line is a fragment (a state name, a sticker)
# A state name or slogan as wide as the serial passes the geometry; the shipped recogniser's reading then tells
# it apart: a serial line reads within a few edits of the plate text, even misread, a slogan does not.
MAX_EDITS_SHARE = 0.4


def candidate_quads(sessions, frame: np.ndarray) -> list[np.ndarray]:
    """Frame quads of the lines the plate path would read: inside found plates, and in the whole frame."""
    quads = []
    for plate in find_plates(sessions.plate_finder, frame, FinderParams(limit=3)):
        region = plate_region(frame, plate)
        if region is not None:
            found = detect_text(sessions.plate_det, region.image, PLATE_FIND)
            boxes = plate_boxes(found, region.image.shape[0], FOUND_LINES)
            quads += [np.asarray(region.to_frame(padded_quad(b)), np.float32) for b in boxes]
    found = detect_text(sessions.plate_det, frame, PLATE_FIND)
    quads += [padded_quad(b).astype(np.float32) for b in plate_boxes(found, frame.shape[0], PLATE_LINES)]
    return quads


def is_serial_line(quad: np.ndarray, box: tuple[int, int, int, int]) -> bool:
    """A line centred inside the labelled plate box and spanning most of its width."""
    x, y, w, h = box
    cx, cy = quad.mean(axis=0)
    span = quad[:, 0].max() - quad[:, 0].min()
    return x <= cx <= x + w and y <= cy <= y + h and span >= MIN_SPAN * w


def jittered(quad: np.ndarray, rng: random.Random) -> np.ndarray:
    """The quad with each corner moved by up to 12% of the line's height."""
    height = float(np.linalg.norm(quad[3] - quad[0]))
    noise = np.array([[rng.uniform(-0.12, 0.12) * height for _ in range(2)] for _ in range(4)], np.float32)
    return quad + noise


def distinct(quads: list[np.ndarray]) -> list[np.ndarray]:
    """Drop a quad whose centre lies within a quarter height of one already kept (the two searches agree)."""
    kept: list[np.ndarray] = []
    for quad in quads:
        height = float(np.linalg.norm(quad[3] - quad[0]))
        if all(np.linalg.norm(quad.mean(axis=0) - k.mean(axis=0)) > 0.25 * height for k in kept):
            kept.append(quad)
    return kept


def reads_as_plate(text: str, truth: str) -> bool:
    """The line's reading is within a few edits of the plate text."""
    return Levenshtein.distance(text, truth) <= max(2, int(MAX_EDITS_SHARE * len(truth)))


def extract(photo: LabelledPhoto, sessions, reader: TextRecognizer, rng: random.Random) -> list[np.ndarray]:
    """Crops (exact and jittered) of the photo's serial lines."""
    frame = load_image(photo.path)
    lines = distinct([q for q in candidate_quads(sessions, frame) if is_serial_line(q, photo.box)])
    if lines:
        reads = reader.read([crop_quad(frame, q) for q in lines])
        lines = [q for q, read in zip(lines, reads, strict=True) if reads_as_plate(read.text, photo.text)]
    crops = []
    for quad in lines:
        crops.append(crop_quad(frame, quad))
        crops += [crop_quad(frame, jittered(quad, rng)) for _ in range(JITTERS)]
    return crops


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(".train/lines"))
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    sessions, rng = load_sessions(2), random.Random(args.seed)
    reader = TextRecognizer(sessions.rec, sessions.charset)
    photos = all_photos()
    folds = assign_folds([p for _, p in photos])
    listed, missing = [], 0
    for index, (region, photo) in enumerate(photos):
        crops = extract(photo, sessions, reader, rng)
        missing += not crops
        for j, crop in enumerate(crops):
            name = f"{index:03d}_{j:02d}.png"
            cv2.imwrite(str(args.out / name), crop)
            listed.append({"file": name, "photo": str(photo.path), "region": region, "text": photo.text,
                           "fold": folds[photo.text], "exact": j % (JITTERS + 1) == 0})
    (args.out / "lines.json").write_text(json.dumps(listed, indent=0))
    print(f"{len(listed)} crops of {len(photos) - missing} photos ({missing} photos without a serial line)")


if __name__ == "__main__":
    main()
