"""The plate detector network: a small encoder-decoder that paints a plate mask at a quarter of the input size."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional


def _conv(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


def _stage(cin: int, cout: int) -> nn.Sequential:
    """Halve the resolution, then one more convolution at the new size."""
    return nn.Sequential(_conv(cin, cout, 2), _conv(cout, cout))


class PlateDetNet(nn.Module):
    """(N, 3, H, W) RGB in [0, 1], H and W multiples of 32 -> (N, 1, H/4, W/4) plate logits.

    Plain 3x3 convolutions (depthwise ones train slowly on a CPU); the deepest stage sees 1/32 of the frame,
    enough context to tell a plate from a sign or a sticker, and lateral sums bring it back to 1/4."""

    def __init__(self, width: int = 1) -> None:
        super().__init__()
        c = [16 * width, 32 * width, 48 * width, 64 * width, 96 * width]
        self.stem = _conv(3, c[0], 2)  # 1/2
        self.down = nn.ModuleList([_stage(c[0], c[1]), _stage(c[1], c[2]), _stage(c[2], c[3]), _stage(c[3], c[4])])
        self.lateral = nn.ModuleList([nn.Conv2d(ch, c[1], 1) for ch in c[1:]])
        self.head = nn.Sequential(_conv(c[1], c[1]), nn.Conv2d(c[1], 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feature = self.stem(x)
        levels = []
        for stage in self.down:  # 1/4, 1/8, 1/16, 1/32
            feature = stage(feature)
            levels.append(feature)
        merged = self.lateral[-1](levels[-1])
        for level, lateral in zip(reversed(levels[:-1]), reversed(self.lateral[:-1]), strict=True):
            merged = lateral(level) + functional.interpolate(merged, size=level.shape[2:], mode="nearest")
        return self.head(merged)
