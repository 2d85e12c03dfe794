"""Five folds over the development photos (plates/us and plates/br), split by plate text.

The same plate never sits in two folds (some cars appear in several photos), so a figure reported
for fold k comes from a model that saw none of fold k's plates.
"""

from __future__ import annotations

import random
from pathlib import Path

from garita.vision.plate_line import line_image
from garita.vision.training.real_material import LabelledPhoto, development_photos, photo_crop, photo_regions

PLATES = Path("../shared/datasets/plates")
FOLDS = 5
SEED = 14


def assign_folds(photos: list[LabelledPhoto], folds: int = FOLDS, seed: int = SEED) -> dict[str, int]:
    """Plate text -> fold: distinct texts shuffled with a fixed seed and dealt round-robin."""
    texts = sorted({p.text for p in photos})
    random.Random(seed).shuffle(texts)
    return {text: i % folds for i, text in enumerate(texts)}


def all_photos(root: Path = PLATES) -> list[tuple[str, LabelledPhoto]]:
    """(region, photo) for every labelled development photo."""
    return [(region, p) for region in ("us", "br") for p in development_photos(root / region)]


def split(fold: int, root: Path = PLATES) -> tuple[list[LabelledPhoto], list[tuple[str, LabelledPhoto]]]:
    """(training photos from the other folds, held-out (region, photo) pairs of this fold)."""
    photos = all_photos(root)
    if not photos:
        raise FileNotFoundError(f"no development photos under {root}")
    folds = assign_folds([p for _, p in photos])
    train = [p for _, p in photos if folds[p.text] != fold]
    held = [(r, p) for r, p in photos if folds[p.text] == fold]
    return train, held


def fold_material(fold: int, root: Path = PLATES) -> tuple[list, list]:
    """Training regions of the other folds and fold `fold`'s labelled crops as validation lines."""
    import cv2

    train, held = split(fold, root)
    validation = []
    for _, photo in held:
        image = cv2.imread(str(photo.path))
        if image is not None:
            validation.append((line_image(photo_crop(image, photo.box, None)), photo.text))
    return photo_regions(train), validation
