"""Fine-tune one model per fold from a base checkpoint, export each, and measure them fold by fold.

    nice -n 19 python -m garita.vision.training.run_folds --init .train/base/best.pt --steps 300

Each fold's model trains on the rendered plates, the training pack and the other four folds' photos,
and is measured only on its own fold (vision.training.kfold_eval). The fold's exact rate logged during
training is for watching only: the model measured is the last checkpoint, not the one that scored best.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from garita.vision.training import train as training
from garita.vision.training.export import export
from garita.vision.training.folds import FOLDS, fold_material
from garita.vision.training.kfold_eval import evaluate, synthetic_mexican


def main(argv: list[str] | None = None) -> None:
    p = training.parser()
    p.description = __doc__
    p.set_defaults(run=".train/folds", pool=1000, val=0, eval_every=100)
    p.add_argument("--out", type=Path, default=Path(".train/folds/kfold.json"))
    for action in p._actions:  # --run names the parent folder here; one sub-folder per fold
        if action.dest == "run":
            action.required = False
    args = p.parse_args(argv)
    models = []
    for fold in range(FOLDS):
        photos, validation = fold_material(fold)
        fold_args = argparse.Namespace(**{**vars(args), "run": str(Path(args.run) / f"fold{fold}"), "fold": fold})
        training.train(fold_args, photos, validation)
        # last.pt, never best.pt: "best" was judged on this fold's own photos, so choosing it would peek.
        export(Path(fold_args.run) / "last.pt", Path(fold_args.run) / "onnx", calibration=128)
        models.append(Path(fold_args.run) / "onnx" / "plate_line_int8.onnx")
    figures = {"folds": evaluate(models), "synthetic_mexican_exact": synthetic_mexican(models[-1])}
    args.out.write_text(json.dumps(figures, indent=1))
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
