"""Train the plate line recogniser; resumes from the run folder's last checkpoint.

    nice -n 19 python -m garita.vision.training.train --run .train/base --steps 4000
    nice -n 19 python -m garita.vision.training.train --run .train/fold0 --fold 0 --init .train/base/best.pt --steps 600

With --fold k, the development photos of the other folds (vision.training.folds) join the mixture and
fold k's photos are the validation set; without it, validation is rendered plates only.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from garita.vision.plate_line import CHARSET, greedy_decode, softmax, to_tensor
from garita.vision.training import checkpoints
from garita.vision.training.data import Mixture, Sample, synthetic
from garita.vision.training.line_net import PlateLineNet

DEFAULT_PACK = Path("../shared/datasets/plates-train")


def validation_set(count: int, seed: int = 12345, regions: tuple[str, ...] | None = None) -> list[Sample]:
    """Rendered plates from a seed no training run draws from (training seeds are below 10000)."""
    rng = random.Random(seed)
    return [synthetic(rng, regions) for _ in range(count)]


def exact_rate(model: nn.Module, samples: list[Sample], batch: int = 64) -> float:
    """Share of samples whose greedy reading is exactly the label."""
    if not samples:
        return 0.0
    model.eval()
    right = 0
    with torch.no_grad():
        for i in range(0, len(samples), batch):
            chunk = samples[i : i + batch]
            logits = model(torch.from_numpy(to_tensor([s[0] for s in chunk]))).numpy()
            right += sum(greedy_decode(softmax(lg)).text == s[1] for lg, s in zip(logits, chunk, strict=True))
    model.train()
    return right / len(samples)


def _targets(texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    flat = [CHARSET.index(c) + 1 for t in texts for c in t]
    return torch.tensor(flat, dtype=torch.long), torch.tensor([len(t) for t in texts], dtype=torch.long)


class Pool:
    """Samples kept in memory and partly renewed every step, so rendering costs less than training."""

    def __init__(self, mixture: Mixture, rng: random.Random, size: int, renew: int) -> None:
        self.mixture, self.rng, self.renew = mixture, rng, renew
        self.items = [mixture.sample(rng) for _ in range(size)]

    def batch(self, size: int) -> list[Sample]:
        for _ in range(self.renew):
            self.items[self.rng.randrange(len(self.items))] = self.mixture.sample(self.rng)
        return self.rng.sample(self.items, min(size, len(self.items)))


def train(args: argparse.Namespace, photos: list | None = None, validation: list[Sample] | None = None) -> dict:
    """Run (or resume) training to args.steps; returns the progress record (also in run/progress.json)."""
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    run = Path(args.run)
    run.mkdir(parents=True, exist_ok=True)
    model = PlateLineNet(args.width)
    optimiser = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    progress = checkpoints.load(run, model, optimiser, Path(args.init) if args.init else None)
    if progress["step"] >= args.steps:
        return progress
    rng = random.Random(args.seed + progress["step"])  # a resumed run draws fresh samples
    mixture = Mixture(Path(args.pack) if args.pack else None, photos or [])
    if getattr(args, "mix", None):
        mixture.reweight(_weights(args.mix))
    pool = Pool(mixture, rng, args.pool, args.renew)
    validation = validation if validation is not None else validation_set(args.val)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    started = time.monotonic()
    while progress["step"] < args.steps:
        step = progress["step"]
        for group in optimiser.param_groups:  # cosine decay, restart-safe (a function of the step alone)
            group["lr"] = args.lr * 0.5 * (1 + np.cos(np.pi * step / args.steps))
        chunk = pool.batch(args.batch)
        logits = model(torch.from_numpy(to_tensor([s[0] for s in chunk])))
        log_probs = logits.log_softmax(2).permute(1, 0, 2)  # (T, N, C)
        targets, lengths = _targets([s[1] for s in chunk])
        loss = ctc(log_probs, targets, torch.full((len(chunk),), log_probs.shape[0], dtype=torch.long), lengths)
        optimiser.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimiser.step()
        progress["step"] = step + 1
        if progress["step"] % args.eval_every == 0 or progress["step"] == args.steps:
            figure = ("val_exact", exact_rate(model, validation))
            checkpoints.record(run, model, optimiser, progress, vars(args), figure, loss.item(), started)
    return progress


def _weights(spec: str) -> dict[str, float]:
    """'photos=0.3,br=0.15' -> {'photos': 0.3, 'br': 0.15}; unknown sources are an error."""
    weights = {}
    for part in spec.split(","):
        name, _, value = part.partition("=")
        if name not in ("synthetic", "tiles", "br", "photos"):
            raise ValueError(f"--mix: unknown source {name!r} (synthetic, tiles, br, photos)")
        weights[name] = float(value)
    return weights


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", required=True, help="run folder (checkpoints, progress.json); resumed if present")
    p.add_argument("--steps", type=int, default=4000)
    p.add_argument("--batch", type=int, default=48)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--width", type=int, default=1, help="channel multiplier of the network")
    p.add_argument("--pool", type=int, default=3000, help="samples kept in memory")
    p.add_argument("--renew", type=int, default=12, help="samples renewed per step")
    p.add_argument("--val", type=int, default=400, help="rendered validation plates")
    p.add_argument("--eval-every", type=int, default=250)
    p.add_argument("--pack", default=str(DEFAULT_PACK), help="plates-train folder ('' for rendered only)")
    p.add_argument("--init", help="checkpoint to start from")
    p.add_argument("--mix", help="source weights, e.g. synthetic=0.5,tiles=0.05,br=0.15,photos=0.3")
    p.add_argument("--fold", type=int, help="train on the other folds' photos, validate on this fold")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    return p


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    if args.fold is None:
        train(args)
        return
    from garita.vision.training.folds import fold_material

    photos, validation = fold_material(args.fold)
    train(args, photos, validation)


if __name__ == "__main__":
    main()
