"""Honest figures for the plate line recogniser: 5 folds over plates/us and plates/br, split by plate text.

    python -m garita.vision.training.kfold_eval --models .train/fold{k}/onnx/plate_line_int8.onnx
    python -m garita.vision.training.kfold_eval --models .train/base/onnx/plate_line_int8.onnx  # one model

Per held-out photo: the current pipeline's first answer (its figure, per fold, for comparison), our
reading of the crop the current detector found (rectified from its corners), the pipeline's top-5
re-ranked by our model, and our reading of the hand-labelled plate box. The synthetic Mexican
figure (rendered plates, no labelled Mexican photos exist here) is reported apart, said to be synthetic.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import cv2
import numpy as np

from garita.vision.plate_line import rectify
from garita.vision.plate_line_reader import PlateLineReader
from garita.vision.training.folds import FOLDS, PLATES, all_photos, assign_folds
from garita.vision.training.real_material import photo_crop

CACHE = Path(".train/detections.json")


def detections(cache: Path = CACHE, root: Path = PLATES) -> dict[str, dict]:
    """The current pipeline's plate reads of every development photo (cached: they take minutes)."""
    if cache.is_file():
        return json.loads(cache.read_text())
    from garita.vision import Recognizer, load_image

    recognisers = {r: Recognizer(regions=(r,), threads=1) for r in ("us", "br")}
    found = {}
    for region, photo in all_photos(root):
        reads = recognisers[region].read_plates(load_image(photo.path))
        found[str(photo.path)] = {"region": region, "label": photo.text, "box": photo.box, "reads": [
            {"box": [list(p) for p in r.box], "candidates": [[c.text, c.confidence] for c in r.candidates[:5]]}
            for r in reads[:2]]}
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps(found))
    return found


def _rerank(reader: PlateLineReader, probs: np.ndarray, candidates: list, ours: str) -> str:
    """The pipeline's candidates and our own reading, best by our score plus the pipeline's confidence."""
    options = {text: np.log(max(conf, 1e-3)) for text, conf in candidates}
    options.setdefault(ours, np.log(0.05))
    return max(options, key=lambda t: reader.score(probs, t) + 0.5 * options[t])


def judge(reader: PlateLineReader, path: str, entry: dict) -> dict[str, bool]:
    """Right or wrong, for one photo, by each way of reading it."""
    image = cv2.imread(path)
    label, reads = entry["label"], entry["reads"]
    result = {"pipeline": bool(reads) and reads[0]["candidates"][0][0] == label}
    labelled = photo_crop(image, tuple(entry["box"]), None)
    result["ours_labelled_box"] = reader.read([labelled])[0].text == label
    if not reads:
        return {**result, "ours_detected": False, "rerank": False}
    crop = rectify(image, reads[0]["box"], pad=0.08, vpad=0.25)
    probs = reader.probabilities([crop])[0]
    ours = reader.read([crop])[0].text
    result["ours_detected"] = ours == label
    result["rerank"] = _rerank(reader, probs, reads[0]["candidates"], ours) == label
    return result


def evaluate(models: list[Path], root: Path = PLATES) -> dict:
    """Per fold and overall: photos and exact first answers per way of reading, per region."""
    found = detections(root=root)
    folds = assign_folds([p for _, p in all_photos(root)])
    readers = [PlateLineReader(m, threads=1) for m in models]
    table: dict[str, dict[str, int]] = {}
    for path, entry in found.items():
        fold = folds[entry["label"]]
        reader = readers[fold] if len(readers) == FOLDS else readers[0]
        verdict = judge(reader, path, entry)
        for key in (f"fold{fold}/{entry['region']}", f"all/{entry['region']}"):
            row = table.setdefault(key, {"photos": 0})
            row["photos"] += 1
            for way, right in verdict.items():
                row[way] = row.get(way, 0) + int(right)
    return dict(sorted(table.items()))


def synthetic_mexican(model: Path, count: int = 500) -> float:
    """SYNTHETIC figure: exact readings of rendered Mexican plates (seed never used in training)."""
    from garita.vision.training.data import synthetic

    rng = random.Random(90210)
    reader = PlateLineReader(model, threads=1)
    samples = [synthetic(rng, ("mx",)) for _ in range(count)]
    right = 0
    for i in range(0, count, 64):
        chunk = samples[i : i + 64]
        reads = [r.text for r in _read_lines(reader, [s[0] for s in chunk])]
        right += sum(r == s[1] for r, s in zip(reads, chunk, strict=True))
    return right / count


def _read_lines(reader: PlateLineReader, lines: list[np.ndarray]):
    from garita.vision.plate_line import greedy_decode, softmax, to_tensor

    logits = reader.session.run(None, {reader.input: to_tensor(lines)})[0]
    return [greedy_decode(softmax(lg)) for lg in logits]


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", nargs="+", type=Path, required=True, help="one ONNX file, or one per fold (0..4)")
    p.add_argument("--out", type=Path, help="write the figures here as JSON")
    args = p.parse_args(argv)
    if len(args.models) not in (1, FOLDS):
        p.error(f"give one model or {FOLDS}")
    figures = {"folds": evaluate(args.models), "synthetic_mexican_exact": synthetic_mexican(args.models[-1])}
    for key, row in figures["folds"].items():
        print(key, {k: (f"{v}/{row['photos']}" if k != "photos" else v) for k, v in row.items()})
    print("SYNTHETIC Mexican plates (rendered), exact:", round(figures["synthetic_mexican_exact"], 3))
    if args.out:
        args.out.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
