"""Training samples: rendered plates of every series, real crops and tiles, development photos of a fold."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from garita.vision.plate_line import line_image
from garita.vision.training.augment import photograph
from garita.vision.training.real_material import br_crops, char_tiles, photo_crop, tile_line, us_designs
from garita.vision.training.render import render_plate
from garita.vision.training.series import pick

Sample = tuple[np.ndarray, str]  # (HEIGHT x WIDTH grey line, label)


def synthetic(rng: random.Random, regions: tuple[str, ...] | None = None,
              designs: list[np.ndarray] | None = None) -> Sample:
    """One rendered, photographed plate as the model's input line."""
    series = pick(rng, regions)
    design = rng.choice(designs) if designs and series.region == "us" and rng.random() < 0.5 else None
    plate, text, two_line = render_plate(series, rng, design)
    return line_image(photograph(plate, rng), two_line), text


@dataclass
class Mixture:
    """Draws samples from each source by weight; sources without material are left out."""

    pack: Path | None = None  # ../shared/datasets/plates-train
    photos: list[tuple[np.ndarray, tuple[int, int, int, int], str]] = field(default_factory=list)
    weights: dict[str, float] = field(default_factory=lambda: {"synthetic": 0.6, "tiles": 0.08, "br": 0.12,
                                                                 "photos": 0.2})

    def __post_init__(self) -> None:
        ok = self.pack is not None and self.pack.is_dir()
        self.designs = us_designs(self.pack) if ok else []
        self.br = br_crops(self.pack) if ok else []
        self.tiles = char_tiles(self.pack) if ok else {}
        self.reweight({})

    def reweight(self, weights: dict[str, float]) -> None:
        """Change source weights; sources without material stay out."""
        self.weights.update(weights)
        have = {"synthetic": True, "tiles": bool(self.tiles), "br": bool(self.br), "photos": bool(self.photos)}
        self.sources = [k for k in self.weights if have[k] and self.weights[k] > 0]

    def sample(self, rng: random.Random) -> Sample:
        source = rng.choices(self.sources, weights=[self.weights[s] for s in self.sources])[0]
        if source == "tiles":
            line, text = tile_line(self.tiles, rng)
            return line_image(line), text
        if source == "br":
            crop, text = rng.choice(self.br)
            return line_image(_jitter(crop, rng)), text
        if source == "photos":
            region, box, text = rng.choice(self.photos)
            return line_image(_jitter(photo_crop(region, box, rng), rng)), text
        return synthetic(rng, designs=self.designs)


def _jitter(crop: np.ndarray, rng: random.Random) -> np.ndarray:
    """Light photometric jitter of a real crop (its framing is already real)."""
    out = crop.astype(np.float32) * rng.uniform(0.7, 1.2) + rng.uniform(-25, 25)
    if rng.random() < 0.1:  # light-on-dark plates exist; the model must not learn "ink is dark"
        out = 255 - out
    return np.clip(out, 0, 255).astype(np.uint8) if rng.random() < 0.9 else crop
