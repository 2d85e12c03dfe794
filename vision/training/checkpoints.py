"""Run folders of the training scripts: resume from last.pt, keep best.pt by a validation figure, log progress."""

from __future__ import annotations

import json
import time
from pathlib import Path

import torch
from torch import nn


def load(run: Path, model: nn.Module, optimiser: torch.optim.Optimizer, init: Path | None = None) -> dict:
    """Resume from run/last.pt if there is one (else start from init's weights, if given); the progress record."""
    last = run / "last.pt"
    if last.is_file():
        state = torch.load(last, weights_only=False)
        model.load_state_dict(state["model"])
        optimiser.load_state_dict(state["optimiser"])
        return state["progress"]
    if init is not None:  # start from another run's weights (fine-tuning a fold)
        model.load_state_dict(torch.load(init, weights_only=False)["model"])
    return {"step": 0, "best": -1.0, "history": []}


def save(path: Path, model: nn.Module, optimiser: torch.optim.Optimizer, progress: dict, args: dict) -> None:
    """Write a checkpoint atomically (a killed run never leaves half a file)."""
    temporary = path.with_suffix(".part")
    torch.save({"model": model.state_dict(), "optimiser": optimiser.state_dict(), "progress": progress,
                "args": args}, temporary)
    temporary.replace(path)


def record(run: Path, model: nn.Module, optimiser: torch.optim.Optimizer, progress: dict, args: dict,
           figure: tuple[str, float], loss: float, started: float) -> None:
    """Log one validation figure (name, value); save last.pt, and best.pt when the figure is the best yet."""
    name, value = figure
    progress["history"].append({"step": progress["step"], "loss": round(loss, 4), name: round(value, 4),
                                "elapsed_s": round(time.monotonic() - started, 1)})
    if value > progress["best"]:
        progress["best"] = value
        save(run / "best.pt", model, optimiser, progress, args)
    save(run / "last.pt", model, optimiser, progress, args)
    (run / "progress.json").write_text(json.dumps(progress, indent=1))
    print(json.dumps(progress["history"][-1]), flush=True)
