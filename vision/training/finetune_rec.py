"""Fine-tune the shipped PP-OCRv6 recogniser on plate lines; resumes from the run folder's last checkpoint.

    python -m garita.vision.training.line_crops --out .train/lines           # once, with the lane's venv
    nice -n 19 python -m garita.vision.training.finetune_rec --run .train/rec-f0 --fold 0 --steps 400
    python -m garita.vision.training.finetune_rec --run .train/rec-f0 --export .train/rec-f0/rec.onnx

Needs torch, torchvision and onnx2torch (`pip install torch==2.14.1 torchvision==0.29.1 onnx2torch` in a
separate venv: onnx2torch imports torchvision, which does not load against the `train` extra's torch).
The network is converted from the ONNX file, trained with CTC in eval mode (batch norms and dropout as shipped,
few samples per step), and exported back with the file's character dictionary. Material: the plate lines of the
development photos outside the held-out fold (`--fold -1`: all of them, for the shipped file), the training
pack's Brazilian crops, and rendered one-line plates.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from pathlib import Path

import cv2
import numpy as np
import onnx
import torch
from torch.nn import functional

from garita.vision.models import REC_FILE, bundled_dir
from garita.vision.text_recognizer import REC_HEIGHT, padded_width, rec_width
from garita.vision.training.augment import photograph
from garita.vision.training.real_material import br_crops, us_designs
from garita.vision.training.render import render_plate
from garita.vision.training.series import pick

PACK = Path("../shared/datasets/plates-train")
Sample = tuple[np.ndarray, str]  # BGR crop, plate text


def explicit_pads(model: onnx.ModelProto) -> onnx.ModelProto:
    """SAME_UPPER auto-padding (2x2 kernels, stride 1) as explicit end pads, which onnx2torch converts."""
    for node in model.graph.node:
        for attribute in list(node.attribute):
            if attribute.name == "auto_pad" and attribute.s == b"SAME_UPPER":
                node.attribute.remove(attribute)
                node.attribute.append(onnx.helper.make_attribute("pads", [0, 0, 1, 1]))
    return model


def convert(path: Path) -> tuple[torch.nn.Module, onnx.ModelProto]:
    """The ONNX recogniser as a torch module (exact in eval mode), and the source model for its metadata."""
    from onnx2torch import convert as onnx_to_torch

    source = onnx.load(str(path))
    return onnx_to_torch(explicit_pads(onnx.load(str(path)))).eval(), source


def charset_of(model: onnx.ModelProto) -> list[str]:
    """The CTC labels as `models.rec_charset` reads them: blank, the dictionary, space."""
    meta = {p.key: p.value for p in model.metadata_props}
    return ["<blank>", *meta["character"].splitlines(), " "]


class Material:
    """Draws training samples by weight: development lines, Brazilian crops, rendered plates."""

    def __init__(self, lines: Path, fold: int, weights: dict[str, float]) -> None:
        listed = json.loads((lines / "lines.json").read_text())
        self.lines = [(lines / e["file"], e["text"]) for e in listed if e["fold"] != fold]
        self.br = br_crops(PACK) if PACK.is_dir() else []
        self.designs = us_designs(PACK) if PACK.is_dir() else []
        have = {"lines": bool(self.lines), "br": bool(self.br), "synthetic": True}
        self.weights = {k: w for k, w in weights.items() if have.get(k) and w > 0}

    def sample(self, rng: random.Random) -> Sample:
        source = rng.choices(list(self.weights), weights=list(self.weights.values()))[0]
        if source == "lines":
            path, text = rng.choice(self.lines)
            return _jitter(cv2.imread(str(path)), rng), text
        if source == "br":
            crop, text = rng.choice(self.br)
            return _jitter(crop, rng), text
        return self._rendered(rng)

    def _rendered(self, rng: random.Random) -> Sample:
        """A one-line rendered plate of any series (two-line plates are read line by line at run time)."""
        while True:
            series = pick(rng, None)
            design = rng.choice(self.designs) if self.designs and series.region == "us" else None
            plate, text, two_line = render_plate(series, rng, design)
            if not two_line:
                return photograph(plate, rng), text


def _jitter(crop: np.ndarray, rng: random.Random) -> np.ndarray:
    """Light photometric jitter of a real crop."""
    out = crop.astype(np.float32) * rng.uniform(0.75, 1.2) + rng.uniform(-20, 20)
    if rng.random() < 0.3:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.4, 1.0))
    return np.clip(out, 0, 255).astype(np.uint8)


def to_batch(crops: list[np.ndarray]) -> torch.Tensor:
    """As `text_recognizer._rec_blob`: height 48, the canvas of the widest crop, normalised to [-1, 1]."""
    canvas = max(padded_width(c) for c in crops)
    batch = np.zeros((len(crops), 3, REC_HEIGHT, canvas), np.float32)
    for i, crop in enumerate(crops):
        width = rec_width(crop)
        resized = cv2.resize(crop, (width, REC_HEIGHT), interpolation=cv2.INTER_LINEAR).astype(np.float32)
        batch[i, :, :, :width] = (resized / 127.5 - 1.0).transpose(2, 0, 1)
    return torch.from_numpy(batch)


def ctc_loss(probs: torch.Tensor, texts: list[str], index: dict[str, int]) -> torch.Tensor:
    """CTC over the network's softmax output (N, T, C), targets the ASCII capitals and digits."""
    log_probs = torch.log(probs.clamp_min(1e-8)).permute(1, 0, 2)
    targets = torch.tensor([index[ch] for text in texts for ch in text], dtype=torch.long)
    lengths = torch.tensor([len(t) for t in texts], dtype=torch.long)
    steps = torch.full((len(texts),), log_probs.shape[0], dtype=torch.long)
    return functional.ctc_loss(log_probs, targets, steps, lengths, blank=0, zero_infinity=True)


