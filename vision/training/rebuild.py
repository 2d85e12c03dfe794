"""Rebuild the shipped plate line model from scratch: train, export, quantise, measure, copy.

    nice -n 19 python -m garita.vision.training.rebuild --run .train/ship --steps 6000 --photos --out vision/model_files

--photos adds every development photo (plates/us, plates/br) to the training mixture: do that only for the
model you ship, after its figures were measured fold by fold (python -m garita.vision.training.kfold_eval).
int8 is kept when it reads the rendered check set within half a point of the float model.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from garita.vision.training import train as training
from garita.vision.training.export import export
from garita.vision.training.folds import all_photos
from garita.vision.training.real_material import photo_regions

INT8_TOLERANCE = 0.005


def rebuild(args: argparse.Namespace) -> Path:
    """Train (resuming), export both precisions, copy the one kept to args.out; returns its path."""
    photos = photo_regions([p for _, p in all_photos()]) if args.photos else []
    training.train(args, photos)
    run = Path(args.run)
    figures = export(run / "best.pt", run / "onnx")
    keep_int8 = figures["int8_exact"] >= figures["float_exact"] - INT8_TOLERANCE
    chosen = run / "onnx" / ("plate_line_int8.onnx" if keep_int8 else "plate_line.onnx")
    target = Path(args.out) / chosen.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(chosen, target)
    print(json.dumps({**figures, "kept": target.name}, indent=1))
    return target


def main(argv: list[str] | None = None) -> None:
    p = training.parser()
    p.description = __doc__
    p.add_argument("--photos", action="store_true", help="train on every development photo too")
    p.add_argument("--out", required=True, help="folder the kept ONNX file is copied to")
    rebuild(p.parse_args(argv))


if __name__ == "__main__":
    main()
