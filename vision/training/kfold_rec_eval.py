"""Fold figures of a fine-tuned recogniser: each fold's photos read by the whole plate path with its fold's model.

    python -m garita.vision.training.kfold_rec_eval --models '.train/rec-f{fold}/rec.onnx'

Beside it, the shipped recogniser on the same photos through the same path. Only the recogniser differs; the
plate detector never saw these photos, the grammars and thresholds were made on them (vision/README.md).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path

from garita.vision import Recognizer, load_image
from garita.vision.models import load_sessions, open_session
from garita.vision.training.folds import FOLDS, split


def fold_figures(model: Path | None, fold: int, threads: int = 2) -> dict[str, list[int]]:
    """{region: [right, photos]} for one fold's held-out photos, read with `model` (None: the shipped one)."""
    sessions = load_sessions(threads)
    if model is not None:
        sessions = replace(sessions, rec=open_session(model, threads))
    readers = {r: Recognizer(regions=(r,), sessions=sessions) for r in ("us", "br")}
    figures: dict[str, list[int]] = {"us": [0, 0], "br": [0, 0]}
    _, held = split(fold)
    for region, photo in held:
        reads = readers[region].read_plates(load_image(photo.path))
        figures[region][0] += bool(reads) and reads[0].text == photo.text
        figures[region][1] += 1
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", required=True, help="path pattern with {fold}")
    parser.add_argument("--folds", type=int, nargs="*", default=list(range(FOLDS)))
    args = parser.parse_args()
    table = {}
    for fold in args.folds:
        tuned = Path(args.models.format(fold=fold))
        table[fold] = {"shipped": fold_figures(None, fold), "tuned": fold_figures(tuned, fold)}
        print(fold, json.dumps(table[fold]), flush=True)
    for side in ("shipped", "tuned"):
        for region in ("us", "br"):
            right = sum(table[f][side][region][0] for f in table)
            total = sum(table[f][side][region][1] for f in table)
            print(f"{side:8s} {region}: {right}/{total} = {right / max(total, 1):.1%}")


if __name__ == "__main__":
    main()