def learning_rate(step: int, steps: int, peak: float) -> float:
    """Linear warm-up over 20 steps, then cosine decay to a tenth."""
    if step < 20:
        return peak * (step + 1) / 20
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * (step - 20) / max(steps - 20, 1))))


def train(args: argparse.Namespace) -> None:
    model, source = convert(bundled_dir() / REC_FILE)
    labels = charset_of(source)
    index = {ch: labels.index(ch) for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"}
    weights = dict(pair.split("=") for pair in args.mix.split(","))
    material = Material(args.lines, args.fold, {k: float(v) for k, v in weights.items()})
    optimiser = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr, weight_decay=0.01)
    step, last = 0, args.run / "last.pt"
    if last.is_file():
        state = torch.load(last, weights_only=False)
        model.load_state_dict(state["model"])
        optimiser.load_state_dict(state["optimiser"])
        step = state["step"]
    args.run.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed + step)
    started, losses = time.time(), []
    while step < args.steps:
        samples = [material.sample(rng) for _ in range(args.batch)]
        for group in optimiser.param_groups:
            group["lr"] = learning_rate(step, args.steps, args.lr)
        loss = ctc_loss(model(to_batch([c for c, _ in samples])), [t for _, t in samples], index)
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimiser.step()
        step, losses = step + 1, [*losses[-49:], float(loss)]
        if step % args.every == 0 or step == args.steps:
            torch.save({"model": model.state_dict(), "optimiser": optimiser.state_dict(), "step": step}, last)
            print(f"step {step} loss {np.mean(losses):.3f} {time.time() - started:.0f}s", flush=True)


def export(run: Path, target: Path) -> None:
    """The last checkpoint as ONNX (opset 17, any batch and width) with the source's metadata."""
    model, source = convert(bundled_dir() / REC_FILE)
    model.load_state_dict(torch.load(run / "last.pt", weights_only=False)["model"])
    target.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(model, torch.zeros(1, 3, REC_HEIGHT, 224), str(target), dynamo=False, opset_version=17,
                      input_names=["x"], output_names=["probs"],
                      dynamic_axes={"x": {0: "batch", 3: "width"}, "probs": {0: "batch", 1: "steps"}})
    exported = onnx.load(str(target))
    exported.metadata_props.extend(source.metadata_props)
    onnx.save(exported, str(target))
    print(f"exported {target} ({target.stat().st_size / 1e6:.1f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, required=True)
    parser.add_argument("--lines", type=Path, default=Path(".train/lines"))
    parser.add_argument("--fold", type=int, default=-1, help="held-out fold (-1: train on every photo)")
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--mix", default="lines=0.55,br=0.2,synthetic=0.25")
    parser.add_argument("--every", type=int, default=25)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--export", type=Path, help="write the last checkpoint as ONNX here and stop")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.export:
        export(args.run, args.export)
    else:
        train(args)


if __name__ == "__main__":
    main()
