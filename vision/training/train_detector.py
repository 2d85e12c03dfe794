"""Train the plate detector on the boxes-only detection set; resumes from the run folder's last checkpoint.

    nice -n 19 python -m garita.vision.training.train_detector --run .train/det --steps 3000
    python -m garita.vision.training.train_detector --run .train/det --export vision/model_files/plate_finder.onnx

Checkpoints are chosen by the mask IoU on canvases of the set's held-out 10% (by source photo); the lane's
development photos are never seen here, so `measure_detector` on them is a held-out figure.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional

from garita.vision.training import checkpoints
from garita.vision.training.detector_data import DEFAULT_SET, IGNORE, Photo, compose, is_validation, load_set
from garita.vision.training.detector_net import PlateDetNet


def to_batch(canvases: list[tuple[np.ndarray, np.ndarray]]) -> tuple[torch.Tensor, torch.Tensor]:
    """BGR canvases -> RGB float tensors in [0, 1] (as vision.plate_detector.to_input), masks -> (N, 1, h, w)."""
    images = np.stack([c[:, :, ::-1] for c, _ in canvases]).astype(np.float32) / 255.0
    masks = np.stack([m for _, m in canvases])[:, None]
    return torch.from_numpy(images.transpose(0, 3, 1, 2).copy()), torch.from_numpy(masks)


def loss_of(logits: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy where not ignored, plus soft Dice (plates are a small share of the pixels)."""
    keep = (masks != IGNORE).float()
    target = masks.clamp(min=0)
    bce = (functional.binary_cross_entropy_with_logits(logits, target, reduction="none") * keep).sum() / keep.sum()
    prob = torch.sigmoid(logits) * keep
    dice = 1 - (2 * (prob * target).sum() + 1) / (prob.sum() + target.sum() + 1)
    return bce + dice


def mask_iou(model: nn.Module, validation: list[tuple[np.ndarray, np.ndarray]], batch: int = 32) -> float:
    """IoU of the predicted plate cells (p > 0.5) with the marked ones, ignored cells left out."""
    model.eval()
    inter = union = 0.0
    with torch.no_grad():
        for i in range(0, len(validation), batch):
            images, masks = to_batch(validation[i : i + batch])
            predicted = torch.sigmoid(model(images)) > 0.5
            keep, truth = masks != IGNORE, masks == 1
            inter += float((predicted & truth & keep).sum())
            union += float(((predicted | truth) & keep).sum())
    model.train()
    return inter / max(union, 1.0)


def split(photos: list[Photo]) -> tuple[list[Photo], list[Photo]]:
    held = [p for p in photos if is_validation(p.name)]
    return [p for p in photos if not is_validation(p.name)], held


def train(args: argparse.Namespace, photos: list[Photo] | None = None) -> dict:
    """Run (or resume) training to args.steps; returns the progress record (also in run/progress.json)."""
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    run = Path(args.run)
    run.mkdir(parents=True, exist_ok=True)
    model = PlateDetNet(args.width)
    optimiser = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    progress = checkpoints.load(run, model, optimiser)
    if progress["step"] >= args.steps:
        return progress
    training, held = split(photos if photos is not None else load_set(Path(args.set)))
    validation = [compose(random.Random(90000 + i), held or training, args.size) for i in range(args.val)]
    rng = random.Random(args.seed + progress["step"])  # a resumed run draws fresh canvases
    started = time.monotonic()
    while progress["step"] < args.steps:
        step = progress["step"]
        for group in optimiser.param_groups:  # cosine decay, restart-safe (a function of the step alone)
            group["lr"] = args.lr * 0.5 * (1 + np.cos(np.pi * step / args.steps))
        images, masks = to_batch([compose(rng, training, args.size) for _ in range(args.batch)])
        loss = loss_of(model(images), masks)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        progress["step"] = step + 1
        if progress["step"] % args.eval_every == 0 or progress["step"] == args.steps:
            figure = ("val_iou", mask_iou(model, validation))
            checkpoints.record(run, model, optimiser, progress, vars(args), figure, loss.item(), started)
    return progress


def export(checkpoint: Path, target: Path) -> None:
    """The checkpoint's network as ONNX (opset 17) with a dynamic frame size."""
    state = torch.load(checkpoint, weights_only=False)
    model = PlateDetNet(state["args"].get("width", 1))
    model.load_state_dict(state["model"])
    model.eval()
    target.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(model, torch.zeros(1, 3, 384, 640), str(target), dynamo=False, opset_version=17,
                      input_names=["frame"], output_names=["plate_logits"],
                      dynamic_axes={"frame": {2: "height", 3: "width"}, "plate_logits": {2: "h", 3: "w"}})


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", required=True, help="run folder (checkpoints, progress.json); resumed if present")
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--batch", type=int, default=24)
    p.add_argument("--size", type=int, default=320, help="canvas side in pixels")
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--width", type=int, default=1, help="channel multiplier of the network")
    p.add_argument("--val", type=int, default=240, help="validation canvases")
    p.add_argument("--eval-every", type=int, default=200)
    p.add_argument("--set", default=str(DEFAULT_SET), help="plates-detect folder")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--export", help="write the run's best checkpoint as ONNX here instead of training")
    return p


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    if args.export:
        export(Path(args.run) / "best.pt", Path(args.export))
        return
    train(args)


if __name__ == "__main__":
    main()
